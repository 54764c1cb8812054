import { execFile } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { INestApplication } from '@nestjs/common';
import { Client, Connection } from '@temporalio/client';
import type { Payload } from '@temporalio/common';
import protos, { type temporal } from '@temporalio/proto';
import type { DataSource } from 'typeorm';
import { createApiApp } from '../../apps/api/src/create-api-app.js';
import { loadWorkflowBundle } from '../../apps/worker/src/workflow-bundle.js';
import { type RunningWorkers, startWorkers } from '../../apps/worker/src/worker.providers.js';
import { type AppConfig, loadConfig } from '../../src/config/config.js';
import { PROJECT_ROOT } from '../../src/config/project-root.js';
import { findInstalledBinaries } from '../../src/infra/temporal/local-temporal.js';
import { createLogger } from '../../src/logging/logger.js';
import { ENCRYPTED_ENCODING, EncryptionCodec, encryptingDataConverter, KEY_ID_METADATA } from '../../src/payload-encryption/encryption-codec.js';
import { keyringOf, type PayloadKey } from '../../src/payload-encryption/keyring.js';
import { TEST_JWT_SECRET, tokenFor } from '../support/api-server.js';
import { freshDatabase } from '../support/databases.js';
import { eventually } from '../support/eventually.js';
import { dataPayloads, dataPayloadsNotIn, payloadsInHistory, unexpectedReadablePayloads } from '../support/history-payloads.js';
import { freePort } from '../support/free-port.js';
import { scratchDir, sharedTemporalAddress, toolsDir } from '../support/test-environment.js';
import { calendarFilesAround } from '../support/calendars.js';

const JURISDICTION = 'test-county';
const PROCEDURE = 'test-county-community-correction';
const MINIMAL_PROCEDURE = readFileSync(path.join(PROJECT_ROOT, 'test/unit/definitions/fixtures/minimal-procedure.yaml'), 'utf8');
const WEB_UI = 'http://127.0.0.1:8233';

/** Personal data a cycle carries: a supervised person, an ID number, an opinion, and the staff who decide. */
const PERSON = '张三丰';
const ID_NUMBER = '330521199001011234';
const OPINION = '审前调查评估意见：张三丰居住地固定，家庭成员愿意协助监管，建议适用社区矫正';
const STAFF = { drafter: '周敏', reviewer: '李明', admin: '王芳' };
const PLAINTEXTS = [PERSON, ID_NUMBER, OPINION, ...Object.values(STAFF)];

const OLD_KEY: PayloadKey = { id: 'k-2025', key: randomBytes(32) };
const NEW_KEY: PayloadKey = { id: 'k-2026', key: randomBytes(32) };

const { History } = protos.temporal.api.history.v1;
type HistoryProto = temporal.api.history.v1.IHistory;

interface Answer<T = Record<string, unknown>> {
  readonly status: number;
  readonly headers: Headers;
  readonly body: T;
}
interface PayloadJson {
  metadata?: Record<string, string>;
  data?: string;
}

/** The workers and the API of one installation, with the keys it was given, as `npm start` composes them. */
interface Installation {
  readonly baseUrl: string;
  readonly codec: EncryptionCodec;
  stop(): Promise<void>;
}

/**
 * No plaintext personal data on the Temporal server: a cycle whose inputs and decisions carry a person's
 * name, ID number and an investigation opinion runs on the real dev server through the API; its history,
 * read raw from the server without the codec, holds none of it, while the codec reads it all back. The
 * keys are rotated mid-cycle, and the codec endpoint the Web UI uses decodes for national operators and
 * administrators only.
 */
