import { readFile } from 'node:fs/promises';
import type { DefinitionVersionDto } from '../../../api/src/definitions/definitions.dto.js';
import type { FieldDefinitionT, ProcedureDefinition } from '../../../../src/definitions/procedure/procedure.schema.js';
import type { ApiClient } from '../api-client.js';
import { CliError } from '../output.js';

export type FieldValue = string | number | boolean;

/** Collects a repeatable option (`--input a=1 --input b=2`) into a list. */
export function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

/**
 * Turns `k=v` pairs into values typed as the definition declares the fields (whole numbers for int and
 * money, true/false for bool, text otherwise); a field the definition does not declare stays text, and
 * the API names it as unknown.
 */
export function parseAssignments(pairs: readonly string[], declared: readonly FieldDefinitionT[], option: string): Record<string, FieldValue> {
  const values: Record<string, FieldValue> = {};
  for (const pair of pairs) {
    const equals = pair.indexOf('=');
    if (equals <= 0) throw new CliError(`${option} ${JSON.stringify(pair)} is not of the form name=value`);
    const name = pair.slice(0, equals).trim();
    const raw = pair.slice(equals + 1);
    values[name] = typed(raw, declared.find((field) => field.id === name));
  }
  return values;
}

function typed(raw: string, field: FieldDefinitionT | undefined): FieldValue {
  switch (field?.type) {
    case 'int':
    case 'money':
      // Thousands separators are a person's habit; the API takes whole numbers.
      return /^-?[\d,_]+$/.test(raw.trim()) ? Number(raw.trim().replace(/[,_]/g, '')) : raw;
    case 'bool': {
      const text = raw.trim().toLowerCase();
      if (['true', 'yes', 'y', '1', '是'].includes(text)) return true;
      if (['false', 'no', 'n', '0', '否'].includes(text)) return false;
      return raw;
    }
    default:
      return raw;
  }
}

/** Reads a JSON file that must hold one object, e.g. inputs or a task payload. */
export async function readJsonObject(file: string, what: string): Promise<Record<string, unknown>> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new CliError(`cannot read ${what} file ${file}: ${code === 'ENOENT' ? 'no such file' : error instanceof Error ? error.message : String(error)}`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new CliError(`${file} is not JSON: ${(error as Error).message}`);
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) throw new CliError(`${file} must hold one JSON object (${what})`);
  return parsed as Record<string, unknown>;
}

/** A deployed procedure version (the newest when `version` is undefined), to type the values given on the command line. */
export async function fetchProcedure(api: ApiClient, key: string, version: number | undefined): Promise<{ version: number; definition: ProcedureDefinition }> {
  const path = `/definitions/${encodeURIComponent(key)}`;
  const wanted = version ?? (await api.request<{ versions: Array<{ version: number }> }>('GET', path)).body.versions[0]?.version ?? 1;
  const { body } = await api.request<DefinitionVersionDto>('GET', `${path}/versions/${wanted}`);
  if (body.kind !== 'Procedure') throw new CliError(`"${key}" is a ${body.kind} definition; only a Procedure is launched as a cycle`);
  return { version: body.version, definition: body.definition as unknown as ProcedureDefinition };
}

/** The form a task node declares (parallel sign-offs included); empty for nodes without one. */
export function formOf(definition: ProcedureDefinition, nodeId: string): readonly FieldDefinitionT[] {
  for (const step of definition.steps) {
    for (const node of step.flow.nodes) {
      if (node.id === nodeId && node.type === 'task') return node.form;
      if (node.type === 'parallel') {
        const inner = node.tasks.find((task) => task.id === nodeId);
        if (inner) return inner.form;
      }
    }
  }
  return [];
}
