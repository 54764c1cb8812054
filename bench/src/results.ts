import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { MachineInfo } from './machine.js';
import type { BenchOptions } from './options.js';
import type { ScenarioResult } from './scenario.js';

/** The file a scenario's result is kept in: `<out>/<YYYY-MM-DD>-<scenario>.json`. */
export interface ResultFile {
  readonly scenario: string;
  readonly title: string;
  readonly startedAt: string;
  readonly options: { readonly quick: boolean; readonly cases: number };
  readonly machine: MachineInfo;
  readonly metrics: Record<string, number>;
  readonly table: ReadonlyArray<Record<string, string | number>>;
  readonly notes: readonly string[];
}

/** The UTC date of `instant` as YYYY-MM-DD, the prefix of a run's result files. */
export function runDate(instant: Date): string {
  return instant.toISOString().slice(0, 10);
}

export function resultFile(result: ScenarioResult, startedAt: Date, options: BenchOptions, machine: MachineInfo): ResultFile {
  return {
    scenario: result.scenario,
    title: result.title,
    startedAt: startedAt.toISOString(),
    options: { quick: options.quick, cases: options.cases },
    machine,
    metrics: result.metrics,
    table: result.table,
    notes: result.notes ?? [],
  };
}

/** Writes `content` to `<dir>/<date>-<name>` (the directory created when missing) and returns the path. */
export async function writeResultText(dir: string, date: string, name: string, content: string): Promise<string> {
  await mkdir(dir, { recursive: true });
  const file = path.join(dir, `${date}-${name}`);
  await writeFile(file, content);
  return file;
}

/**
 * The rows as a plain-text table: columns in the order they first appear, numbers right-aligned, a
 * missing cell blank. Guarantees: every line has the same width; no rows gives "(no rows)".
 */
export function renderTable(rows: ReadonlyArray<Record<string, string | number>>): string {
  if (rows.length === 0) return '(no rows)';
  const columns: string[] = [];
  for (const row of rows) for (const key of Object.keys(row)) if (!columns.includes(key)) columns.push(key);
  const cell = (value: string | number | undefined) => (value === undefined ? '' : typeof value === 'number' ? formatNumber(value) : value);
  const widths = columns.map((column) => Math.max(width(column), ...rows.map((row) => width(cell(row[column])))));
  const line = (cells: Array<{ text: string; right: boolean }>) =>
    cells
      .map(({ text, right }, i) => {
        const pad = ' '.repeat((widths[i] as number) - width(text));
        return right ? pad + text : text + pad;
      })
      .join('  ')
      .trimEnd();
  return [
    line(columns.map((column) => ({ text: column, right: false }))),
    line(columns.map((_, i) => ({ text: '-'.repeat(widths[i] as number), right: false }))),
    ...rows.map((row) => line(columns.map((column) => ({ text: cell(row[column]), right: typeof row[column] === 'number' })))),
  ].join('\n');
}

/** The rows as a Markdown table, for docs/benchmarks.md. */
export function renderMarkdownTable(rows: ReadonlyArray<Record<string, string | number>>): string {
  if (rows.length === 0) return '(no rows)';
  const columns: string[] = [];
  for (const row of rows) for (const key of Object.keys(row)) if (!columns.includes(key)) columns.push(key);
  const cell = (value: string | number | undefined) => (value === undefined ? '' : typeof value === 'number' ? formatNumber(value) : value.replace(/\|/g, '\\|'));
  return [
    `| ${columns.join(' | ')} |`,
    `|${columns.map((column) => (rows.some((row) => typeof row[column] === 'number') ? '---:' : '---')).join('|')}|`,
    ...rows.map((row) => `| ${columns.map((column) => cell(row[column])).join(' | ')} |`),
  ].join('\n');
}

/** Integers with thousands separators; fractions to at most three significant decimals. */
export function formatNumber(value: number): string {
  if (!Number.isFinite(value)) return String(value);
  if (Number.isInteger(value)) return value.toLocaleString('en-US');
  const digits = Math.abs(value) >= 100 ? 0 : Math.abs(value) >= 10 ? 1 : Math.abs(value) >= 1 ? 2 : 3;
  return value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

/** Display width: CJK characters take two columns in a terminal. */
function width(text: string): number {
  let columns = 0;
  for (const char of text) columns += /[\u1100-\u115f\u2e80-\ua4cf\uac00-\ud7a3\uf900-\ufaff\ufe30-\ufe4f\uff00-\uff60\uffe0-\uffe6]/u.test(char) ? 2 : 1;
  return columns;
}
