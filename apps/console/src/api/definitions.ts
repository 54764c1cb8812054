import type { FormField } from '../forms/definition-form.js';
import { api } from './client.js';
import { unwrap } from './errors.js';
import { useApi, type Loaded } from './use-api.js';

/**
 * What the pages read of compiled definitions (GET /definitions/{key}/versions/{version}): a procedure's
 * roles and steps, a lifecycle's attributes, events, states and obligations. The API answers a compiled
 * definition as plain JSON; these outlines take only what the console draws, so a definition kind growing
 * new members changes nothing here.
 */

export interface Bilingual {
  readonly zh: string;
  readonly en: string;
}

function bilingual(value: unknown): Bilingual | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const { zh, en } = value as Record<string, unknown>;
  return typeof zh === 'string' && typeof en === 'string' ? { zh, en } : undefined;
}

function entries(value: unknown): Array<Record<string, unknown>> {
  return Array.isArray(value) ? value.filter((item): item is Record<string, unknown> => typeof item === 'object' && item !== null) : [];
}

const optionalNumber = (value: unknown): number | null => (typeof value === 'number' ? value : null);
const strings = (value: unknown): string[] => (Array.isArray(value) ? value.filter((item): item is string => typeof item === 'string') : []);

/**
 * Versions never change once deployed, so each compiled definition is fetched once per page load and shared
 * by every page and list row that needs it. A failed fetch is forgotten, so a retry asks again.
 */
const compiledCache = new Map<string, Promise<Record<string, unknown>>>();

export function compiledDefinition(key: string, version: number): Promise<Record<string, unknown>> {
  const cacheKey = `${key}@${version}`;
  let found = compiledCache.get(cacheKey);
  if (!found) {
    found = unwrap(api.GET('/definitions/{key}/versions/{version}', { params: { path: { key, version } } })).then((answer) => answer.definition);
    found.catch(() => compiledCache.delete(cacheKey));
    compiledCache.set(cacheKey, found);
  }
  return found;
}

// ---- procedures ---------------------------------------------------------------------------------

/** What the cycle and ops pages need of a deployed procedure: its declared roles and its steps, with which may be reset. */
export interface ProcedureOutline {
  readonly roles: ReadonlyArray<{ id: string; title: Bilingual | undefined }>;
  readonly steps: ReadonlyArray<{ id: string; title: Bilingual | undefined; resettable: boolean }>;
}

/** A lifecycle (a case) has no roles or steps of this shape, so its outline is empty. */
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
  return useApi(async () => (key && version ? outlineOf(await compiledDefinition(key, version)) : undefined), [key, version]);
}

/** A step's title in the outline, or its id when the definition gives none (or is not loaded yet). */
export function stepTitle(outline: ProcedureOutline | undefined, stepId: string, text: (value: Bilingual | undefined) => string): string {
  const title = outline?.steps.find((step) => step.id === stepId)?.title;
  return title ? text(title) : stepId;
}

/** The form a task node declares (a node of a parallel sign-off too), as the task page shows a decision's fields. */
export function taskFormFieldsOf(definition: Record<string, unknown>, stepId: string, nodeId: string): FormField[] {
  const step = entries(definition['steps']).find((candidate) => candidate['id'] === stepId);
  const flow = step?.['flow'];
  const nodes = entries(typeof flow === 'object' && flow !== null ? (flow as Record<string, unknown>)['nodes'] : undefined).flatMap((node) =>
    node['type'] === 'parallel' ? entries(node['tasks']) : [node],
  );
  const node = nodes.find((candidate) => candidate['id'] === nodeId);
  return declaredFields(node?.['form']).map((field) => formFieldOf(field, field['required'] === true));
}

// ---- supervision lifecycles -------------------------------------------------------------------

