import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn } from 'class-validator';
import { IDENTIFIER_PATTERN } from '../../../../../src/identity/identity.js';
import { CASE_STATUSES, CONTRACT_STATUSES, CYCLE_STATUSES } from '../../../../../src/procurement/read-model.js';
import { CAMEL_ID_PATTERN, InstantField, MAX_ID_LENGTH, OptionalField, TextField } from '../../common/request-validators.js';

/** The kinds of process a bulk repair selects: cycle workflows, their contracts' workflows, and case workflows. */
export const BULK_PROCESS_KINDS = ['cycle', 'contract', 'case'] as const;
export type BulkProcessKind = (typeof BULK_PROCESS_KINDS)[number];

/** Every status a cycle, a contract or a case can have; a bulk action only ever selects those still running. */
export const PROCESS_STATUSES = [...new Set<string>([...CYCLE_STATUSES, ...CONTRACT_STATUSES, ...CASE_STATUSES])];

/**
 * Which processes a bulk repair selects. The field names are those of the process list's filter
 * (`GET /ops/processes`), except that `olderThan` is an instant here, not an age: a selection is kept
 * with its filter, and an instant means the same when the filter is read again.
 */
export class BulkFilterDto {
  @ApiPropertyOptional({ enum: BULK_PROCESS_KINDS, description: 'Only processes of this kind; `cycle` when omitted.' })
  @OptionalField()
  @IsIn(BULK_PROCESS_KINDS, { message: `kind must be one of ${BULK_PROCESS_KINDS.join(', ')}` })
  kind?: BulkProcessKind;

  @TextField({
    description: 'Only processes of this jurisdiction (a national caller may name any; others only their own).',
    example: 'zj-deqing',
    maxLength: MAX_ID_LENGTH,
    optional: true,
    pattern: { regex: IDENTIFIER_PATTERN, message: 'jurisdiction must be lower-case words joined by hyphens, e.g. "zj-deqing"' },
  })
  jurisdiction?: string;

  @TextField({
    description: 'Only processes of this definition (metadata.key: a procedure, or a case lifecycle).',
    example: 'deqing-community-correction',
    maxLength: MAX_ID_LENGTH,
    optional: true,
    pattern: { regex: IDENTIFIER_PATTERN, message: 'definition must be lower-case words joined by hyphens, e.g. "deqing-community-correction"' },
  })
  definition?: string;

  @TextField({
    description: 'Only processes in this step now (a case: in this lifecycle state).',
    example: 'budgeting',
    maxLength: MAX_ID_LENGTH,
    optional: true,
    pattern: { regex: CAMEL_ID_PATTERN, message: 'step must be the camelCase id of a step, e.g. "budgeting"' },
  })
  step?: string;

  @ApiPropertyOptional({ enum: PROCESS_STATUSES, description: 'Only processes in this status; only running ones (for a cycle also `awarded`) can be cancelled or terminated, so an ended status selects nothing.' })
  @OptionalField()
  @IsIn(PROCESS_STATUSES, { message: `status must be one of ${PROCESS_STATUSES.join(', ')}` })
  status?: string;

  @InstantField({ description: 'Only processes started before this instant.', example: '2026-03-01', optional: true })
  olderThan?: string;
}

/** A filter as stored with a selection and as the query reads it: only the fields given. */
export interface BulkFilter {
  readonly kind: BulkProcessKind;
  readonly jurisdiction?: string;
  readonly definition?: string;
  readonly step?: string;
  readonly status?: string;
  readonly olderThan?: string;
}

export function bulkFilterOf(dto: BulkFilterDto | undefined): BulkFilter {
  const given = dto ?? {};
  return {
    kind: given.kind ?? 'cycle',
    ...(given.jurisdiction === undefined ? {} : { jurisdiction: given.jurisdiction }),
    ...(given.definition === undefined ? {} : { definition: given.definition }),
    ...(given.step === undefined ? {} : { step: given.step }),
    ...(given.status === undefined ? {} : { status: given.status }),
    ...(given.olderThan === undefined ? {} : { olderThan: new Date(given.olderThan).toISOString() }),
  };
}

/**
 * The SQL selecting the ids of the processes `filter` names that an action can still touch, within
 * `jurisdictions` (undefined: every jurisdiction), in id order. Parameters are numbered from $1.
 */
export function bulkFilterQuery(filter: BulkFilter, jurisdictions: { readonly only?: string }): { sql: string; parameters: unknown[] } {
  const parameters: unknown[] = [];
  const where: string[] = [];
  const param = (value: unknown) => {
    parameters.push(value);
    return `$${parameters.length}`;
  };
  if (filter.kind === 'case') return caseFilterQuery(filter, jurisdictions);
  const cycle = filter.kind === 'cycle';
  const alias = cycle ? 'c' : 'k';
  where.push(cycle ? `c.status IN ('running', 'awarded')` : `k.status = 'running'`);
  if (filter.status !== undefined) where.push(`${alias}.status = ${param(filter.status)}`);
  if (jurisdictions.only !== undefined) where.push(`c.jurisdiction = ${param(jurisdictions.only)}`);
  if (filter.jurisdiction !== undefined) where.push(`c.jurisdiction = ${param(filter.jurisdiction)}`);
  if (filter.definition !== undefined) where.push(`c.definition_key = ${param(filter.definition)}`);
  if (filter.step !== undefined) where.push(`${alias}.current_step = ${param(filter.step)}`);
  if (filter.olderThan !== undefined) where.push(`${cycle ? 'c.launched_at' : 'k.started_at'} < ${param(filter.olderThan)}`);
  const from = cycle ? `cycles c` : `contracts k JOIN cycles c ON c.id = k.cycle_id`;
  return { sql: `SELECT ${alias}.id AS id, c.jurisdiction AS jurisdiction FROM ${from} WHERE ${where.join(' AND ')} ORDER BY ${alias}.id`, parameters };
}

/** Cases run in their own table: jurisdiction and lifecycle are their own, a case's step is its state. */
function caseFilterQuery(filter: BulkFilter, jurisdictions: { readonly only?: string }): { sql: string; parameters: unknown[] } {
  const parameters: unknown[] = [];
  const param = (value: unknown) => {
    parameters.push(value);
    return `$${parameters.length}`;
  };
  const where = [`s.status = 'running'`];
  if (filter.status !== undefined) where.push(`s.status = ${param(filter.status)}`);
  if (jurisdictions.only !== undefined) where.push(`s.jurisdiction = ${param(jurisdictions.only)}`);
  if (filter.jurisdiction !== undefined) where.push(`s.jurisdiction = ${param(filter.jurisdiction)}`);
  if (filter.definition !== undefined) where.push(`s.lifecycle_key = ${param(filter.definition)}`);
  if (filter.step !== undefined) where.push(`s.state = ${param(filter.step)}`);
  if (filter.olderThan !== undefined) where.push(`s.enrolled_at < ${param(filter.olderThan)}`);
  return { sql: `SELECT s.workflow_id AS id, s.jurisdiction AS jurisdiction FROM cases s WHERE ${where.join(' AND ')} ORDER BY s.workflow_id`, parameters };
}
