import { randomUUID } from 'node:crypto';
import type { INestApplication } from '@nestjs/common';
import { Client, Connection } from '@temporalio/client';
import type { DataSource } from 'typeorm';
import { createApiApp } from '../../apps/api/src/create-api-app.js';
import { loadWorkflowBundle } from '../../apps/worker/src/workflow-bundle.js';
import { type RunningWorkers, startWorkers } from '../../apps/worker/src/worker.providers.js';
import { loadConfig } from '../../src/config/config.js';
import { createLogger } from '../../src/logging/logger.js';
import { TEST_JWT_SECRET, tokenFor } from '../support/api-server.js';
import { calendarFilesAround } from '../support/calendars.js';
import { freshDatabase } from '../support/databases.js';
import { eventually } from '../support/eventually.js';
import { freePort } from '../support/free-port.js';
import { edited, MINIMAL_PROCEDURE } from '../support/minimal-procedure.js';
import { testDataConverter, testPayloadCodec } from '../support/payload-encryption.js';
import { scratchDir, sharedTemporalAddress } from '../support/test-environment.js';

const JURISDICTION = 'test-county';
const PROCEDURE = 'test-county-community-correction';

/**
 * The minimal test procedure (no seed), its drafting form widened with a money field with bounds and a
 * choice, so that every kind of field the console renders is declared by the definition under test.
 */
const PROCEDURE_TEXT = edited(MINIMAL_PROCEDURE, [
  [
    '            - { id: justification, title: { zh: 编制依据, en: Justification }, type: string, minLength: 1 }\n',
    '            - { id: justification, title: { zh: 编制依据, en: Justification }, type: string, minLength: 1, maxLength: 200 }\n' +
      '            - { id: amountFen, title: { zh: 金额, en: Amount }, type: money, min: 100, max: 100000000 }\n' +
      '            - { id: basis, title: { zh: 口径, en: Basis }, type: string, oneOf: [headcount, caseload], required: false }\n',
  ],
]);

interface Answer {
  readonly status: number;
  readonly body: Record<string, unknown>;
}

interface FormAnswer {
  kind: string;
  generic: boolean;
  fields: Array<Record<string, unknown>>;
  outcomes: Array<{ outcome: string; commentRequired: boolean; fieldsChecked: boolean; next: Record<string, unknown> | null }>;
}

/**
 * `GET /tasks/{id}/form` on real PostgreSQL and Temporal: the form of each task comes from the compiled
 * definition the cycle runs (here a test procedure, not a seed), and is what the workflow then judges a
 * decision by.
 */
