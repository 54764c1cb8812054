import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * "Every key has an effect, or it is not in the language" (issue 8): definitions/README.md's section
 * "Every key and what it does" has a row for every key of the generated JSON Schemas, saying what the
 * key does and which test shows it. This test keeps that table and the schemas in step.
 */

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const SECTION = '## Every key and what it does';

/** The table of each `###` heading of the section, and the schema its keys belong to. */
const KINDS = {
  Procedure: 'definitions/schema/procedure.schema.json',
  SupervisionLifecycle: 'definitions/schema/supervision-lifecycle.schema.json',
  Calendar: 'definitions/schema/calendar.schema.json',
} as const;
type Kind = keyof typeof KINDS;
const EVERY_KIND = 'Every kind';

/** The named groups of the key column, as the section explains them. */
const GROUPS: Readonly<Record<string, readonly string[]>> = {
  '<field>': ['inputs[]', 'steps[].flow.nodes[].form[]', 'steps[].flow.nodes[].tasks[].form[]', 'steps[].performance.ledger.lines[]'],
  '<check>': ['inputChecks[]', 'steps[].flow.nodes[].checks[]', 'steps[].flow.nodes[].tasks[].checks[]', 'steps[].performance.ledger.checks[]'],
  '<task>': ['steps[].flow.nodes[]', 'steps[].flow.nodes[].tasks[]'],
};

interface JsonSchema {
  readonly properties?: Readonly<Record<string, JsonSchema>>;
  readonly items?: JsonSchema | readonly JsonSchema[];
  readonly prefixItems?: readonly JsonSchema[];
  readonly anyOf?: readonly JsonSchema[];
  readonly oneOf?: readonly JsonSchema[];
  readonly allOf?: readonly JsonSchema[];
  readonly additionalProperties?: boolean | JsonSchema;
  readonly $ref?: string;
}

/** Every key path of a schema: properties joined by dots, list items as `[]`, any other key of a map as `*`. */
function keysOf(schema: JsonSchema): string[] {
  const keys = new Set<string>();
  const walk = (node: JsonSchema | undefined, at: string): void => {
    if (!node || typeof node !== 'object') return;
    // The generated schemas inline everything; a reference would hide keys from this walk.
    if (node.$ref !== undefined) throw new Error(`${at || '(root)'} uses $ref ${node.$ref}: teach this walk to follow it`);
    for (const [name, child] of Object.entries(node.properties ?? {})) {
      const key = at ? `${at}.${name}` : name;
      keys.add(key);
      walk(child, key);
    }
    const items = Array.isArray(node.items) ? node.items : node.items ? [node.items] : [];
    for (const item of [...items, ...(node.prefixItems ?? [])]) walk(item as JsonSchema, `${at}[]`);
    for (const alternative of [...(node.anyOf ?? []), ...(node.oneOf ?? []), ...(node.allOf ?? [])]) walk(alternative, at);
    if (typeof node.additionalProperties === 'object') {
      const key = `${at}.*`;
      keys.add(key);
      walk(node.additionalProperties, key);
    }
  };
  walk(schema, '');
  return [...keys].sort();
}

interface Row {
  readonly table: Kind | typeof EVERY_KIND;
  readonly line: number;
  readonly pattern: string;
  readonly effect: string;
  readonly tests: readonly string[];
}

function readRows(): Row[] {
  const lines = readFileSync(path.join(root, 'definitions/README.md'), 'utf8').split('\n');
  const start = lines.indexOf(SECTION);
  if (start < 0) throw new Error(`definitions/README.md has no "${SECTION}" section`);
  const rows: Row[] = [];
  let table: Row['table'] | undefined;
  for (let index = start + 1; index < lines.length; index++) {
    const line = lines[index] ?? '';
    if (/^## /.test(line)) break;
    const heading = /^### (.+)$/.exec(line);
    if (heading) {
      const name = heading[1]?.trim() ?? '';
      if (name !== EVERY_KIND && !(name in KINDS)) throw new Error(`line ${index + 1}: "### ${name}" is neither "${EVERY_KIND}" nor a kind (${Object.keys(KINDS).join(', ')})`);
      table = name as Row['table'];
      continue;
    }
    const cells = /^\|(.*)\|$/.exec(line)?.[1]?.split(' | ').map((cell) => cell.trim());
    if (!cells || /^-+\|/.test(cells[0] ?? '') || cells[0] === 'key' || cells[0]?.startsWith('---')) continue;
    if (!table) throw new Error(`line ${index + 1}: a row before the first "###" heading`);
    if (cells.length !== 3) throw new Error(`line ${index + 1}: a row has three cells (key | what it does | test), this one ${cells.length}`);
    const pattern = /^`([^`]+)`$/.exec(cells[0] ?? '')?.[1];
    if (!pattern) throw new Error(`line ${index + 1}: the key cell holds one key in backticks, not ${cells[0]}`);
    const tests = [...(cells[2] ?? '').matchAll(/`([^`]+)`/g)].map((match) => match[1] ?? '');
    rows.push({ table, line: index + 1, pattern, effect: cells[1] ?? '', tests });
  }
  return rows;
}

const isWildcard = (pattern: string) => pattern.startsWith('…');
const documentsOnly = (row: Row) => row.effect.startsWith('Documents only');

