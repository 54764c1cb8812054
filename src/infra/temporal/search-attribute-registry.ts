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

const checked = new WeakMap<Client, Promise<SearchAttributeStatus>>();

/**
 * Makes sure the namespace knows procureflow's search attributes, adding those missing through the
 * operator service (idempotent), once per client. The local dev server registers them at its start;
 * an external server may need them added, and may refuse (no permission, a full allowance). Then
 * workflows start without them — they run the same, but `temporal workflow list --query` cannot
 * filter by them — and `warn` is told, once, what the server answered.
 */
export function ensureSearchAttributes(client: Client, namespace: string, warn: (problem: string) => void): Promise<SearchAttributeStatus> {
  let status = checked.get(client);
  if (!status) {
    status = registerMissing(client, namespace).then((result) => {
      if (result.problem) warn(result.problem);
      return result;
    });
    checked.set(client, status);
  }
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
