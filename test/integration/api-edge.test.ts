import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { INestApplication } from '@nestjs/common';
import { Client, Connection } from '@temporalio/client';
import type { DataSource } from 'typeorm';
import { createApiApp } from '../../apps/api/src/create-api-app.js';
import { loadWorkflowBundle } from '../../apps/worker/src/workflow-bundle.js';
import { type RunningWorkers, startWorkers } from '../../apps/worker/src/worker.providers.js';
import { loadConfig } from '../../src/config/config.js';
import { PROJECT_ROOT } from '../../src/config/project-root.js';
import { createLogger } from '../../src/logging/logger.js';
import { TEST_JWT_SECRET, tokenFor } from '../support/api-server.js';
import { freshDatabase } from '../support/databases.js';
import { eventually } from '../support/eventually.js';
import { freePort } from '../support/free-port.js';
import { freshCreditCode, readModelSnapshot } from '../support/procurement-fixtures.js';
import { scratchDir, sharedTemporalAddress } from '../support/test-environment.js';
import { testDataConverter, testPayloadCodec } from '../support/payload-encryption.js';
import { calendarFilesAround } from '../support/calendars.js';

const JURISDICTION = 'test-county';
const PROCEDURE = 'test-county-community-correction';
const MINIMAL_PROCEDURE = readFileSync(path.join(PROJECT_ROOT, 'test/unit/definitions/fixtures/minimal-procedure.yaml'), 'utf8');
const CN_2026 = readFileSync(path.join(PROJECT_ROOT, 'definitions/calendars/cn-2026.yaml'), 'utf8');

interface Answer {
  readonly status: number;
  readonly headers: Headers;
  readonly body: { code?: string; message?: string; details?: Array<{ field: string; problem: string }> } & Record<string, unknown>;
}

/**
 * The edge of the API, on real PostgreSQL and the real Temporal dev server with the real workflows:
 * text that storage could not take (NUL and other control characters, half surrogate pairs) and numbers
 * it could not take (1e308, 99999999999999999999) are refused with 422 naming the field, in bodies, free-form
 * objects, query strings and paths — before any workflow hears of them, so nothing changes anywhere.
 * Before, a decision whose comment held a NUL was accepted by the workflow and then broke its projection.
 */
