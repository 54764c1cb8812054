import { randomUUID } from 'node:crypto';
import { Client, Connection } from '@temporalio/client';
import type { FieldDefinitionT, ProcedureDefinition } from '../../../src/definitions/procedure/procedure.schema.js';
import { type HistoryCost, historyCost } from '../history-cost.js';
import type { BenchContext, Scenario, ScenarioResult } from '../scenario.js';

/** Decisions taken per cycle after its launch: enough to see the cost of one, few enough to stay quick. */
const DECISIONS = { quick: 2, full: 8 } as const;

interface OpenTask {
  id: string;
  nodeId: string;
  stepId: string;
  kind: string;
  role: string;
  status: string;
}

/** One HTTP call to the system under test; the answer's status and parsed body. */
async function call<T>(context: BenchContext, method: 'GET' | 'POST', route: string, token: string, body?: unknown): Promise<{ status: number; body: T }> {
  const response = await fetch(`${context.apiUrl}${route}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  return { status: response.status, body: (text ? JSON.parse(text) : {}) as T };
}

/** A value a field accepts: its default, its first choice, or something within its bounds. */
function plausible(field: FieldDefinitionT): string | number | boolean {
  if (field.default !== undefined) return field.default;
  switch (field.type) {
    case 'money':
      return Math.min(field.max ?? Number.MAX_SAFE_INTEGER, Math.max(field.min ?? 0, 1_000_000));
    case 'int':
      return Math.min(field.max ?? Number.MAX_SAFE_INTEGER, Math.max(field.min ?? 0, 10));
    case 'bool':
      return true;
    case 'date':
      return new Date().toISOString().slice(0, 10);
    case 'string':
      return field.oneOf?.[0] ?? '基准测试'.padEnd(Math.max(field.minLength ?? 2, 2), '测');
  }
}

function formOf(fields: readonly FieldDefinitionT[]): Record<string, string | number | boolean> {
  return Object.fromEntries(fields.map((field) => [field.id, plausible(field)]));
}

/**
 * The approving decision of a form task, from the definition's node: its positive outcome and a complete
 * form. Other task kinds (awards, ledgers, evaluations) need bids or a running contract, which a cycle
 * only reaches after days of real time, so the scenario stops at them.
 */
function formDecision(definition: ProcedureDefinition, task: OpenTask): { outcome: string; fields: Record<string, string | number | boolean> } | undefined {
  if (task.kind !== 'form') return undefined;
  const step = definition.steps.find((candidate) => candidate.id === task.stepId);
  const node = step?.flow.nodes.flatMap((n) => (n.type === 'parallel' ? n.tasks : [n])).find((n) => n.id === task.nodeId);
  if (!node || node.type !== 'task') return undefined;
  const positive = node.decisions.find((d) => d.outcome === 'approve' || d.outcome === 'submit');
  return positive ? { outcome: positive.outcome, fields: formOf(node.form) } : undefined;
}

interface Measured {
  readonly key: string;
  readonly launch: HistoryCost;
  readonly decided: HistoryCost;
  readonly decisions: number;
  readonly stoppedAt: string;
}

/** Launches one cycle of `key` (at `version`, the newest deployed), waits for its first task, then takes up to `limit` form decisions through the API. */
async function measureTemplate(context: BenchContext, client: Client, key: string, version: number, limit: number): Promise<Measured> {
  const national = await context.token({ userId: 'bench.national', roles: ['administrator'], jurisdiction: 'cn' });
  const read = await call<{ definition: ProcedureDefinition }>(context, 'GET', `/definitions/${encodeURIComponent(key)}/versions/${version}`, national);
  if (read.status !== 200) throw new Error(`reading ${key} v${version} answered ${read.status}`);
  const { definition } = read.body;
  const jurisdiction = definition.metadata.jurisdiction.code;
  const as = (role: string, second = false) => context.token({ userId: `bench.${second ? 'second' : 'first'}.${role}`, roles: [role], jurisdiction });
  const admin = await as('administrator');

  const launched = await call<{ cycleId?: string }>(context, 'POST', '/cycles', admin, { definitionKey: key, version, inputs: formOf(definition.inputs), requestId: randomUUID(), title: `bench history ${key}` });
  const cycleId = launched.body.cycleId;
  if (launched.status !== 201 || !cycleId) throw new Error(`launching ${key} answered ${launched.status}: ${JSON.stringify(launched.body)}`);

  // An inbox lists the tasks of the caller's own roles: ask as each (non-vendor) role of the procedure.
  const roles = definition.roles.map((role) => role.id).filter((role) => role !== 'vendor');
  const openTasks = async (): Promise<OpenTask[]> => {
    const found = new Map<string, OpenTask>();
    for (const role of roles) {
      const listed = await call<{ tasks: OpenTask[] }>(context, 'GET', `/tasks?cycleId=${encodeURIComponent(cycleId)}`, await as(role));
      if (listed.status !== 200) continue;
      for (const task of listed.body.tasks) if (task.status === 'open' && task.role === role) found.set(task.id, task);
    }
    return [...found.values()];
  };
  // The launch is complete when its first task is in the read model (its projection is in the history).
  // Bounded: a system that never shows one is reported, not waited for forever.
  const deadline = Date.now() + 30_000;
  let open = await openTasks();
  while (open.length === 0 && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 100));
    open = await openTasks();
  }
  const launch = await historyCost(client, cycleId);

  let decisions = 0;
  let stoppedAt = open.length === 0 ? 'no task opened in 30 s' : `${limit} decisions`;
  while (decisions < limit) {
    const task = open[0];
    if (!task) {
      if (decisions > 0) stoppedAt = 'waiting for time to pass';
      break;
    }
    const decision = formDecision(definition, task);
    if (!decision) {
      stoppedAt = `a ${task.kind} task (${task.nodeId})`;
      break;
    }
    const send = async (second: boolean) => call<{ message?: string }>(context, 'POST', `/tasks/${encodeURIComponent(task.id)}/decision`, await as(task.role, second), { requestId: randomUUID(), ...decision });
    let answer = await send(false);
    if (answer.status === 403 && /four-eyes/i.test(String(answer.body.message))) answer = await send(true);
    if (answer.status !== 200) {
      stoppedAt = `${task.nodeId} answered ${answer.status}`;
      break;
    }
    decisions++;
    // A decision answers once its effects are in the read model: the next task, if any, is listed now.
    open = await openTasks();
  }
  const decided = await historyCost(client, cycleId);
  return { key, launch, decided, decisions, stoppedAt };
}

const perDecision = (measured: Measured, field: 'events' | 'bytes') => (measured.decisions === 0 ? 0 : Math.round((measured.decided[field] - measured.launch[field]) / measured.decisions));

/**
 * History cost on the running system, through the HTTP API: one cycle of each deployed seed template is
 * launched and decided as far as form tasks go (real time: bidding windows and periods are days away),
 * and its Temporal history measured after the launch and after the decisions. Whole cycles, contracts
 * and case-years are measured on the time-skipping server by test/integration/history-cost.test.ts.
 */
export const history: Scenario = async (context): Promise<ScenarioResult> => {
  const connection = await Connection.connect({ address: context.temporalAddress });
  try {
    const client = new Client({ connection, namespace: context.namespace });
    const national = await context.token({ userId: 'bench.national', roles: ['administrator'], jurisdiction: 'cn' });
    const listed = await call<{ definitions: Array<{ key: string; version: number }> }>(context, 'GET', '/definitions?kind=Procedure', national);
    if (listed.status !== 200) throw new Error(`listing procedures answered ${listed.status}`);
    const procedures = [...listed.body.definitions].sort((a, b) => a.key.localeCompare(b.key));
    const limit = context.quick ? DECISIONS.quick : DECISIONS.full;

    const measured: Measured[] = [];
    for (const { key, version } of procedures) {
      context.progress(`history: ${key} v${version}: launching and deciding up to ${limit} form tasks`);
      measured.push(await measureTemplate(context, client, key, version, limit));
    }

    const table = measured.map((m) => ({
      template: m.key,
      'launch events': m.launch.events,
      'launch bytes': m.launch.bytes,
      'input bytes': m.launch.inputBytes,
      'input %': m.launch.bytes === 0 ? 0 : Math.round((100 * m.launch.inputBytes) / m.launch.bytes),
      decisions: m.decisions,
      'events / decision': perDecision(m, 'events'),
      'bytes / decision': perDecision(m, 'bytes'),
      'stopped at': m.stoppedAt,
    }));
    const metrics: Record<string, number> = {};
    for (const m of measured) {
      metrics[`${m.key}.launch.events`] = m.launch.events;
      metrics[`${m.key}.launch.bytes`] = m.launch.bytes;
      metrics[`${m.key}.launch.inputBytes`] = m.launch.inputBytes;
      metrics[`${m.key}.decisions`] = m.decisions;
      metrics[`${m.key}.perDecision.events`] = perDecision(m, 'events');
      metrics[`${m.key}.perDecision.bytes`] = perDecision(m, 'bytes');
    }
    return {
      scenario: 'history',
      title: 'Temporal history per cycle launch and per decision (running system, HTTP API)',
      table,
      metrics,
      notes: [
        'launch: the cycle workflow history once its first task is in the read model; input bytes: the workflow input as stored (encrypted), mostly the compiled definition and calendars.',
        'per decision: history growth over the form decisions taken through POST /tasks/{id}/decision, divided by their number.',
        'Whole cycles with their contracts, and a case-year, are measured on the time-skipping server by test/integration/history-cost.test.ts (ceilings there).',
      ],
    };
  } finally {
    await connection.close();
  }
};