describe('the form of a task', () => {
  let dataSource: DataSource;
  let connection: Connection;
  let client: Client;
  let workers: RunningWorkers;
  let app: INestApplication;
  let baseUrl: string;
  let cycleId: string;
  const tokens: Record<string, string> = {};

  beforeAll(async () => {
    ({ dataSource } = await freshDatabase('task_form'));
    const config = loadConfig({
      TEMPORAL_TASK_QUEUE_PROCUREMENT: `task-form-procurement-${randomUUID()}`,
      TEMPORAL_TASK_QUEUE_CASES: `task-form-cases-${randomUUID()}`,
      PROCUREFLOW_DATA_DIR: await scratchDir('task-form'),
    });
    const address = sharedTemporalAddress();
    workers = await startWorkers({ config, temporalAddress: address, dataSource, workflowBundle: await loadWorkflowBundle(), logger: createLogger('silent', 'worker'), payloadCodec: testPayloadCodec });
    connection = await Connection.connect({ address });
    client = new Client({ connection, namespace: config.temporal.namespace, dataConverter: testDataConverter() });
    app = await createApiApp({ config, dataSource, temporalClient: client, temporalAddress: address, logger: createLogger('silent', 'api'), jwtSecret: TEST_JWT_SECRET, payloadCodec: testPayloadCodec });
    const port = await freePort();
    await app.listen(port, '127.0.0.1');
    baseUrl = `http://127.0.0.1:${port}`;
    tokens['national'] = await tokenFor({ userId: 'national', name: '国家管理员', roles: ['administrator'], jurisdiction: 'cn' });
    tokens['admin'] = await tokenFor({ userId: 'admin', name: '王芳', roles: ['administrator'], jurisdiction: JURISDICTION });
    tokens['drafter'] = await tokenFor({ userId: 'drafter', name: '周敏', roles: ['justice-bureau'], jurisdiction: JURISDICTION });
    tokens['finance'] = await tokenFor({ userId: 'finance', name: '陈刚', roles: ['finance-bureau'], jurisdiction: JURISDICTION });
    tokens['elsewhere'] = await tokenFor({ userId: 'elsewhere', name: '外县', roles: ['justice-bureau'], jurisdiction: 'other-county' });
    expect((await call('POST', '/definitions', 'national', { files: calendarFilesAround() })).status).toBe(201);
    expect((await call('POST', '/definitions', 'admin', { files: [{ file: 'minimal-procedure.yaml', text: PROCEDURE_TEXT }] })).status).toBe(201);
    const launched = await call('POST', '/cycles', 'admin', { definitionKey: PROCEDURE, inputs: { supervisedPersons: 40 } });
    expect(launched.status).toBe(201);
    cycleId = launched.body['cycleId'] as string;
  });

  afterAll(async () => {
    if (cycleId) await client?.workflow.getHandle(cycleId).terminate('test over').catch(() => undefined);
    await app?.close();
    await workers?.shutdown();
    await connection?.close();
    await dataSource?.destroy();
  });

  async function call(method: string, route: string, who: string, body?: unknown): Promise<Answer> {
    const response = await fetch(`${baseUrl}${route}`, {
      method,
      headers: { authorization: `Bearer ${tokens[who]}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    return { status: response.status, body: text === '' ? {} : (JSON.parse(text) as Record<string, unknown>) };
  }

  /** The one open task of the cycle at `nodeId`, once the read model shows it to `who`. */
  async function openTask(who: string, nodeId: string): Promise<string> {
    const inbox = await eventually(
      () => call('GET', `/tasks?cycleId=${encodeURIComponent(cycleId)}`, who),
      (answer) => (answer.body['tasks'] as Array<{ nodeId: string }>).some((task) => task.nodeId === nodeId),
    );
    return (inbox.body['tasks'] as Array<{ id: string; nodeId: string }>).find((task) => task.nodeId === nodeId)!.id;
  }

  const formOf = async (who: string, taskId: string): Promise<Answer> => call('GET', `/tasks/${encodeURIComponent(taskId)}/form`, who);

  it('gives the drafting task its typed fields and says the submission goes on to the review', async () => {
    const draftId = await openTask('drafter', 'draftBudget');
    const answer = await formOf('drafter', draftId);
    expect(answer.status).toBe(200);
    const form = answer.body as unknown as FormAnswer;
    expect(form.kind).toBe('form');
    // Not overdue: no working days late.
    expect((await call('GET', `/tasks/${encodeURIComponent(draftId)}`, 'drafter')).body['overdueWorkingDays']).toBeNull();
    expect(form.generic).toBe(true);
    expect(form.fields).toEqual([
      expect.objectContaining({ id: 'justification', type: 'string', title: { zh: '编制依据', en: 'Justification' }, required: true, minLength: 1, maxLength: 200, oneOf: null }),
      expect.objectContaining({ id: 'amountFen', type: 'money', title: { zh: '金额', en: 'Amount' }, required: true, min: 100, max: 100000000 }),
      expect.objectContaining({ id: 'basis', type: 'choice', required: false, oneOf: ['headcount', 'caseload'] }),
    ]);
    expect(form.outcomes).toEqual([
      {
        outcome: 'submit',
        commentRequired: false,
        fieldsChecked: true,
        next: { nodeId: 'reviewBudget', type: 'task', title: { zh: '预算审核', en: 'Review the budget' }, endOutcome: null, returns: false },
      },
    ]);

    // The workflow judges a decision by the same declaration: an amount below `min` is refused, naming the field.
    const tooLow = await call('POST', `/tasks/${encodeURIComponent(draftId)}/decision`, 'drafter', { requestId: randomUUID(), outcome: 'submit', fields: { justification: '按人数', amountFen: 99 } });
    expect(tooLow.status).toBe(422);
    expect(tooLow.body['details']).toEqual([expect.objectContaining({ field: 'fields.amountFen' })]);
    const submitted = await call('POST', `/tasks/${encodeURIComponent(draftId)}/decision`, 'drafter', {
      requestId: randomUUID(),
      outcome: 'submit',
      fields: { justification: '按人数', amountFen: 1_234_56, basis: 'headcount' },
    });
    expect(submitted.status).toBe(200);
  });

  it('tells the reviewer which outcomes need a comment and where each one leads', async () => {
    const reviewId = await openTask('finance', 'reviewBudget');
    const answer = await formOf('finance', reviewId);
    expect(answer.status).toBe(200);
    const form = answer.body as unknown as FormAnswer;
    expect(form.fields).toEqual([]);
    expect(form.outcomes).toEqual([
      { outcome: 'approve', commentRequired: false, fieldsChecked: true, next: { nodeId: 'budgetDone', type: 'end', title: null, endOutcome: 'completed', returns: false } },
      {
        outcome: 'return',
        commentRequired: true,
        fieldsChecked: false,
        next: { nodeId: 'draftBudget', type: 'task', title: { zh: '编制预算', en: 'Draft the budget' }, endOutcome: null, returns: true },
      },
      { outcome: 'reject', commentRequired: true, fieldsChecked: false, next: { nodeId: 'budgetRejected', type: 'end', title: null, endOutcome: 'terminated', returns: false } },
    ]);
    const withoutComment = await call('POST', `/tasks/${encodeURIComponent(reviewId)}/decision`, 'finance', { requestId: randomUUID(), outcome: 'return' });
    expect(withoutComment.status).toBe(422);
    expect(withoutComment.body['details']).toEqual([expect.objectContaining({ field: 'comment' })]);
  });

  it('hides the form of a task of another jurisdiction, as it hides the task', async () => {
    const reviewId = await openTask('finance', 'reviewBudget');
    const answer = await formOf('elsewhere', reviewId);
    expect(answer.status).toBe(404);
  });
});