describe('the edge of the API', () => {
  let dataSource: DataSource;
  let connection: Connection;
  let client: Client;
  let workers: RunningWorkers;
  let app: INestApplication;
  let baseUrl: string;
  let cycleId: string;
  let draftTaskId: string;
  const tokens: Record<string, string> = {};

  beforeAll(async () => {
    ({ dataSource } = await freshDatabase('api_edge'));
    const config = loadConfig({
      TEMPORAL_TASK_QUEUE_PROCUREMENT: `api-edge-procurement-${randomUUID()}`,
      TEMPORAL_TASK_QUEUE_CASES: `api-edge-cases-${randomUUID()}`,
      PROCUREFLOW_DATA_DIR: await scratchDir('api-edge'),
    });
    const address = sharedTemporalAddress();
    workers = await startWorkers({ config, temporalAddress: address, dataSource, workflowBundle: await loadWorkflowBundle(), logger: createLogger('silent', 'worker'), payloadCodec: testPayloadCodec });
    connection = await Connection.connect({ address });
    client = new Client({ connection, namespace: config.temporal.namespace, dataConverter: testDataConverter() });
    app = await createApiApp({ config, dataSource, temporalClient: client, temporalAddress: address, logger: createLogger('silent', 'api'), jwtSecret: TEST_JWT_SECRET, payloadCodec: testPayloadCodec });
    const port = await freePort();
    await app.listen(port, '127.0.0.1');
    baseUrl = `http://127.0.0.1:${port}`;
    tokens['admin'] = await tokenFor({ userId: 'admin', name: '王芳', roles: ['administrator'], jurisdiction: JURISDICTION });
    tokens['drafter'] = await tokenFor({ userId: 'drafter', name: '周敏', roles: ['justice-bureau'], jurisdiction: JURISDICTION });

    // The holiday calendar applies to every jurisdiction: a national administrator deploys it.
    tokens['national'] = await tokenFor({ userId: 'national', name: '国家管理员', roles: ['administrator'], jurisdiction: 'cn' });
    expect((await call('POST', '/definitions', 'national', { files: calendarFilesAround() })).status).toBe(201);
    const deployed = await call('POST', '/definitions', 'admin', { files: [{ file: 'minimal-procedure.yaml', text: MINIMAL_PROCEDURE }] });
    expect(deployed.status).toBe(201);
    const launched = await call('POST', '/cycles', 'admin', { definitionKey: PROCEDURE, inputs: { supervisedPersons: 40 } });
    expect(launched.status).toBe(201);
    cycleId = launched.body['cycleId'] as string;
    const inbox = await eventually(
      () => call('GET', `/tasks?cycleId=${encodeURIComponent(cycleId)}`, 'drafter'),
      (answer) => Array.isArray(answer.body['tasks']) && (answer.body['tasks'] as unknown[]).length === 1,
    );
    draftTaskId = (inbox.body['tasks'] as Array<{ id: string }>)[0]!.id;
  });

  afterAll(async () => {
    if (cycleId) await client?.workflow.getHandle(cycleId).terminate('test over').catch(() => undefined);
    await app?.close();
    await workers?.shutdown();
    await connection?.close();
    await dataSource?.destroy();
  });

  /** Sends `body` as JSON (a string is sent as it is: raw JSON text). */
  async function call(method: string, route: string, who: string | undefined, body?: unknown): Promise<Answer> {
    const response = await fetch(`${baseUrl}${route}`, {
      method,
      headers: {
        ...(who ? { authorization: `Bearer ${tokens[who]}` } : {}),
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    });
    const text = await response.text();
    return { status: response.status, headers: response.headers, body: text === '' ? {} : (JSON.parse(text) as Answer['body']) };
  }

  const decisionRoute = () => `/tasks/${encodeURIComponent(draftTaskId)}/decision`;

  /** The read model, the registry, the audit trail and the cycle workflow's history, for before/after comparisons. */
  /**
   * Everything a refused request must leave as it was. Taken once the workflow is at rest (no workflow
   * task or activity pending), so that work still finishing from an earlier request is not counted.
   */
  async function everything(): Promise<{ rows: Record<string, unknown[]>; definitions: unknown[]; history: number }> {
    await eventually(
      () => client.workflow.getHandle(cycleId).describe(),
      ({ raw }) => !raw.pendingWorkflowTask && (raw.pendingActivities?.length ?? 0) === 0,
    );
    const history = await client.workflow.getHandle(cycleId).fetchHistory();
    return {
      rows: await readModelSnapshot(dataSource),
      definitions: (await dataSource.query('SELECT key, version FROM definition_versions ORDER BY key, version')) as unknown[],
      history: history.events?.length ?? 0,
    };
  }

  describe('text that storage cannot take', () => {
    it('refuses a decision whose comment holds a NUL with 422 naming `comment`, before the workflow sees it; the task stays open', async () => {
      const before = await everything();
      const { status, body } = await call('POST', decisionRoute(), 'drafter', {
        requestId: randomUUID(),
        outcome: 'submit',
        fields: { justification: '按在册人数编制' },
        comment: 'a\u0000b',
      });
      expect(status).toBe(422);
      expect(body).toMatchObject({
        code: 'validation-failed',
        details: [{ field: 'comment', problem: 'must not contain control characters, but character 2 is the control character U+0000' }],
      });
      expect(await everything()).toEqual(before);
      const task = await call('GET', `/tasks/${encodeURIComponent(draftTaskId)}`, 'drafter');
      expect(task.body['status']).toBe('open');
    });

    it('names the path inside free-form objects: form fields, payloads', async () => {
      const before = await everything();
      const fields = await call('POST', decisionRoute(), 'drafter', { requestId: randomUUID(), outcome: 'submit', fields: { justification: '依据\u0007' } });
      expect(fields.status).toBe(422);
      expect(fields.body.details).toEqual([{ field: 'fields.justification', problem: expect.stringContaining('U+0007') }]);
      const payload = await call('POST', decisionRoute(), 'drafter', {
        requestId: randomUUID(),
        outcome: 'submit',
        fields: { justification: '依据' },
        payload: { kind: 'award', scores: { 'bid-1': { price: 90, note: '\u0000' } }, winners: [] },
      });
      expect(payload.status).toBe(422);
      expect(payload.body.details).toEqual([{ field: 'payload.scores.bid-1.note', problem: expect.stringContaining('U+0000') }]);
      const key = await call('POST', decisionRoute(), 'drafter', { requestId: randomUUID(), outcome: 'submit', fields: { 'justi\u0000fication': '依据' } });
      expect(key.status).toBe(422);
      expect(key.body.details).toEqual([{ field: 'fields', problem: expect.stringContaining('has a property name that must not contain control characters') }]);
      expect(await everything()).toEqual(before);
    });

    it('bounds every text, free-form payloads included', async () => {
      const before = await everything();
      const payload = await call('POST', decisionRoute(), 'drafter', {
        requestId: randomUUID(),
        outcome: 'submit',
        fields: { justification: '依据' },
        payload: { kind: 'acceptance', passed: true, recipientOpinions: ['满意', '意'.repeat(10_001)] },
      });
      expect(payload.status).toBe(422);
      expect(payload.body.details).toEqual([{ field: 'payload', problem: 'payload has text longer than 10000 characters at recipientOpinions.1' }]);
      const comment = await call('POST', decisionRoute(), 'drafter', { requestId: randomUUID(), outcome: 'submit', fields: { justification: '依据' }, comment: '意'.repeat(2001) });
      expect(comment.status).toBe(422);
      expect(comment.body.details).toEqual([{ field: 'comment', problem: 'comment must be at most 2000 characters long' }]);
      expect(await everything()).toEqual(before);
    });

    it('names the form field whose value is too long or not a value, and says the limit', async () => {
      const before = await everything();
      const long = await call('POST', decisionRoute(), 'drafter', { requestId: randomUUID(), outcome: 'submit', fields: { justification: '依'.repeat(10_001) } });
      expect(long.status).toBe(422);
      expect(long.body).toMatchObject({
        message: 'The request has 1 invalid field: fields.justification.',
        details: [{ field: 'fields.justification', problem: 'fields.justification must be at most 10000 characters long, but has 10001' }],
      });
      const nested = await call('POST', decisionRoute(), 'drafter', { requestId: randomUUID(), outcome: 'submit', fields: { justification: { text: '依据' } } });
      expect(nested.status).toBe(422);
      expect(nested.body.details).toEqual([{ field: 'fields.justification', problem: expect.stringContaining('each value must be text (at most 10000 characters)') }]);
      // A launch's inputs are form values too.
      const input = await call('POST', '/cycles', 'admin', { definitionKey: PROCEDURE, inputs: { supervisedPersons: 40, note: 'x'.repeat(10_001) } });
      expect(input.status).toBe(422);
      expect(input.body.details).toEqual([{ field: 'inputs.note', problem: 'inputs.note must be at most 10000 characters long, but has 10001' }]);
      expect(await everything()).toEqual(before);
    });

    it('refuses half a surrogate pair (not Unicode text; PostgreSQL’s jsonb refuses it)', async () => {
      const before = await everything();
      // JSON.stringify writes the lone surrogate as the escape \ud800, which JSON.parse turns back into one.
      const { status, body } = await call('POST', decisionRoute(), 'drafter', { requestId: randomUUID(), outcome: 'submit', fields: { justification: '依据\ud800' } });
      expect(status).toBe(422);
      expect(body.details).toEqual([{ field: 'fields.justification', problem: 'must be Unicode text, but character 3 is half of a surrogate pair (U+D800) without its other half' }]);
      expect(await everything()).toEqual(before);
    });

    it('refuses a cancellation whose reason holds a NUL; the cycle runs on', async () => {
      const before = await everything();
      const { status, body } = await call('POST', `/cycles/${encodeURIComponent(cycleId)}/cancel`, 'admin', { reason: '\u0018预算\u0000调整' });
      expect(status).toBe(422);
      expect(body.details).toEqual([{ field: 'reason', problem: expect.stringContaining('U+0018') }]);
      expect(await everything()).toEqual(before);
      expect((await client.workflow.getHandle(cycleId).describe()).status.name).toBe('RUNNING');
    });

    it('refuses a launch with a control character in an input or a line break in the title, and starts nothing', async () => {
      const before = await everything();
      const input = await call('POST', '/cycles', 'admin', { definitionKey: PROCEDURE, inputs: { supervisedPersons: 40, note: 'x\u001by' } });
      expect(input.status).toBe(422);
      expect(input.body.details).toEqual([{ field: 'inputs.note', problem: expect.stringContaining('U+001B') }]);
      const title = await call('POST', '/cycles', 'admin', { definitionKey: PROCEDURE, inputs: { supervisedPersons: 40 }, title: '2026年度\n社区矫正' });
      expect(title.status).toBe(422);
      expect(title.body.details).toEqual([{ field: 'title', problem: 'title must be a single line, but character 7 is a line break (U+000A)' }]);
      expect(await everything()).toEqual(before);
    });

    it('takes line breaks and tabs where text has lines: the task refused above is decided with a multi-line comment, kept as written', async () => {
      const comment = '第一，人数与台账一致；\r\n第二，单价按上年执行。\t完';
      const decided = await call('POST', decisionRoute(), 'drafter', { requestId: randomUUID(), outcome: 'submit', fields: { justification: '按在册人数编制' }, comment });
      expect(decided.status).toBe(200);
      const task = await call('GET', `/tasks/${encodeURIComponent(draftTaskId)}`, 'drafter');
      expect(task.body).toMatchObject({ status: 'decided', decision: { outcome: 'submit', comment } });
    });

    it('refuses bidirectional overrides and isolates, which make text display as other text: a launch titled invoice + U+202E + gnp.exe starts nothing', async () => {
      const before = await everything();
      const cyclesBefore = (await dataSource.query('SELECT id FROM cycles ORDER BY id')) as unknown[];
      const title = await call('POST', '/cycles', 'admin', { definitionKey: PROCEDURE, inputs: { supervisedPersons: 40 }, title: 'invoice\u202Egnp.exe' });
      expect(title.status).toBe(422);
      expect(title.body).toMatchObject({
        code: 'validation-failed',
        details: [{ field: 'title', problem: expect.stringContaining('character 8 is U+202E (right-to-left override)') }],
      });
      for (const [character, field] of [['\u202A', 'inputs.note'], ['\u202D', 'inputs.note'], ['\u2066', 'inputs.note'], ['\u2069', 'inputs.note']] as const) {
        const input = await call('POST', '/cycles', 'admin', { definitionKey: PROCEDURE, inputs: { supervisedPersons: 40, note: `备注${character}` } });
        expect([input.status, input.body.details]).toEqual([422, [{ field, problem: expect.stringContaining(`U+${character.charCodeAt(0).toString(16).toUpperCase()}`) }]]);
      }
      expect(await dataSource.query('SELECT id FROM cycles ORDER BY id')).toEqual(cyclesBefore);
      expect(await everything()).toEqual(before);
    });

    it('takes the marks and joiners text needs: a comment with a zero-width-joined emoji and a right-to-left mark is kept as written', async () => {
      tokens['reviewer'] = await tokenFor({ userId: 'reviewer', name: '李强', roles: ['finance-bureau'], jurisdiction: JURISDICTION });
      const reviewTaskId = `${cycleId}/reviewBudget#1`;
      const comment = '同意 👩\u200D💻 עברית\u200F (2) \u200E';
      const decided = await call('POST', `/tasks/${encodeURIComponent(reviewTaskId)}/decision`, 'reviewer', { requestId: randomUUID(), outcome: 'approve', fields: {}, comment });
      expect(decided.status).toBe(200);
      const task = await call('GET', `/tasks/${encodeURIComponent(reviewTaskId)}`, 'reviewer');
      expect(task.body).toMatchObject({ status: 'decided', decision: { outcome: 'approve', comment } });
    });

    it('refuses a vendor registration with a control character in any field, and registers nothing', async () => {
      const before = await everything();
      const { status, body } = await call('POST', '/vendors', 'admin', {
        name: '德清县阳光社会工作服务中心\u0000',
        creditCode: freshCreditCode(),
        registrationType: 'socialServiceAgency',
        evidence: [{ criterionId: 'registered', document: '登记证书', note: '\u009b31m' }],
      });
      expect(status).toBe(422);
      expect(body.details).toEqual([
        { field: 'name', problem: expect.stringContaining('U+0000') },
        { field: 'evidence.0.note', problem: expect.stringContaining('U+009B') },
      ]);
      expect(await everything()).toEqual(before);
    });

    it('refuses a definition file holding a control character, and deploys nothing', async () => {
      const before = await everything();
      const { status, body } = await call('POST', '/definitions', 'admin', { files: [{ file: 'cn-2026.yaml', text: CN_2026.replace('kind: Calendar', 'kind: Calendar\u0000') }] });
      expect(status).toBe(422);
      expect(body.details).toEqual([{ field: 'files.0.text', problem: expect.stringContaining('U+0000') }]);
      expect(await everything()).toEqual(before);
    });

    it('refuses control characters in query strings and paths', async () => {
      const query = await call('GET', `/tasks?cycleId=${encodeURIComponent('cycle-\u0000')}`, 'drafter');
      expect(query.status).toBe(422);
      expect(query.body.details).toEqual([{ field: 'cycleId', problem: expect.stringContaining('U+0000') }]);
      const param = await call('GET', `/cycles/${encodeURIComponent('cycle-\u0000')}`, 'admin');
      expect(param.status).toBe(422);
      expect(param.body.details).toEqual([{ field: 'id', problem: expect.stringContaining('U+0000') }]);
    });

    it('refuses nesting deeper than 16 levels with 422, however deep, and a body that is not JSON with 400', async () => {
      const before = await everything();
      const deep = `{"requestId":"deep-1","outcome":"submit","payload":${'['.repeat(200_000)}${']'.repeat(200_000)}}`;
      const nested = await call('POST', decisionRoute(), 'drafter', deep);
      expect(nested.status).toBe(422);
      expect(nested.body.details).toEqual([{ field: expect.stringMatching(/^payload(\.0)+$/), problem: 'is nested more than 16 levels deep' }]);
      const notJson = await call('POST', decisionRoute(), 'drafter', '"AAA"');
      expect(notJson.status).toBe(400);
      expect(await everything()).toEqual(before);
    });
  });

  describe('numbers in query strings and paths', () => {
    const cases: Array<[string, string, string]> = [
      ['/cycles?offset=1e308', 'admin', 'offset'],
      ['/cycles?offset=99999999999999999999', 'admin', 'offset'],
      ['/cycles?limit=-1', 'admin', 'limit'],
      ['/cycles?limit=1.5', 'admin', 'limit'],
      ['/cycles?offset=', 'admin', 'offset'],
      ['/vendors?offset=1e308', 'admin', 'offset'],
      ['/vendors?limit=0x10', 'admin', 'limit'],
      ['/payments?offset=99999999999999999999', 'admin', 'offset'],
      ['/public/notices?offset=1e308', '', 'offset'],
      ['/public/notices?limit=%201', '', 'limit'],
      ['/tasks?limit=501', 'drafter', 'limit'],
      [`/definitions/${PROCEDURE}/versions/99999999999999999999`, 'admin', 'version'],
      [`/definitions/${PROCEDURE}/versions/2.8e109`, 'admin', 'version'],
      [`/definitions/${PROCEDURE}/versions/0`, 'admin', 'version'],
      [`/definitions/${PROCEDURE}/diff?from=1&to=1.0658e237`, 'admin', 'to'],
      [`/definitions/${PROCEDURE}/diff?from=-1&to=1`, 'admin', 'from'],
    ];

    it.each(cases)('refuses %s with 422 naming the parameter', async (route, who, parameter) => {
      const { status, body } = await call('GET', route, who || undefined);
      expect(status).toBe(422);
      expect(body.details).toEqual([{ field: parameter, problem: expect.stringMatching(new RegExp(`^${parameter} must be a whole number from \\d+ to \\d+$`)) }]);
    });

    it('takes the largest bounds the document states', async () => {
      expect((await call('GET', '/cycles?offset=1000000&limit=200', 'admin')).status).toBe(200);
      expect((await call('GET', `/definitions/${PROCEDURE}/versions/2147483647`, 'admin')).status).toBe(404);
      expect((await call('GET', `/definitions/${PROCEDURE}/diff?from=1&to=2147483647`, 'admin')).status).toBe(404);
    });

    it('refuses a launch naming a version beyond any PostgreSQL integer, and starts nothing', async () => {
      const before = await everything();
      const { status, body } = await call('POST', '/cycles', 'admin', { definitionKey: PROCEDURE, version: 1e20, inputs: { supervisedPersons: 40 } });
      expect(status).toBe(422);
      expect(body.details).toEqual([{ field: 'version', problem: 'version must be a whole number from 1 to 2147483647' }]);
      expect(await everything()).toEqual(before);
    });

    it('takes dates and date-times with their zone for dueBefore, and refuses other forms', async () => {
      for (const dueBefore of ['2026-03-09', '2026-03-09T08:00:00+08:00', '0001-01-01T00:00:00Z', '9999-12-31T23:59:59-23:59']) {
        expect([dueBefore, (await call('GET', `/tasks?dueBefore=${encodeURIComponent(dueBefore)}`, 'drafter')).status]).toEqual([dueBefore, 200]);
      }
      for (const dueBefore of ['2026-02-30', '2026-W10', '2026-03-09T08:00:00']) {
        const { status, body } = await call('GET', `/tasks?dueBefore=${encodeURIComponent(dueBefore)}`, 'drafter');
        expect([dueBefore, status, body.details?.[0]?.field]).toEqual([dueBefore, 422, 'dueBefore']);
      }
    });
  });

  describe('methods and properties the API does not have', () => {
    it('answers 405 with Allow for a method a path does not take', async () => {
      const trace = await fetch(`${baseUrl}/cycles`, { method: 'PUT', headers: { authorization: `Bearer ${tokens['admin']}` } });
      expect(trace.status).toBe(405);
      expect(trace.headers.get('allow')).toBe('GET, POST, HEAD');
      expect(await trace.json()).toMatchObject({ status: 405, code: 'method-not-allowed', details: [] });
      const health = await fetch(`${baseUrl}/health`, { method: 'DELETE' });
      expect([health.status, health.headers.get('allow')]).toEqual([405, 'GET, HEAD']);
      expect((await fetch(`${baseUrl}/no/such/path`, { method: 'DELETE' })).status).toBe(404);
    });

    it('refuses null for an optional field, since the document says it is a string', async () => {
      const before = await everything();
      const { status, body } = await call('POST', `/cycles/${encodeURIComponent(cycleId)}/cancel`, 'admin', { reason: '预算调整', requestId: null });
      expect(status).toBe(422);
      expect(body.details?.[0]?.field).toBe('requestId');
      expect(await everything()).toEqual(before);
    });
  });
});