/** The concrete keys a non-wildcard pattern names: a group at its start stands for each of its places. */
function expand(pattern: string): string[] {
  const group = Object.keys(GROUPS).find((name) => pattern.startsWith(name));
  if (!group) return [pattern];
  return (GROUPS[group] ?? []).map((place) => place + pattern.slice(group.length));
}

/** Whether a wildcard `…name` matches the key: `name` is one of its segments (the key is at or under it). */
function wildcardMatches(pattern: string, key: string): boolean {
  const name = pattern.slice(1);
  return key.split('.').some((segment) => segment.replace(/(\[\])+$/, '') === name);
}

const rows = readRows();
const rowsOf = (kind: Kind) => rows.filter((row) => row.table === kind || row.table === EVERY_KIND);
const schemaKeys = Object.fromEntries(
  (Object.keys(KINDS) as Kind[]).map((kind) => [kind, keysOf(JSON.parse(readFileSync(path.join(root, KINDS[kind]), 'utf8')) as JsonSchema)]),
) as Record<Kind, string[]>;

/** Which row covers each key of a kind: an exact or group row, the row of its bilingual text, or else a wildcard. */
function coverage(kind: Kind): { covered: Map<string, Row[]>; missing: string[] } {
  const keys = schemaKeys[kind];
  const covered = new Map<string, Row[]>();
  const named = rowsOf(kind).filter((row) => !isWildcard(row.pattern));
  for (const row of named) {
    for (const key of expand(row.pattern)) if (keys.includes(key)) covered.set(key, [...(covered.get(key) ?? []), row]);
  }
  const missing: string[] = [];
  for (const key of keys) {
    if (covered.has(key)) continue;
    const text = /^(.*)\.(zh|en)$/.exec(key)?.[1];
    const textRows = text ? covered.get(text) : undefined;
    if (textRows) continue;
    const wildcard = rowsOf(kind).find((row) => isWildcard(row.pattern) && wildcardMatches(row.pattern, key));
    if (wildcard) covered.set(key, [wildcard]);
    else missing.push(key);
  }
  return { covered, missing };
}

describe('the key table of definitions/README.md', () => {
  it('finds the keys of each schema, through lists, alternatives and maps', () => {
    const schema: JsonSchema = {
      properties: {
        a: { properties: { b: {} } },
        list: { items: { anyOf: [{ properties: { x: {} } }, { properties: { y: {} } }] } },
        span: { anyOf: [{}, { properties: { businessDays: {} } }] },
        map: { additionalProperties: { properties: { z: {} } } },
      },
    };
    expect(keysOf(schema)).toEqual(['a', 'a.b', 'list', 'list[].x', 'list[].y', 'map', 'map.*', 'map.*.z', 'span', 'span.businessDays']);
    // The generated schemas are walked into, deep keys included.
    expect(schemaKeys.Procedure).toEqual(expect.arrayContaining(['steps[].selection.bidding.minimumBidders.singleSource', 'steps[].flow.nodes[].tasks[].form[].confidential.readableBy', 'inputChecks[].message.zh']));
    expect(schemaKeys.SupervisionLifecycle).toContain('states[].obligations[].measure.sum');
    expect(schemaKeys.Calendar).toContain('makeUpWorkdays[].for.en');
  });

  it.each(Object.keys(KINDS) as Kind[])('has a row for every key of %s', (kind) => {
    expect(coverage(kind).missing).toEqual([]);
  });

  it.each(Object.keys(KINDS) as Kind[])('names every key of %s in one row only', (kind) => {
    const twice = [...coverage(kind).covered].filter(([, covering]) => covering.length > 1).map(([key, covering]) => `${key}: lines ${covering.map((row) => row.line).join(', ')}`);
    expect(twice).toEqual([]);
  });

  it('has no row that matches no key (a stale row)', () => {
    const stale = rows
      .filter((row) => {
        const kinds = row.table === EVERY_KIND ? (Object.keys(KINDS) as Kind[]) : [row.table];
        if (isWildcard(row.pattern)) return !kinds.some((kind) => schemaKeys[kind].some((key) => wildcardMatches(row.pattern, key)));
        // A group row must hold in every place of its group, and a row of every kind in every kind.
        return !kinds.every((kind) => expand(row.pattern).every((key) => schemaKeys[kind].includes(key)));
      })
      .map((row) => `line ${row.line}: ${row.pattern}`);
    expect(stale).toEqual([]);
  });

  it('names test files that exist', () => {
    const absent = rows.flatMap((row) => row.tests.filter((file) => !existsSync(path.join(root, file))).map((file) => `line ${row.line}: ${file}`));
    expect(absent).toEqual([]);
  });

  it('has no key without an effect: a key that does nothing is not in the language (issue 8)', () => {
    const idle = rows.filter((row) => /^\*\*no effect\*\*/i.test(row.effect)).map((row) => `line ${row.line}: ${row.pattern}`);
    expect(idle).toEqual([]);
  });

  it('names a test for every key that does more than document', () => {
    const untested = rows.filter((row) => !documentsOnly(row) && row.tests.length === 0).map((row) => `line ${row.line}: ${row.pattern}`);
    expect(untested).toEqual([]);
  });
});
