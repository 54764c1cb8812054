import type { z } from 'zod';
import type { Diagnostic } from '../diagnostics.js';
import type { SourceDocument } from '../source/yaml-source.js';

/** Rule id of every shape problem: a missing, unknown or ill-typed property. */
export const SCHEMA_RULE_ID = 'PF-SCHEMA';

type Issue = z.core.$ZodIssue;

/**
 * Turns one schema issue into a located diagnostic whose message names the property and says what
 * is expected in plain words (no validator jargon).
 */
export function zodIssueToDiagnostic(issue: Issue, source: SourceDocument): Diagnostic {
  const path = issue.path.filter((segment): segment is string | number => typeof segment !== 'symbol');
  const name = describeProperty(path);

  if (issue.code === 'unrecognized_keys') {
    const key = issue.keys[0] ?? '';
    const extra = issue.keys.length > 1 ? ` (and ${issue.keys.slice(1).map((k) => `"${k}"`).join(', ')})` : '';
    return source.at([...path, key], SCHEMA_RULE_ID, `unknown property "${key}"${extra} in ${name}; check its spelling against definitions/README.md`);
  }
  if (issue.code === 'invalid_type') {
    const received = receivedValue(source, path);
    if (received === undefined) return source.at(path, SCHEMA_RULE_ID, `${name} is required (${expected(issue.expected)})`);
    return source.at(path, SCHEMA_RULE_ID, `${name} must be ${expected(issue.expected)}, not ${describeValue(received)}`);
  }
  if (issue.code === 'invalid_value') {
    const allowed = issue.values.map((v) => JSON.stringify(v)).join(', ');
    return source.at(path, SCHEMA_RULE_ID, `${name} must be ${issue.values.length === 1 ? allowed : `one of ${allowed}`}, not ${describeValue(receivedValue(source, path))}`);
  }
  if (issue.code === 'invalid_union') {
    const discriminator = 'discriminator' in issue ? (issue as { discriminator?: string }).discriminator : undefined;
    if (discriminator) {
      // zod may already end the path with the discriminator property.
      const at = path[path.length - 1] === discriminator ? path : [...path, discriminator];
      const options = discriminatorOptions(issue);
      return source.at(at, SCHEMA_RULE_ID, `${describeProperty(at)} must be one of ${options}, not ${describeValue(receivedValue(source, at))}`);
    }
    return source.at(path, SCHEMA_RULE_ID, `${name} does not have any of the accepted forms: ${firstUnionMessage(issue)}`);
  }
  if (issue.code === 'too_small' || issue.code === 'too_big') {
    return source.at(path, SCHEMA_RULE_ID, `${name} ${issue.message}`);
  }
  return source.at(path, SCHEMA_RULE_ID, `${name} ${issue.message}`);
}

function describeProperty(path: ReadonlyArray<string | number>): string {
  if (path.length === 0) return 'the document';
  const last = path[path.length - 1];
  return typeof last === 'number' ? `item ${last + 1} of "${String(path[path.length - 2] ?? '')}"` : `"${last}"`;
}

function expected(type: string): string {
  switch (type) {
    case 'object':
      return 'a mapping of properties';
    case 'array':
      return 'a list';
    case 'int':
      return 'a whole number';
    case 'number':
      return 'a number';
    case 'boolean':
      return 'true or false';
    default:
      return `a ${type}`;
  }
}

function receivedValue(source: SourceDocument, path: ReadonlyArray<string | number>): unknown {
  let value: unknown = source.data;
  for (const segment of path) {
    if (value === null || typeof value !== 'object') return undefined;
    value = (value as Record<string | number, unknown>)[segment];
  }
  return value;
}

function describeValue(value: unknown): string {
  if (value === undefined) return 'missing';
  if (value === null) return 'empty';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  if (typeof value === 'string') return JSON.stringify(value);
  return String(value);
}

function discriminatorOptions(issue: Issue): string {
  const options = (issue as { options?: unknown[] }).options;
  if (Array.isArray(options) && options.length > 0) return options.map((o) => JSON.stringify(o)).join(', ');
  return 'the documented values';
}

function firstUnionMessage(issue: Issue): string {
  const errors = (issue as { errors?: Issue[][] }).errors ?? [];
  return errors.map((branch) => branch[0]?.message).filter(Boolean).join('; or ');
}
