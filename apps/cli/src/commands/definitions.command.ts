import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import type { Command } from 'commander';
import type {
  DefinitionChangeDto,
  DefinitionDiffDto,
  DefinitionHistoryDto,
  DefinitionListDto,
  DefinitionSummaryDto,
  DefinitionVersionDto,
  DeployResultDto,
  FileValidationDto,
  ValidationReportDto,
} from '../../../api/src/definitions/definitions.dto.js';
import { DEFINITION_KINDS } from '../../../../src/definitions/compiled-definition.js';
import { SERVICE_TYPES } from '../../../../src/definitions/procedure/procedure.schema.js';
import { compileDefinition } from '../../../../src/definitions/compiler.js';
import { formatDiagnostic } from '../../../../src/definitions/diagnostics.js';
import { renderMermaid } from '../../../../src/definitions/procedure/procedure-graph.js';
import { type ApiOptions, createApiClient, withApiOptions } from '../api-client.js';
import { CliError, createOutput, formatTable, formatTime, plural } from '../output.js';

interface JsonOption {
  readonly json: boolean;
}

/**
 * `procureflow definitions …`: check definition files locally (validate, graph) and manage the
 * registry through the API (deploy, list, show, diff).
 */
export function registerDefinitionsCommand(program: Command): void {
  const definitions = program
    .command('definitions')
    .description('check, deploy and inspect procedure, supervision and calendar definitions');

  definitions
    .command('validate')
    .description('compile definition files locally (no server needed) and report every problem; exit 1 if any')
    .argument('<files...>', 'YAML files, or directories to search for *.yaml / *.yml')
    .option('--json', 'print JSON for scripts', false)
    .action(async (paths: string[], options: JsonOption) => {
      const files = await readDefinitionFiles(paths);
      const reports = files.map(({ file, text }): FileValidationDto => {
        const result = compileDefinition(text, file);
        return result.ok
          ? { file, ok: true, kind: result.compiled.kind, key: result.compiled.key, contentHash: result.compiled.contentHash, diagnostics: [] }
          : { file, ok: false, diagnostics: [...result.diagnostics] };
      });
      const report: ValidationReportDto = { valid: reports.every((r) => r.ok), files: reports };
      createOutput(options.json).result(report, renderValidation);
      if (!report.valid) process.exitCode = 1;
    });

  withApiOptions(
    definitions
      .command('deploy')
      .description('deploy definition files through the API, all or none (needs the administrator role)')
      .argument('<files...>', 'YAML files, or directories to search for *.yaml / *.yml')
      .option('--comment <text>', 'why, for the audit trail'),
  ).action(async (paths: string[], options: ApiOptions & JsonOption & { comment?: string }) => {
    const files = await readDefinitionFiles(paths);
    const api = createApiClient(options);
    const { body } = await api.request<DeployResultDto>('POST', '/definitions', { files, ...(options.comment ? { comment: options.comment } : {}) });
    createOutput(options.json).result(body, (result) => {
      const created = result.definitions.filter((d) => d.created).length;
      return [
        `${created === 0 ? 'Nothing new' : `Deployed ${plural(created, 'new version')}`} at ${api.apiUrl}` +
          (created < result.definitions.length ? ` (${result.definitions.length - created} unchanged)` : ''),
        '',
        formatTable(
          ['KEY', 'KIND', 'VERSION', 'RESULT', 'FILE'],
          result.definitions.map((d) => [d.key, d.kind, String(d.version), d.created ? 'new' : 'unchanged', d.sourceFile]),
        ),
      ].join('\n');
    });
  });

  withApiOptions(
    definitions
      .command('list')
      .description('list the newest version of every deployed definition you may see')
      .option('--kind <kind>', `only this kind (${DEFINITION_KINDS.join(', ')})`)
      .option('--service-type <type>', `only procedures buying this service (${SERVICE_TYPES.join(', ')})`),
  ).action(async (options: ApiOptions & JsonOption & { kind?: string; serviceType?: string }) => {
    const params = new URLSearchParams();
    if (options.kind) params.set('kind', options.kind);
    if (options.serviceType) params.set('serviceType', options.serviceType);
    const query = params.size > 0 ? `?${params.toString()}` : '';
    const { body } = await createApiClient(options).request<DefinitionListDto>('GET', `/definitions${query}`);
    createOutput(options.json).result(body, ({ definitions: rows }) =>
      rows.length === 0
        ? `No ${options.kind ? `${options.kind} ` : ''}definitions are deployed.`
        : formatTable(
            ['KEY', 'KIND', 'SERVICE', 'VERSION', 'JURISDICTION', 'DEPLOYED', 'BY', 'TITLE'],
            rows.map((d) => [d.key, d.kind, d.serviceType ?? '-', String(d.version), d.jurisdiction ?? '-', formatTime(d.deployedAt), d.deployedBy, d.title.zh]),
          ),
    );
  });

  withApiOptions(
    definitions
      .command('show')
      .description('show a deployed definition: its versions, and one version in detail')
      .argument('<key>', 'metadata.key of the definition')
      .option('--version <n>', 'this version instead of the newest', parseVersion)
      .option('--source', 'print only the YAML the version was deployed from', false),
  ).action(async (key: string, options: ApiOptions & JsonOption & { version?: number; source: boolean }) => {
    const api = createApiClient(options);
    const { body: history } = await api.request<DefinitionHistoryDto>('GET', `/definitions/${encodeURIComponent(key)}`);
    const version = options.version ?? history.versions[0]?.version ?? 1;
    const { body: detail } = await api.request<DefinitionVersionDto>('GET', `/definitions/${encodeURIComponent(key)}/versions/${version}`);
    if (options.source && !options.json) {
      process.stdout.write(detail.sourceText.endsWith('\n') ? detail.sourceText : `${detail.sourceText}\n`);
      return;
    }
    createOutput(options.json).result({ ...detail, versions: history.versions }, () => renderShow(history, detail));
  });

  withApiOptions(
    definitions
      .command('diff')
      .description('show what changed between two versions of a deployed definition')
      .argument('<key>', 'metadata.key of the definition')
      .argument('<from>', 'the older version', parseVersion)
      .argument('<to>', 'the newer version', parseVersion),
  ).action(async (key: string, from: number, to: number, options: ApiOptions & JsonOption) => {
    const { body } = await createApiClient(options).request<DefinitionDiffDto>('GET', `/definitions/${encodeURIComponent(key)}/diff?from=${from}&to=${to}`);
    createOutput(options.json).result(body, renderDiff);
  });

  definitions
    .command('graph')
    .description('compile a procedure file locally and print its flow as a Mermaid diagram')
    .argument('<file>', 'a Procedure definition (YAML)')
    .option('--json', 'print JSON for scripts', false)
    .action(async (file: string, options: JsonOption) => {
      const [source] = await readDefinitionFiles([file]);
      if (!source) throw new CliError(`${file} holds no definition`);
      const result = compileDefinition(source.text, source.file);
      if (!result.ok) {
        throw new CliError(`${source.file} does not compile (${plural(result.diagnostics.length, 'problem')}): fix it first`, 1, result.diagnostics.map(formatDiagnostic).join('\n'), {
          diagnostics: result.diagnostics,
        });
      }
      if (result.compiled.kind !== 'Procedure') {
        throw new CliError(`${source.file} is a ${result.compiled.kind}; graph draws the flow of a Procedure`);
      }
      const mermaid = renderMermaid(result.compiled.definition);
      createOutput(options.json).result({ file: source.file, key: result.compiled.key, mermaid }, (graph) => graph.mermaid.replace(/\n$/, ''));
    });
}

