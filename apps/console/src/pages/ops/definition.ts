import { api } from '../../api/client.js';
import { unwrap } from '../../api/errors.js';
import { useApi, type Loaded } from '../../api/use-api.js';

export interface Bilingual {
  readonly zh: string;
  readonly en: string;
}

/** What the ops pages need of a deployed procedure: its declared roles and its steps, with which may be reset. */
export interface ProcedureOutline {
  readonly roles: ReadonlyArray<{ id: string; title: Bilingual | undefined }>;
  readonly steps: ReadonlyArray<{ id: string; title: Bilingual | undefined; resettable: boolean }>;
}

function bilingual(value: unknown): Bilingual | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const { zh, en } = value as Record<string, unknown>;
  return typeof zh === 'string' && typeof en === 'string' ? { zh, en } : undefined;
}

function entries(value: unknown): Array<Record<string, unknown>> {
  return Array.isArray(value) ? value.filter((item): item is Record<string, unknown> => typeof item === 'object' && item !== null) : [];
}

/**
 * The outline of the compiled definition a process is pinned to (GET /definitions/{key}/versions/{version}).
 * A lifecycle (a case) has no roles or steps of this shape, so its outline is empty.
 */
export function outlineOf(definition: Record<string, unknown>): ProcedureOutline {
  return {
    roles: entries(definition['roles'])
      .filter((role) => typeof role['id'] === 'string')
      .map((role) => ({ id: role['id'] as string, title: bilingual(role['title']) })),
    steps: entries(definition['steps'])
      .filter((step) => typeof step['id'] === 'string')
      .map((step) => ({ id: step['id'] as string, title: bilingual(step['title']), resettable: step['resettable'] === true })),
  };
}

export function useProcedureOutline(key: string | undefined, version: number | undefined): Loaded<ProcedureOutline | undefined> {
  return useApi(async () => {
    if (!key || !version) return undefined;
    const found = await unwrap(api.GET('/definitions/{key}/versions/{version}', { params: { path: { key, version } } }));
    return outlineOf(found.definition);
  }, [key, version]);
}
