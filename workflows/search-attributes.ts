import { defineSearchAttributeKey, type SearchAttributePair, type SearchAttributeUpdatePair } from '@temporalio/common';

/**
 * The typed search attributes every cycle, contract and case workflow carries, so the Temporal Web UI
 * and `temporal workflow list --query` filter processes the way ops staff think of them. Six of a
 * PostgreSQL-backed namespace's allowance (10 Keyword, 3 Datetime).
 */
export const PROCUREFLOW_KIND = defineSearchAttributeKey('ProcureflowKind', 'KEYWORD');
export const PROCUREFLOW_JURISDICTION = defineSearchAttributeKey('ProcureflowJurisdiction', 'KEYWORD');
export const PROCUREFLOW_DEFINITION = defineSearchAttributeKey('ProcureflowDefinition', 'KEYWORD');
export const PROCUREFLOW_STEP = defineSearchAttributeKey('ProcureflowStep', 'KEYWORD');
export const PROCUREFLOW_STATUS = defineSearchAttributeKey('ProcureflowStatus', 'KEYWORD');
export const PROCUREFLOW_NEXT_DUE = defineSearchAttributeKey('ProcureflowNextDue', 'DATETIME');

export const PROCUREFLOW_SEARCH_ATTRIBUTES = [PROCUREFLOW_KIND, PROCUREFLOW_JURISDICTION, PROCUREFLOW_DEFINITION, PROCUREFLOW_STEP, PROCUREFLOW_STATUS, PROCUREFLOW_NEXT_DUE] as const;

/** What a workflow starts with: who it is (never changes) and where it starts. */
export function startSearchAttributes(start: {
  readonly kind: 'cycle' | 'contract' | 'case';
  readonly jurisdiction: string;
  readonly definitionKey: string;
  readonly step?: string | undefined;
}): SearchAttributePair[] {
  return [
    { key: PROCUREFLOW_KIND, value: start.kind },
    { key: PROCUREFLOW_JURISDICTION, value: start.jurisdiction },
    { key: PROCUREFLOW_DEFINITION, value: start.definitionKey },
    { key: PROCUREFLOW_STATUS, value: 'running' },
    ...(start.step === undefined ? [] : [{ key: PROCUREFLOW_STEP, value: start.step }]),
  ];
}

/** Where a process is now: its step (removed between steps), status and the earliest due time of its open tasks. */
export function progressSearchAttributes(now: { readonly step: string | null; readonly status: string; readonly nextDue: string | null }): SearchAttributeUpdatePair[] {
  return [
    { key: PROCUREFLOW_STEP, value: now.step },
    { key: PROCUREFLOW_STATUS, value: now.status },
    { key: PROCUREFLOW_NEXT_DUE, value: now.nextDue === null ? null : new Date(now.nextDue) },
  ];
}

/** Temporal's CLI and dev server name the types like this (`--search-attribute Name=Type`). */
export const SEARCH_ATTRIBUTE_CLI_TYPES: Record<string, string> = { KEYWORD: 'Keyword', DATETIME: 'Datetime' };