/** Reads the files named, expanding directories to the YAML files under them (sorted, recursively). */
async function readDefinitionFiles(paths: readonly string[]): Promise<Array<{ file: string; text: string }>> {
  const files: string[] = [];
  for (const given of paths) files.push(...(await expand(given)));
  if (files.length === 0) throw new CliError(`no definition files (*.yaml, *.yml) in ${paths.join(', ')}`);
  return Promise.all(
    files.map(async (file) => {
      try {
        return { file, text: await readFile(file, 'utf8') };
      } catch (error) {
        throw new CliError(`cannot read ${file}: ${describeFsError(error)}`);
      }
    }),
  );
}

async function expand(given: string): Promise<string[]> {
  let isDirectory: boolean;
  try {
    isDirectory = (await stat(given)).isDirectory();
  } catch (error) {
    throw new CliError(`cannot read ${given}: ${describeFsError(error)}`);
  }
  if (!isDirectory) return [given];
  const entries = await readdir(given, { recursive: true, withFileTypes: true });
  return entries
    .filter((entry) => entry.isFile() && /\.ya?ml$/i.test(entry.name))
    .map((entry) => path.join(entry.parentPath, entry.name))
    .sort();
}

function describeFsError(error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return 'no such file or directory';
  if (code === 'EACCES') return 'permission denied';
  if (code === 'EISDIR') return 'it is a directory';
  return error instanceof Error ? error.message : String(error);
}