describe('payload encryption on the Temporal server', () => {
  let dataSource: DataSource;
  let config: AppConfig;
  let connection: Connection;
  let installation: Installation | undefined;
  let cycleId: string;
  let history: HistoryProto;
  const tokens: Record<string, string> = {};

  async function install(keys: PayloadKey[]): Promise<Installation> {
    const codec = new EncryptionCodec(keyringOf(keys));
    const address = sharedTemporalAddress();
    const workers: RunningWorkers = await startWorkers({
      config,
      temporalAddress: address,
      dataSource,
      workflowBundle: await loadWorkflowBundle(),
      logger: createLogger('silent', 'worker'),
      payloadCodec: codec,
    });
    const app: INestApplication = await createApiApp({
      config,
      dataSource,
      temporalClient: new Client({ connection, namespace: config.temporal.namespace, dataConverter: encryptingDataConverter(codec) }),
      payloadCodec: codec,
      temporalAddress: address,
      logger: createLogger('silent', 'api'),
      jwtSecret: TEST_JWT_SECRET,
    });
    const port = await freePort();
    await app.listen(port, '127.0.0.1');
    return {
      baseUrl: `http://127.0.0.1:${port}`,
      codec,
      async stop() {
        await app.close();
        await workers.shutdown();
      },
    };
  }

  async function call<T = Record<string, unknown>>(method: string, route: string, options: { token?: string; body?: unknown; headers?: Record<string, string> } = {}): Promise<Answer<T>> {
    const response = await fetch(`${installation?.baseUrl}${route}`, {
      method,
      redirect: 'manual',
      headers: {
        ...(options.token ? { authorization: `Bearer ${options.token}` } : {}),
        ...(options.body === undefined ? {} : { 'content-type': 'application/json' }),
        ...options.headers,
      },
      body: options.body === undefined ? undefined : JSON.stringify(options.body),
    });
    const text = await response.text();
    return { status: response.status, headers: response.headers, body: (text && response.headers.get('content-type')?.includes('json') ? JSON.parse(text) : text) as T };
  }

  const decode = (payloads: PayloadJson[], token: string | undefined, headers: Record<string, string> = { 'x-namespace': 'default' }) =>
    call<{ payloads: PayloadJson[] }>('POST', '/codec/decode', { token, body: { payloads }, headers });

  async function openTaskId(nodeId: string, who: string): Promise<string> {
    const { body } = await eventually(
      () => call<{ tasks: Array<{ id: string; taskInstanceId: string }> }>('GET', `/tasks?cycleId=${encodeURIComponent(cycleId)}`, { token: tokens[who] }),
      (answer) => answer.body.tasks.some((task) => task.taskInstanceId.startsWith(`${nodeId}#`)),
    );
    return body.tasks.find((task) => task.taskInstanceId.startsWith(`${nodeId}#`))?.id ?? '';
  }

  async function decideTask(nodeId: string, who: string, decision: Record<string, unknown>): Promise<void> {
    const taskId = await openTaskId(nodeId, who);
    const answer = await call('POST', `/tasks/${encodeURIComponent(taskId)}/decision`, { token: tokens[who], body: { requestId: randomUUID(), fields: {}, ...decision } });
    expect([answer.status, answer.body]).toEqual([200, expect.anything()]);
  }

  beforeAll(async () => {
    ({ dataSource } = await freshDatabase('payload_encryption'));
    config = loadConfig({
      TEMPORAL_TASK_QUEUE_PROCUREMENT: `encryption-procurement-${randomUUID()}`,
      TEMPORAL_TASK_QUEUE_CASES: `encryption-cases-${randomUUID()}`,
      PROCUREFLOW_DATA_DIR: await scratchDir('payload-encryption'),
      PROCUREFLOW_CODEC_ORIGINS: WEB_UI,
    });
    connection = await Connection.connect({ address: sharedTemporalAddress() });
    const people: Record<string, { name: string; roles: string[]; jurisdiction?: string }> = {
      admin: { name: STAFF.admin, roles: ['administrator'] },
      drafter: { name: STAFF.drafter, roles: ['justice-bureau'] },
      reviewer: { name: STAFF.reviewer, roles: ['finance-bureau'] },
      ops: { name: '运维值班', roles: ['ops'], jurisdiction: 'cn' },
      nationalAdmin: { name: '赵部', roles: ['administrator'], jurisdiction: 'cn' },
      nationalFinance: { name: '钱部', roles: ['finance-bureau'], jurisdiction: 'cn' },
    };
    for (const [who, person] of Object.entries(people)) {
      tokens[who] = await tokenFor({ userId: who, name: person.name, roles: person.roles, jurisdiction: person.jurisdiction ?? JURISDICTION });
    }

    // Before the rotation: one key. The cycle is launched and its budget drafted, naming the person.
    installation = await install([OLD_KEY]);
    // The holiday calendar applies to every jurisdiction: a national administrator deploys it.
    const national = await tokenFor({ userId: 'national', name: '国家管理员', roles: ['administrator'], jurisdiction: 'cn' });
    expect((await call('POST', '/definitions', { token: national, body: { files: calendarFilesAround() } })).status).toBe(201);
    const deployed = await call('POST', '/definitions', { token: tokens['admin'], body: { files: [{ file: 'minimal-procedure.yaml', text: MINIMAL_PROCEDURE }] } });
    expect(deployed.status).toBe(201);
    const launched = await call('POST', '/cycles', { token: tokens['admin'], body: { definitionKey: PROCEDURE, inputs: { supervisedPersons: 40 }, title: `${PERSON}等40名社区矫正对象服务购买` } });
    expect(launched.status).toBe(201);
    cycleId = launched.body['cycleId'] as string;
    await decideTask('draftBudget', 'drafter', { outcome: 'submit', fields: { justification: `在册矫正对象${PERSON}（身份证号${ID_NUMBER}）等40人` } });

    // The rotation: a new key encrypts from now on, the old one stays to read what it encrypted. A new
    // worker replays the cycle's history, old payloads included, before it can take the next decision.
    await installation.stop();
    installation = await install([OLD_KEY, NEW_KEY]);
    await decideTask('reviewBudget', 'reviewer', { outcome: 'return', comment: OPINION });
    await openTaskId('draftBudget', 'drafter');

    history = await new Client({ connection }).workflow.getHandle(cycleId).fetchHistory();
  });

  afterAll(async () => {
    await installation?.stop();
    await connection?.close();
    await dataSource?.destroy();
  });

  it('leaves no plaintext of the name, ID number, opinion or staff names anywhere in the raw history', () => {
    const raw = Buffer.from(History.encode(history).finish());
    for (const text of PLAINTEXTS) expect([text, raw.includes(Buffer.from(text, 'utf8'))]).toEqual([text, false]);
  });

  it('encrypts every payload of the history, with the key that was active when it was written', () => {
    const found = payloadsInHistory(history);
    // Search attributes and the correlation header are for Temporal to read; nothing else is readable.
    expect(unexpectedReadablePayloads(found)).toEqual([]);
    const payloads = dataPayloads(found);
    expect(payloads.length).toBeGreaterThan(10);
    expect(dataPayloadsNotIn(found, ENCRYPTED_ENCODING)).toEqual([]);
    expect(new Set(payloads.map((payload) => metadata(payload, 'encoding')))).toEqual(new Set([ENCRYPTED_ENCODING]));
    expect(new Set(payloads.map((payload) => metadata(payload, KEY_ID_METADATA)))).toEqual(new Set([OLD_KEY.id, NEW_KEY.id]));
    const [first] = updateArguments(history);
    expect(metadata(first ?? {}, KEY_ID_METADATA)).toBe(OLD_KEY.id);
    expect(metadata(updateArguments(history)[1] ?? {}, KEY_ID_METADATA)).toBe(NEW_KEY.id);
  });

  it('reads it all back with the codec, and the read model shows it to the people who may see it', async () => {
    const decoded = await (installation as Installation).codec.decode(dataPayloads(payloadsInHistory(history)));
    const text = Buffer.concat(decoded.map((payload) => Buffer.from(payload.data ?? new Uint8Array()))).toString('utf8');
    for (const plaintext of PLAINTEXTS) expect([plaintext, text.includes(plaintext)]).toEqual([plaintext, true]);
    const shown = await call<{ tasks: { closed: Array<{ decision: { comment: string | null; fields: Record<string, unknown> | null } | null }> } }>(
      'GET',
      `/cycles/${encodeURIComponent(cycleId)}`,
      { token: tokens['admin'] },
    );
    expect(shown.body.tasks.closed.map((task) => task.decision)).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ fields: { justification: expect.stringContaining(ID_NUMBER) } }),
        expect.objectContaining({ comment: OPINION }),
      ]),
    );
  });

  describe('the codec endpoint of the Web UI', () => {
    const asJson = (payload: Payload): PayloadJson => ({
      metadata: Object.fromEntries(Object.entries(payload.metadata ?? {}).map(([name, value]) => [name, Buffer.from(value).toString('base64')])),
      data: Buffer.from(payload.data ?? new Uint8Array()).toString('base64'),
    });
    const text = (payload: PayloadJson | undefined) => Buffer.from(payload?.data ?? '', 'base64').toString('utf8');
    /** The draft (encrypted before the rotation) and the return with its opinion (after it). */
    const decisions = () => updateArguments(history).map(asJson);

    it('decodes for a national operator or administrator, payloads of the old key as of the new', async () => {
      for (const who of ['ops', 'nationalAdmin']) {
        const answer = await decode(decisions(), tokens[who]);
        expect(answer.status).toBe(200);
        const [draft, returned] = answer.body.payloads;
        expect(text(draft)).toContain(ID_NUMBER);
        expect(text(returned)).toContain(OPINION);
        expect(Buffer.from(draft?.metadata?.['encoding'] ?? '', 'base64').toString()).toBe('json/plain');
      }
    });

    it('answers 401 without a token, and 403 to other roles and to county users, even administrators', async () => {
      const anonymous = await decode(decisions(), undefined);
      expect(anonymous.status).toBe(401);
      const nationalFinance = await decode(decisions(), tokens['nationalFinance']);
      expect([nationalFinance.status, nationalFinance.body]).toEqual([403, expect.objectContaining({ message: expect.stringContaining('"administrator" or "ops"') })]);
      const countyAdmin = await decode(decisions(), tokens['admin']);
      expect([countyAdmin.status, countyAdmin.body]).toEqual([403, expect.objectContaining({ message: expect.stringContaining('only national (cn) users') })]);
      for (const plaintext of [PERSON, ID_NUMBER]) expect(JSON.stringify([anonymous.body, nationalFinance.body, countyAdmin.body])).not.toContain(plaintext);
    });

    it('serves only its own namespace', async () => {
      const answer = await decode(decisions(), tokens['ops'], { 'x-namespace': 'someone-else' });
      expect([answer.status, answer.body]).toEqual([403, expect.objectContaining({ details: [{ field: 'X-Namespace', problem: 'must be "default" (or absent)' }] })]);
    });

    it('refuses an altered payload with 422 naming it, and decodes nothing', async () => {
      const [draft, returned] = decisions();
      const data = Buffer.from(returned?.data ?? '', 'base64');
      data[20] = (data[20] ?? 0) ^ 0xff;
      const answer = await decode([draft as PayloadJson, { ...returned, data: data.toString('base64') }], tokens['ops']);
      expect(answer.status).toBe(422);
      expect(answer.body).toMatchObject({ details: [{ field: 'payloads[1]', problem: expect.stringContaining('fails authentication: it was altered') }] });
      expect(JSON.stringify(answer.body)).not.toContain(ID_NUMBER);
    });

    it('encodes with the active key what the Web UI sends to a workflow', async () => {
      const plain = { metadata: { encoding: Buffer.from('json/plain').toString('base64') }, data: Buffer.from(JSON.stringify(OPINION)).toString('base64') };
      const encoded = await call<{ payloads: PayloadJson[] }>('POST', '/codec/encode', { token: tokens['ops'], body: { payloads: [plain] } });
      expect(encoded.status).toBe(200);
      const [sealed] = encoded.body.payloads;
      expect(Buffer.from(sealed?.metadata?.[KEY_ID_METADATA] ?? '', 'base64').toString()).toBe(NEW_KEY.id);
      expect(text(sealed)).not.toContain(OPINION);
      expect((await decode(encoded.body.payloads, tokens['ops'])).body.payloads).toEqual([plain]);
    });

    it('lets the Web UI’s page call it across origins, with credentials, and no other page', async () => {
      const preflight = await call('OPTIONS', '/codec/decode', {
        headers: { origin: WEB_UI, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type,x-namespace' },
      });
      expect(preflight.status).toBe(204);
      expect(preflight.headers.get('access-control-allow-origin')).toBe(WEB_UI);
      expect(preflight.headers.get('access-control-allow-credentials')).toBe('true');
      expect(preflight.headers.get('access-control-allow-headers')?.toLowerCase()).toContain('x-namespace');
      const elsewhere = await call('OPTIONS', '/codec/decode', { headers: { origin: 'http://evil.example', 'access-control-request-method': 'POST' } });
      expect(elsewhere.status).toBe(403);
      expect(elsewhere.headers.get('access-control-allow-origin')).toBeNull();
      const fromElsewhere = await decode(decisions(), tokens['ops'], { 'x-namespace': 'default', origin: 'http://evil.example' });
      expect(fromElsewhere.status).toBe(403);
      expect(JSON.stringify(fromElsewhere.body)).not.toContain(OPINION);
    });

    it('speaks the protocol the Temporal CLI speaks: `temporal workflow show` prints the history decoded, only with a token', async () => {
      const cli = (await findInstalledBinaries(toolsDir()))?.cli;
      if (!cli) throw new Error('the Temporal CLI is not installed: run `bash scripts/install-temporal.sh` (npm test does)');
      const show = (auth: string) =>
        new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
          execFile(
            cli,
            ['workflow', 'show', '--address', sharedTemporalAddress(), '--workflow-id', cycleId, '--output', 'json', '--codec-endpoint', `${installation?.baseUrl}/codec`, '--codec-auth', auth],
            { maxBuffer: 16 * 1024 * 1024 },
            (error, stdout, stderr) => resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
          );
        });
      /** The text of every payload the CLI printed (protobuf JSON: data in base64). */
      const payloadTexts = (stdout: string) => {
        const texts: string[] = [];
        const visit = (value: unknown): void => {
          if (value === null || typeof value !== 'object') return;
          const { metadata, data } = value as { metadata?: unknown; data?: unknown };
          if (typeof data === 'string' && metadata && typeof metadata === 'object') texts.push(Buffer.from(data, 'base64').toString('utf8'));
          else Object.values(value).forEach(visit);
        };
        visit(JSON.parse(stdout));
        return texts.join('\n');
      };
      const decoded = await show(`Bearer ${tokens['ops']}`);
      expect([decoded.code, decoded.stderr]).toEqual([0, '']);
      for (const plaintext of PLAINTEXTS) expect([plaintext, payloadTexts(decoded.stdout).includes(plaintext)]).toEqual([plaintext, true]);
      // Refused, the CLI gives up on the history rather than show it undecoded.
      const refused = await show(`Bearer ${tokens['admin']}`);
      expect(refused.code).not.toBe(0);
      for (const plaintext of PLAINTEXTS) expect([plaintext, refused.stdout.includes(plaintext)]).toEqual([plaintext, false]);
    });

    it('signs a browser in with a form, so the Web UI’s requests carry the token in a cookie only /codec receives', async () => {
      const form = (token: string) =>
        fetch(`${installation?.baseUrl}/codec/session`, {
          method: 'POST',
          redirect: 'manual',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          body: new URLSearchParams({ token }).toString(),
        });
      const empty = await form('');
      expect(empty.status).toBe(401);
      expect(await empty.json()).toMatchObject({ details: [{ field: 'token', problem: 'is missing' }] });
      const refused = await form(tokens['admin'] ?? '');
      expect(refused.status).toBe(403);
      expect(refused.headers.get('set-cookie')).toBeNull();

      const signedIn = await form(tokens['ops'] ?? '');
      expect(signedIn.status).toBe(303);
      expect(signedIn.headers.get('location')).toBe('/codec/session');
      const cookie = signedIn.headers.get('set-cookie') ?? '';
      expect(cookie).toMatch(new RegExp(`^procureflow_codec=${tokens['ops']}; Max-Age=\\d+; Path=/codec; Expires=.+; HttpOnly; SameSite=Strict$`));
      const session = cookie.split(';')[0] ?? '';

      const fromTheUi = await decode(decisions(), undefined, { 'x-namespace': 'default', origin: WEB_UI, cookie: session });
      expect(fromTheUi.status).toBe(200);
      expect(fromTheUi.headers.get('access-control-allow-origin')).toBe(WEB_UI);
      expect(text(fromTheUi.body.payloads[1])).toContain(OPINION);

      const page = await call<string>('GET', '/codec/session', { headers: { cookie: session } });
      expect(page.status).toBe(200);
      expect(page.headers.get('content-type')).toContain('text/html');
      expect(page.body).toContain('Signed in as <b>运维值班</b>');

      const signedOut = await fetch(`${installation?.baseUrl}/codec/session/end`, { method: 'POST', redirect: 'manual', headers: { cookie: session } });
      expect(signedOut.status).toBe(303);
      expect(signedOut.headers.get('set-cookie')).toMatch(/^procureflow_codec=; Path=\/codec; Expires=Thu, 01 Jan 1970/);
      expect((await call<string>('GET', '/codec/session')).body).toContain('Not signed in');
    });
  });
});

/** Every payload anywhere in a history: inputs, results, memos, update arguments, markers, failure details. */

function metadata(payload: Payload, name: string): string | undefined {
  const value = payload.metadata?.[name];
  return value ? Buffer.from(value).toString('utf8') : undefined;
}

/** The argument of each accepted update (a decision), in history order. */
function updateArguments(history: HistoryProto): Payload[] {
  return (history.events ?? []).flatMap((event) => event.workflowExecutionUpdateAcceptedEventAttributes?.acceptedRequest?.input?.args?.payloads ?? []);
}
