import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import protos from '@temporalio/proto';
import type { DataSource } from 'typeorm';
import { ENCRYPTED_ENCODING } from '../../src/payload-encryption/encryption-codec.js';
import { caseWorkflowId } from '../../workflows/cases/messages.js';
import { eventually } from '../support/eventually.js';
import { dataPayloads, payloadsInHistory, unexpectedReadablePayloads } from '../support/history-payloads.js';
import { insertVendor, launchCycle, startContract } from '../support/procurement-fixtures.js';
import { type RunningStack, startStack } from '../support/stack.js';

const { History } = protos.temporal.api.history.v1;

const JURISDICTION = 'zj-deqing';
const LIFECYCLE = 'community-correction-case';
/** The pre-sentence investigation opinion (seed 004 §二(五)), with a marker no other text contains. */
const MARKER = `保密标记-${randomUUID()}`;
const OPINION = `调查评估意见：被告人悔罪表现较好，建议适用社区矫正。${MARKER}`;

/** A confidential case attribute's value, and the one `attributes.updated` changes it to, each marked apart. */
const ATTRIBUTE_MARKER = `保密属性-${randomUUID()}`;
const UPDATED_MARKER = `保密属性更新-${randomUUID()}`;
/**
 * The seed lifecycle under a key of its own, with a confidential attribute: the opinion kept on the case
 * itself, read by the same roles as the timeline's opinion.
 */
const ATTRIBUTE_LIFECYCLE = 'community-correction-case-confidential-attribute';
const ATTRIBUTE_LIFECYCLE_TEXT = readFileSync(new URL('../../definitions/supervision/community-correction-case.yaml', import.meta.url), 'utf8')
  .replace('  key: community-correction-case\n', `  key: ${ATTRIBUTE_LIFECYCLE}\n`)
  .replace(
    '\nattributes:\n',
    `\nattributes:
  - id: opinionOnFile
    title: { zh: 调查评估意见（存档）, en: Investigation opinion on file }
    type: string
    maxLength: 2000
    confidential: { readableBy: [judicial-office, justice-bureau] }
`,
  );

/** The roles the seed lifecycle lets read the opinion (`confidential.readableBy`). */
const READERS = ['judicial-office', 'justice-bureau'];
/** Every other officer role of the jurisdiction. */
const OTHERS = ['administrator', 'finance-bureau', 'procurement-centre', 'civil-affairs', 'third-party-evaluator'];

interface CaseView {
  id: string;
  attributes: Record<string, unknown>;
  withheldAttributes: string[];
  timeline: Array<{ type: string; payload: Record<string, unknown>; withheld: string[] }>;
}

/**
 * The confidential opinion of the seed lifecycle, recorded through the shipped stack (`npm start`'s entry:
 * the API and the worker in one process, at debug level, every line it prints kept): the roles the
 * lifecycle names read it; it is absent from the process's logs, every published notice, every other
 * role's and other organisations' answers, the audit trail and Temporal's raw history.
 */