function parseVersion(text: string): number {
  if (!/^\d+$/.test(text) || Number(text) < 1) throw new CliError(`"${text}" is not a version number: versions count 1, 2, 3…`);
  return Number(text);
}

function renderValidation(report: ValidationReportDto): string {
  const lines: string[] = [];
  for (const file of report.files) {
    if (file.ok) lines.push(`${file.file}: ok (${file.kind} ${file.key})`);
    else lines.push(...file.diagnostics.map(formatDiagnostic));
  }
  const invalid = report.files.filter((file) => !file.ok);
  const problems = invalid.reduce((sum, file) => sum + file.diagnostics.length, 0);
  lines.push(
    invalid.length === 0
      ? `${plural(report.files.length, 'file')} checked: all valid`
      : `${plural(report.files.length, 'file')} checked: ${report.files.length - invalid.length} valid, ${invalid.length} invalid, ${plural(problems, 'problem')}`,
  );
  return lines.join('\n');
}

function renderShow(history: DefinitionHistoryDto, detail: DefinitionVersionDto): string {
  const newest = history.versions[0]?.version;
  return [
    `${detail.key}  ${detail.kind}  ${detail.title.zh} / ${detail.title.en}`,
    `  version       ${detail.version}${detail.version === newest ? ' (newest)' : ` (newest is ${newest})`}`,
    `  jurisdiction  ${detail.jurisdiction ?? '-'}`,
    `  deployed      ${formatTime(detail.deployedAt)} by ${detail.deployedBy} from ${detail.sourceFile}`,
    `  content hash  ${detail.contentHash}`,
    '',
    formatTable(
      ['VERSION', 'DEPLOYED', 'BY', 'HASH', 'FILE'],
      history.versions.map((v: DefinitionSummaryDto) => [String(v.version), formatTime(v.deployedAt), v.deployedBy, v.contentHash.slice(0, 12), v.sourceFile]),
    ),
  ].join('\n');
}

const CHANGE_MARKS: Record<string, string> = { added: '+', removed: '-', changed: '~' };

function renderDiff(diff: DefinitionDiffDto): string {
  const header = `${diff.key} (${diff.kind}): version ${diff.from} → ${diff.to}`;
  if (diff.changes.length === 0) return `${header}: no changes`;
  const width = Math.max(...diff.changes.map((change) => change.path.length));
  return [`${header}: ${plural(diff.changes.length, 'change')}`, ...diff.changes.map((change) => renderChange(change, width))].join('\n');
}

function renderChange(change: DefinitionChangeDto, width: number): string {
  const values =
    change.kind === 'added' ? show(change.after) : change.kind === 'removed' ? show(change.before) : `${show(change.before)} → ${show(change.after)}`;
  return `  ${CHANGE_MARKS[change.kind] ?? '?'} ${change.path.padEnd(width)}  ${values}`;
}

/** A value as compact JSON, cut short for reading (the --json output has it whole). */
function show(value: unknown): string {
  const text = JSON.stringify(value) ?? 'undefined';
  return text.length > 160 ? `${text.slice(0, 159)}…` : text;
}

