import type { Client } from '@temporalio/client';
import protos from '@temporalio/proto';
import { PROCUREFLOW_SEARCH_ATTRIBUTES } from '../../../workflows/search-attributes.js';

/** Whether the namespace has procureflow's search attributes, and if not, why. */
export interface SearchAttributeStatus {
  readonly available: boolean;
  readonly problem?: string;
}

// @temporalio/proto is CommonJS without static named exports, so ESM code takes it whole.
const { IndexedValueType } = protos.temporal.api.enums.v1;

/** A refusal is asked again after this long: the server may have been unreachable, or an operator may have fixed it. */
const RECHECK_AFTER_MS = 60_000;

/** The operator service answers within this, or the attributes count as unavailable for now. */
const DEADLINE_MS = 5_000;

const checked = new WeakMap<Client, { readonly status: Promise<SearchAttributeStatus>; readonly at: number }>();

/**
 * Makes sure the namespace knows procureflow's search attributes, adding those missing through the
 * operator service (idempotent); once per client when it succeeds. The local dev server registers them
 * at its start; an external server may need them added, and may refuse (no permission, a full
 * allowance). Then workflows start without them — they run the same, but `temporal workflow list
 * --query` cannot filter by them — and `warn` is told what the server answered.
 */
export async function ensureSearchAttributes(client: Client, namespace: string, warn: (problem: string) => void): Promise<SearchAttributeStatus> {
  const now = Date.now();
  const cached = checked.get(client);
  if (cached && ((await cached.status).available || now - cached.at < RECHECK_AFTER_MS)) return cached.status;
  const status = client.withDeadline(Date.now() + DEADLINE_MS, () => registerMissing(client, namespace)).then((result) => {
    if (result.problem) warn(result.problem);
    return result;
  });
  checked.set(client, { status, at: now });
  return status;
}

async function registerMissing(client: Client, namespace: string): Promise<SearchAttributeStatus> {
  try {
    const listed = await client.connection.operatorService.listSearchAttributes({ namespace });
    const known = new Set([...Object.keys(listed.customAttributes ?? {}), ...Object.keys(listed.systemAttributes ?? {})]);
    const missing = PROCUREFLOW_SEARCH_ATTRIBUTES.filter((key) => !known.has(key.name));
    if (missing.length === 0) return { available: true };
    await client.connection.operatorService.addSearchAttributes({
      namespace,
      searchAttributes: Object.fromEntries(missing.map((key) => [key.name, IndexedValueType[`INDEXED_VALUE_TYPE_${key.type}`]])),
    });
    return { available: true };
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    return {
      available: false,
      problem: `procureflow's search attributes (${PROCUREFLOW_SEARCH_ATTRIBUTES.map((key) => key.name).join(', ')}) are not registered in namespace "${namespace}" and could not be added (${message}); add them with \`temporal operator search-attribute create\`.`,
    };
  }
}