export interface LifecycleEvent {
  readonly id: string;
  readonly title: Bilingual | undefined;
  readonly fields: readonly FormField[];
  /**
   * The case roles that record it, as the lifecycle declares them; undefined when it names none (then the
   * case workflow's default applies: see recordableEvents).
   */
  readonly recordedBy: readonly string[] | undefined;
}

export interface LifecycleOutline {
  readonly title: Bilingual | undefined;
  readonly attributes: readonly FormField[];
  readonly roles: ReadonlyArray<{ id: string; title: Bilingual | undefined; vendorStaff: boolean }>;
  readonly events: readonly LifecycleEvent[];
  readonly states: ReadonlyArray<{ id: string; title: Bilingual | undefined; final: boolean }>;
  readonly obligations: ReadonlyArray<{ id: string; title: Bilingual | undefined }>;
}

/**
 * A declared typed value (a procedure's input, a lifecycle's attribute or event field) as the form
 * renderer takes it: a string restricted to `oneOf` is a choice. The API checks every value again and
 * names any it refuses.
 */
function formFieldOf(field: Record<string, unknown>, required: boolean): FormField {
  const oneOf = strings(field['oneOf']);
  const type = field['type'] === 'string' && oneOf.length > 0 ? 'choice' : (field['type'] as FormField['type']);
  const declared = field['default'];
  return {
    id: String(field['id']),
    type,
    title: bilingual(field['title']) ?? { zh: String(field['id']), en: String(field['id']) },
    required,
    min: optionalNumber(field['min']),
    max: optionalNumber(field['max']),
    minLength: optionalNumber(field['minLength']),
    maxLength: optionalNumber(field['maxLength']),
    oneOf: oneOf.length > 0 ? oneOf : null,
    default: typeof declared === 'string' || typeof declared === 'number' || typeof declared === 'boolean' ? declared : null,
    confidential: typeof field['confidential'] === 'object' && field['confidential'] !== null,
  };
}

const declaredFields = (value: unknown) => entries(value).filter((field) => typeof field['id'] === 'string' && typeof field['type'] === 'string');

/** The inputs a compiled procedure declares, asked for at launch; one is required when it says so and has no default. */
export function inputFieldsOf(definition: Record<string, unknown>): FormField[] {
  return declaredFields(definition['inputs']).map((input) => formFieldOf(input, input['required'] === true && input['default'] === undefined));
}

/** A lifecycle's attribute or event field may be left out only when it has a default (a yes/no is always answered). */
const lifecycleFields = (value: unknown): FormField[] => declaredFields(value).map((field) => formFieldOf(field, field['default'] === undefined && field['type'] !== 'bool'));

export function lifecycleOf(definition: Record<string, unknown>): LifecycleOutline {
  const metadata = (typeof definition['metadata'] === 'object' && definition['metadata'] !== null ? definition['metadata'] : {}) as Record<string, unknown>;
  const roles = entries(definition['roles']).map((role) => ({ id: String(role['id']), title: bilingual(role['title']), vendorStaff: role['vendorStaff'] === true }));
  const states = entries(definition['states']);
  return {
    title: bilingual(metadata['title']),
    attributes: lifecycleFields(definition['attributes']),
    roles,
    events: entries(definition['events']).map((event) => {
      return {
        id: String(event['id']),
        title: bilingual(event['title']),
        fields: lifecycleFields(event['payload']),
        recordedBy: Array.isArray(event['recordedBy']) ? strings(event['recordedBy']) : undefined,
      };
    }),
    states: states.map((state) => ({ id: String(state['id']), title: bilingual(state['title']), final: state['type'] === 'final' })),
    obligations: states.flatMap((state) => entries(state['obligations']).map((obligation) => ({ id: String(obligation['id']), title: bilingual(obligation['title']) }))),
  };
}

export function useLifecycle(key: string | undefined, version: number | undefined): Loaded<LifecycleOutline | undefined> {
  return useApi(async () => (key && version ? lifecycleOf(await compiledDefinition(key, version)) : undefined), [key, version]);
}