describe('the confidential investigation opinion', () => {
  let stack: RunningStack | undefined;
  let dataSource: DataSource;
  let caseId = '';
  let attributeCaseId = '';
  const tokens: Record<string, string> = {};

  const api = async (method: 'GET' | 'POST', route: string, token: string | undefined, body?: unknown) => {
    const response = await fetch(`${(stack as RunningStack).baseUrl}${route}`, {
      method,
      headers: { ...(token === undefined ? {} : { authorization: `Bearer ${token}` }), ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    return { status: response.status, text, body: (text ? JSON.parse(text) : {}) as Record<string, unknown> };
  };

  beforeAll(async () => {
    // Trace: the most the process would ever say about a request, an Update or an activity.
    stack = await startStack('case-confidentiality', { logLevel: 'trace' });
    dataSource = stack.dataSource;
    const sign = stack.sign;
    for (const role of [...READERS, ...OTHERS]) tokens[role] = await sign({ userId: `${role}.1`, name: role, roles: [role], jurisdiction: JURISDICTION });
    const serving = await insertVendor(dataSource, { name: '德清县阳光社工服务中心' });
    const other = await insertVendor(dataSource, { name: '湖州市启航社工事务所' });
    tokens['serving-staff'] = await sign({ userId: 'staff.serving', name: '社工李', roles: ['vendor'], jurisdiction: JURISDICTION, vendorId: serving.id });
    tokens['other-staff'] = await sign({ userId: 'staff.other', name: '社工赵', roles: ['vendor'], jurisdiction: JURISDICTION, vendorId: other.id });
    const contractId = await startContract(dataSource, await launchCycle(dataSource, { jurisdiction: JURISDICTION }), { vendorId: serving.id, vendorName: '德清县阳光社工服务中心' });

    const enrolled = await api('POST', '/cases', tokens['judicial-office'], { lifecycleKey: LIFECYCLE, attributes: { riskLevel: 'low' }, contractId });
    expect(enrolled.status).toBe(201);
    caseId = enrolled.body['caseId'] as string;
    const today = new Date(Date.now() + 8 * 3_600_000).toISOString().slice(0, 10);
    const recorded = await api('POST', `/cases/${caseId}/events`, tokens['judicial-office'], { type: 'investigation.reported', payload: { date: today, opinion: OPINION }, requestId: randomUUID() });
    expect(recorded.status).toBe(200);
    expect(recorded.text).not.toContain(MARKER);
    // Refused opinions are not echoed either: longer than the lifecycle's 4,000 characters (the case refuses
    // it), and longer than any text field the API takes (the request validation refuses it).
    for (const [times, field] of [[80, 'payload.opinion'], [200, 'payload']] as const) {
      const refused = await api('POST', `/cases/${caseId}/events`, tokens['judicial-office'], { type: 'investigation.reported', payload: { date: today, opinion: OPINION.repeat(times) }, requestId: randomUUID() });
      expect([refused.status, refused.text.includes(MARKER)]).toEqual([422, false]);
      expect(JSON.stringify(refused.body['details'])).toContain(field);
    }
    // The serving organisation's staff record evidence on the case, so the case has a timeline they read too.
    expect((await api('POST', `/cases/${caseId}/events`, tokens['serving-staff'], { type: 'archive.created', payload: { date: today, employment: '务工', family: '父母同住', health: '良好' }, requestId: randomUUID() })).status).toBe(200);
    await eventually(
      () => api('GET', `/cases/${caseId}`, tokens['judicial-office']),
      (answer) => answer.status === 200 && (answer.body as unknown as CaseView).timeline.length === 2,
    );

    // A case of the lifecycle with a confidential attribute, enrolled with it and then changed by `attributes.updated`.
    const national = await sign({ userId: 'administrator.cn', name: 'administrator', roles: ['administrator'], jurisdiction: 'cn' });
    expect((await api('POST', '/definitions', national, { files: [{ file: `${ATTRIBUTE_LIFECYCLE}.yaml`, text: ATTRIBUTE_LIFECYCLE_TEXT }] })).status).toBe(201);
    const withAttribute = await api('POST', '/cases', tokens['judicial-office'], { lifecycleKey: ATTRIBUTE_LIFECYCLE, attributes: { riskLevel: 'low', opinionOnFile: ATTRIBUTE_MARKER }, contractId });
    expect(withAttribute.status).toBe(201);
    expect(withAttribute.text).not.toContain(ATTRIBUTE_MARKER);
    attributeCaseId = withAttribute.body['caseId'] as string;
    await eventually(
      () => api('GET', `/cases/${attributeCaseId}`, tokens['judicial-office']),
      (answer) => answer.status === 200,
    );
    const updated = await api('POST', `/cases/${attributeCaseId}/events`, tokens['judicial-office'], { type: 'attributes.updated', payload: { attributes: { opinionOnFile: UPDATED_MARKER } }, requestId: randomUUID() });
    expect([updated.status, updated.text.includes(UPDATED_MARKER)]).toEqual([200, false]);
    await eventually(
      () => api('GET', `/cases/${attributeCaseId}`, tokens['judicial-office']),
      (answer) => answer.status === 200 && (answer.body as unknown as CaseView).attributes['opinionOnFile'] === UPDATED_MARKER,
    );
  });

  afterAll(async () => {
    if (attributeCaseId && stack) await (await stack.temporal()).workflow.getHandle(caseWorkflowId(attributeCaseId)).terminate().catch(() => undefined);
    if (caseId && stack) await (await stack.temporal()).workflow.getHandle(caseWorkflowId(caseId)).terminate().catch(() => undefined);
    await stack?.close();
  });

  it('is read by the roles the lifecycle names, in the case’s timeline', async () => {
    for (const role of READERS) {
      const view = (await api('GET', `/cases/${caseId}`, tokens[role])).body as unknown as CaseView;
      expect([role, view.timeline.find((event) => event.type === 'investigation.reported')?.payload]).toEqual([role, { date: expect.any(String), opinion: OPINION }]);
    }
  });

  it('is withheld from every other role and from the serving organisation’s staff, and the other organisation sees no case', async () => {
    for (const role of [...OTHERS, 'serving-staff']) {
      const answer = await api('GET', `/cases/${caseId}`, tokens[role]);
      const list = await api('GET', '/cases', tokens[role]);
      expect([role, answer.text.includes(MARKER), list.text.includes(MARKER)]).toEqual([role, false, false]);
      if (answer.status === 200) {
        const opinion = (answer.body as unknown as CaseView).timeline.find((event) => event.type === 'investigation.reported');
        expect([role, opinion?.withheld]).toEqual([role, ['opinion']]);
      }
    }
    // The serving organisation's staff reach the case and read the rest of the timeline.
    expect((await api('GET', `/cases/${caseId}`, tokens['serving-staff'])).status).toBe(200);
    const other = await api('GET', `/cases/${caseId}`, tokens['other-staff']);
    expect(other.status).toBe(404);
    expect(other.text).not.toContain(MARKER);
    expect((await api('GET', '/cases', tokens['other-staff'])).text).not.toContain(MARKER);
  });

  it('as a case attribute, is read by the roles the lifecycle names, in the case list, the case and its attributes.updated event', async () => {
    for (const role of READERS) {
      const view = (await api('GET', `/cases/${attributeCaseId}`, tokens[role])).body as unknown as CaseView;
      expect([role, view.attributes['opinionOnFile'], view.attributes['riskLevel'], view.withheldAttributes]).toEqual([role, UPDATED_MARKER, 'low', []]);
      const change = view.timeline.find((event) => event.type === 'attributes.updated');
      expect([role, change?.payload, change?.withheld]).toEqual([role, { attributes: { opinionOnFile: UPDATED_MARKER } }, []]);
      const listed = ((await api('GET', '/cases', tokens[role])).body['cases'] as CaseView[]).find((entry) => entry.id === attributeCaseId);
      expect([role, listed?.attributes['opinionOnFile'], listed?.withheldAttributes]).toEqual([role, UPDATED_MARKER, []]);
    }
  });

  it('as a case attribute, is withheld from every other role and the serving organisation’s staff, in the case list and the case, which say they withheld it', async () => {
    for (const role of [...OTHERS, 'serving-staff', 'other-staff']) {
      const answer = await api('GET', `/cases/${attributeCaseId}`, tokens[role]);
      const list = await api('GET', '/cases', tokens[role]);
      expect([role, list.status]).toEqual([role, 200]);
      for (const marker of [ATTRIBUTE_MARKER, UPDATED_MARKER]) expect([role, answer.text.includes(marker), list.text.includes(marker)]).toEqual([role, false, false]);
      if (answer.status === 200) {
        const view = answer.body as unknown as CaseView;
        // Only the confidential attribute is held back; the others still reach them.
        expect([role, 'opinionOnFile' in view.attributes, view.attributes['riskLevel'], view.withheldAttributes]).toEqual([role, false, 'low', ['opinionOnFile']]);
        const change = view.timeline.find((event) => event.type === 'attributes.updated');
        expect([role, change?.payload, change?.withheld]).toEqual([role, { attributes: {} }, ['attributes.opinionOnFile']]);
      }
      const listed = (list.body['cases'] as CaseView[]).find((entry) => entry.id === attributeCaseId);
      if (listed) expect([role, 'opinionOnFile' in listed.attributes, listed.attributes['riskLevel'], listed.withheldAttributes]).toEqual([role, false, 'low', ['opinionOnFile']]);
    }
    // Not vacuous: the serving organisation's staff reach the case, in the list too, and the other organisation does not.
    expect((await api('GET', `/cases/${attributeCaseId}`, tokens['serving-staff'])).status).toBe(200);
    expect(((await api('GET', '/cases', tokens['serving-staff'])).body['cases'] as CaseView[]).map((entry) => entry.id)).toContain(attributeCaseId);
    expect((await api('GET', `/cases/${attributeCaseId}`, tokens['other-staff'])).status).toBe(404);
  });

  // No part of the case workflow publishes notices (only procurement cycles do); this holds it to that.
  it('is in no published notice', async () => {
    const listed = await api('GET', '/public/notices?limit=100', undefined);
    expect(listed.status).toBe(200);
    expect(listed.text).not.toContain(MARKER);
    for (const notice of (listed.body['notices'] as Array<{ id: string }> | undefined) ?? []) {
      expect((await api('GET', `/public/notices/${notice.id}`, undefined)).text).not.toContain(MARKER);
    }
  });

  it('is not in the audit trail, which the case’s events did reach', async () => {
    const entries = (await dataSource.query(`SELECT * FROM audit_entries WHERE subject_id = $1 ORDER BY id`, [caseId])) as Array<{ action: string }>;
    expect(entries.map((entry) => entry.action)).toEqual(['case.enrolled', 'case.event.investigation.reported', 'case.event.archive.created']);
    expect(JSON.stringify(await dataSource.query(`SELECT * FROM audit_entries`))).not.toContain(MARKER);
    const verified = await api('GET', '/audit/verify', tokens['administrator']);
    expect(verified.status).toBe(200);
    expect(verified.text).not.toContain(MARKER);
  });

  it('is encrypted on the Temporal server: the raw history, no codec applied, does not hold it', async () => {
    const history = await (await (stack as RunningStack).temporal()).workflow.getHandle(caseWorkflowId(caseId)).fetchHistory();
    const raw = Buffer.from(History.encode(history).finish());
    expect(raw.includes(Buffer.from(MARKER, 'utf8'))).toBe(false);
    // Not merely elsewhere: the Update carrying it is in this history, and every payload there is encrypted.
    const accepted = (history.events ?? []).filter((event) => event.workflowExecutionUpdateAcceptedEventAttributes);
    expect(accepted.length).toBe(2);
    const payloads = payloadsInHistory(history);
    const data = dataPayloads(payloads);
    expect(data.length).toBeGreaterThan(0);
    expect(new Set(data.map((payload) => Buffer.from(payload.metadata?.['encoding'] ?? new Uint8Array()).toString('utf8')))).toEqual(new Set([ENCRYPTED_ENCODING]));
    // Readable on purpose, and only these: the search attributes Temporal indexes (kind, jurisdiction,
    // definition, step, status, next due) and the request's correlation id in headers.
    expect(unexpectedReadablePayloads(payloads)).toEqual([]);
  });

  it('is absent from everything the API and the worker printed, which did log the case', () => {
    const printed = (stack as RunningStack).printed();
    // Both components' lines were captured: the API's request log names the case; the worker logged its start.
    expect(printed).toContain(caseId);
    expect(printed).toContain('"component":"worker"');
    expect(printed.includes(MARKER)).toBe(false);
  });
});
