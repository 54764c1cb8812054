import { randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';
import type { FieldDefinitionT } from '../../src/definitions/procedure/procedure.schema.js';
import { caseWorkflowId } from '../../workflows/cases/messages.js';
import { eventually } from '../support/eventually.js';
import { formFor } from '../support/procedure-driver.js';
import { insertVendor, launchCycle, startContract } from '../support/procurement-fixtures.js';
import { type RunningStack, startStack } from '../support/stack.js';

const JURISDICTION = 'zj-deqing';
const LIFECYCLE = 'community-correction-case';
const PROCEDURE = 'deqing-community-correction';
const METRICS_TOKEN = `scrape-${randomUUID()}`;

type LogLine = Record<string, unknown>;

/** The value of one sample of the exposition, e.g. `procureflow_cases{jurisdiction="zj-deqing",…}`; undefined when absent. */
function sample(exposition: string, name: string, labels: Record<string, string>): number | undefined {
  for (const line of exposition.split('\n')) {
    const match = /^([a-z_]+)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!match || match[1] !== name) continue;
    const found = Object.fromEntries([...(match[2] ?? '').matchAll(/([a-z_]+)="([^"]*)"/g)].map((m) => [m[1], m[2]]));
    if (Object.entries(labels).every(([key, value]) => found[key] === value)) return Number(match[3]);
  }
  return undefined;
}

/**
 * What a monitoring system and a person reading logs get from the whole stack (`npm start`'s entry, the API
 * and the workers in one process): `/metrics` behind its scrape token, with the read model's gauges and the
 * decisions it served; and structured log lines that name the workflow and the request behind the work.
 */
describe('monitoring: /metrics and structured logs', () => {
  let stack: RunningStack | undefined;
  let dataSource: DataSource;
  const tokens: Record<string, string> = {};
  let caseId = '';
  const correlationId = `monitoring-${randomUUID()}`;

  const api = async (method: 'GET' | 'POST', route: string, headers: Record<string, string>, body?: unknown) => {
    const response = await fetch(`${(stack as RunningStack).baseUrl}${route}`, {
      method,
      headers: { ...headers, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    return { status: response.status, text, contentType: response.headers.get('content-type') ?? '' };
  };
  const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
  const logLines = (): LogLine[] =>
    (stack as RunningStack)
      .stdout()
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as LogLine);

  beforeAll(async () => {
    stack = await startStack('monitoring', { logLevel: 'debug', env: { PROCUREFLOW_METRICS_TOKEN: METRICS_TOKEN } });
    dataSource = stack.dataSource;
    for (const role of ['administrator', 'judicial-office', 'justice-bureau']) {
      tokens[role] = await stack.sign({ userId: `${role}.monitoring`, name: role, roles: [role], jurisdiction: JURISDICTION });
    }
  });

  afterAll(async () => {
    if (caseId && stack) await (await stack.temporal()).workflow.getHandle(caseWorkflowId(caseId)).terminate().catch(() => undefined);
    await stack?.close();
  });

  it('refuses a scrape without the scrape token, and an access token does not stand in for it', async () => {
    expect((await api('GET', '/metrics', {})).status).toBe(401);
    expect((await api('GET', '/metrics', bearer(tokens['administrator'] as string))).status).toBe(401);
    expect((await api('GET', '/metrics', bearer(`${METRICS_TOKEN}x`))).status).toBe(401);
    const scraped = await api('GET', '/metrics', bearer(METRICS_TOKEN));
    expect([scraped.status, scraped.contentType.startsWith('text/plain')]).toEqual([200, true]);
  });

  it('counts cycles and cases of the read model by status and state, and the decisions the API served', async () => {
    const serving = await insertVendor(dataSource, { name: '德清县阳光社工服务中心' });
    await launchCycle(dataSource, { jurisdiction: 'zj-anji' });
    const contractId = await startContract(dataSource, await launchCycle(dataSource, { jurisdiction: JURISDICTION }), { vendorId: serving.id, vendorName: '德清县阳光社工服务中心' });
    const enrolled = await api('POST', '/cases', { ...bearer(tokens['judicial-office'] as string), 'x-request-id': correlationId }, { lifecycleKey: LIFECYCLE, attributes: { riskLevel: 'low' }, contractId });
    expect(enrolled.status).toBe(201);
    caseId = (JSON.parse(enrolled.text) as { caseId: string }).caseId;

    // A real cycle of the shipped procedure, and a decision on its first task that the workflow refuses (no fields).
    const shipped = JSON.parse((await api('GET', `/definitions/${PROCEDURE}/versions/1`, bearer(tokens['administrator'] as string))).text) as { definition: { inputs: FieldDefinitionT[] } };
    const launched = await api('POST', '/cycles', bearer(tokens['administrator'] as string), { definitionKey: PROCEDURE, inputs: formFor(shipped.definition.inputs) });
    expect(launched.status).toBe(201);
    const cycleId = (JSON.parse(launched.text) as { cycleId: string }).cycleId;
    const inbox = await eventually(
      async () => JSON.parse((await api('GET', `/tasks?cycleId=${encodeURIComponent(cycleId)}`, bearer(tokens['justice-bureau'] as string))).text) as { tasks: Array<{ id: string }> },
      (answer) => answer.tasks.length === 1,
    );
    const refused = await api('POST', `/tasks/${encodeURIComponent(inbox.tasks[0]?.id ?? '')}/decision`, bearer(tokens['justice-bureau'] as string), { requestId: randomUUID(), outcome: 'submit', fields: {} });
    expect(refused.status).toBe(422);

    const exposition = (await api('GET', '/metrics', bearer(METRICS_TOKEN))).text;
    // Two fixture cycles (one each in Anji and Deqing) and the launched one, which is in its first step.
    expect(sample(exposition, 'procureflow_cycles', { jurisdiction: 'zj-anji', status: 'running' })).toBe(1);
    expect(sample(exposition, 'procureflow_cycles', { jurisdiction: JURISDICTION, definition: PROCEDURE, status: 'running' })).toBe(1);
    expect(sample(exposition, 'procureflow_cases', { jurisdiction: JURISDICTION, lifecycle: LIFECYCLE })).toBe(1);
    expect(sample(exposition, 'procureflow_open_task_age_seconds_count', { kind: 'form' })).toBe(1);
    expect(sample(exposition, 'procureflow_decision_latency_seconds_count', { kind: 'form', result: 'refused' })).toBe(1);
    expect(sample(exposition, 'procureflow_decision_latency_seconds_count', { kind: 'form', result: 'decided' })).toBeUndefined();
    expect(sample(exposition, 'procureflow_projection_lag_seconds_count', { activity: 'recordCaseChanges' })).toBeGreaterThanOrEqual(1);
  });

  it('writes the workflow id and the correlation id of the request on the lines of the work it caused', async () => {
    const workflowId = caseWorkflowId(caseId);
    const lines = await eventually(
      async () => logLines(),
      (all) => all.some((line) => line['activity'] === 'recordCaseChanges' && line['workflowId'] === workflowId),
    );
    const activityLines = lines.filter((line) => line['activity'] !== undefined);
    expect(activityLines.every((line) => typeof line['workflowId'] === 'string' && typeof line['attempt'] === 'number')).toBe(true);
    const ofTheEnrolment = activityLines.filter((line) => line['workflowId'] === workflowId && line['activity'] === 'recordCaseChanges');
    expect(ofTheEnrolment[0]?.['correlationId']).toBe(correlationId);
    // The API's own line for the request names it too.
    expect(lines.some((line) => line['component'] === 'api' && line['correlationId'] === correlationId)).toBe(true);
  });
});
