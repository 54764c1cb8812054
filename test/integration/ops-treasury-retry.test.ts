import { randomUUID } from 'node:crypto';
import { readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { treasuryExportDir } from '../../apps/worker/src/worker.providers.js';
import { tokenFor } from '../support/api-server.js';
import { calendarFilesAround } from '../support/calendars.js';
import { readTreasuryExports, treasuryDiscrepancies } from '../support/crash-oracles.js';
import { eventually } from '../support/eventually.js';
import { edited, MINIMAL_PROCEDURE } from '../support/minimal-procedure.js';
import { type FollowedProcess, followProcess, PROCUREFLOW_BIN, runToCompletion, spawnNode } from '../support/processes.js';
import { type ProcurementApiOnSharedServer, startProcurementApi } from '../support/procurement-api.js';
import { freshCreditCode } from '../support/procurement-fixtures.js';

const JURISDICTION = 'test-county';
const PROCEDURE = 'test-county-community-correction';
const LONG_TEST_MS = 360_000;
/** Polls long enough for an activity whose backoff doubles from 5 s to reach its fourth attempt (5 + 10 s, plus the load of a shared machine). */
const ATTEMPTS = { attempts: 600, pauseMs: 200 } as const;
const REASON = '国库导出目录已恢复，重新导出';

/**
 * The minimal procedure with its comment period in seconds and a bidding window of 20 s (long enough for two
 * bids over HTTP on a loaded machine), so a contract reaches its first payment in real time on the dev server,
 * which, unlike the time-skipping server, supports Temporal's ResetActivity that `ops retry` uses.
 */
const QUICK_PROCEDURE = edited(MINIMAL_PROCEDURE, [
  ['duration: P10D', 'duration: PT1S'],
  ['window: P20D', 'window: PT20S'],
]);

/**
 * The payment the test expects, computed by hand from the procedure and the award below: 20 supervised persons
 * at 100,000 fen a person-year make a budget of 2,000,000 fen, half of it (1,000,000 fen) working funds. The
 * contract is awarded for 1,234,560 fen, so its working-funds share is 1,000,000 × 1,234,560 / 2,000,000 =
 * 617,280 fen (exact, no rounding), paid when the contract is signed.
 */
const SUPERVISED_PERSONS = 20;
const CONTRACT_FEN = 1_234_560;
const WORKING_FUNDS_FEN = '617280';

interface Answer<T = Record<string, unknown>> {
  readonly status: number;
  readonly body: T;
}
interface StuckCause {
  cause: string;
  words: string;
  activity: string | null;
  attempt: number | null;
  message: string | null;
}
interface StuckList {
  processes: Array<{ workflowId: string; kind: string; causes: StuckCause[] }>;
}
interface RetryView {
  workflowId: string;
  retriedNow: boolean;
  activities: Array<{ activityId: string; activity: string; attempt: number; lastFailure: string | null }>;
}
interface AuditView {
  action: string;
  actorId: string;
  actorRole: string;
  subjectId: string;
  comment: string | null;
}

/**
 * The proof of `ops retry` on the treasury adapter, with a real Temporal dev server and real
 * PostgreSQL, through the HTTP API and the CLI: the treasury export fails (its directory cannot be made),
 * the contract is listed as stuck with the failure message, a retry while the fault lasts exports nothing,
 * and once the fault is fixed the retry exports the payment, exactly once.
 */
describe('ops retry of a failing treasury export', () => {
  let api: ProcurementApiOnSharedServer;
  const tokens: Record<string, string> = {};
  let exportDir = '';
  /** The `ops stuck --watch` the test follows; interrupted at the end even when the test fails before. */
  let watch: FollowedProcess | undefined;

  const call = <T = Record<string, unknown>>(method: 'GET' | 'POST', route: string, who: string, body?: unknown): Promise<Answer<T>> =>
    api.call<T>(method, route, tokens[who], body);
  const inbox = async (cycleId: string, who: string) =>
    (await call<{ tasks: Array<{ id: string; nodeId: string }> }>('GET', `/tasks?cycleId=${encodeURIComponent(cycleId)}`, who)).body.tasks;
  const taskAt = async (cycleId: string, who: string, nodeId: string) =>
    (await eventually(() => inbox(cycleId, who), (tasks) => tasks.some((task) => task.nodeId === nodeId))).find((task) => task.nodeId === nodeId)?.id ?? '';
  const decide = (taskId: string, who: string, body: Record<string, unknown>) =>
    call('POST', `/tasks/${encodeURIComponent(taskId)}/decision`, who, { requestId: randomUUID(), fields: {}, ...body });
  const retry = (workflowId: string, reason: string) => call<RetryView>('POST', `/ops/processes/${encodeURIComponent(workflowId)}/retry`, 'ops', { reason, requestId: randomUUID() });
  /** The contract's causes in `GET /ops/stuck` (none: not listed). */
  const stuckCauses = async (workflowId: string) =>
    (await call<StuckList>('GET', '/ops/stuck?kind=contract', 'ops')).body.processes.find((process) => process.workflowId === workflowId)?.causes ?? [];
  const exportFailing = (causes: StuckCause[]) => causes.find((cause) => cause.cause === 'activityFailing' && cause.activity === 'exportTreasuryPayments');
  const retriesAudited = async (cycleId: string, contractId: string) =>
    (await call<{ audit: AuditView[] }>('GET', `/cycles/${encodeURIComponent(cycleId)}`, 'admin')).body.audit.filter(
      (entry) => entry.action === 'ops.activity-retried' && entry.subjectId === contractId,
    );
  const paymentRows = (contractId: string) =>
    api.dataSource.query(`SELECT p.id, p.idempotency_key, p.amount_fen::text AS amount_fen, o.exported_at IS NOT NULL AS exported FROM payments p LEFT JOIN payment_outbox o ON o.payment_id = p.id WHERE p.contract_id = $1`, [
      contractId,
    ]) as Promise<Array<{ id: string; idempotency_key: string; amount_fen: string; exported: boolean }>>;
  /** The export files' lines; none while the export directory does not exist (no export has succeeded yet). */
  const exportedLines = async () => (await stat(exportDir).catch(() => undefined)) ? (await readTreasuryExports(exportDir)).lines : [];

  beforeAll(async () => {
    api = await startProcurementApi('ops-treasury-retry', { temporal: 'shared' });
    exportDir = treasuryExportDir(api.config);
    const people: Record<string, { roles: string[]; jurisdiction?: string }> = {
      admin: { roles: ['administrator'] },
      justice: { roles: ['justice-bureau'] },
      finance: { roles: ['finance-bureau'] },
      ops: { roles: ['ops'] },
      national: { roles: ['administrator'], jurisdiction: 'cn' },
    };
    for (const [who, person] of Object.entries(people)) tokens[who] = await tokenFor({ userId: who, name: who, roles: person.roles, jurisdiction: person.jurisdiction ?? JURISDICTION });
    expect((await call('POST', '/definitions', 'national', { files: calendarFilesAround() })).status).toBe(201);
    expect((await call('POST', '/definitions', 'admin', { files: [{ file: 'quick-procedure.yaml', text: QUICK_PROCEDURE }] })).status).toBe(201);
  });

  afterAll(async () => {
    await watch?.interrupt();
    await api?.close();
  });

  /** A registry vendor, verified, with a credit code (the export pays only those), and a token for its staff. */
  async function vendor(name: string, who: string): Promise<{ vendorId: string; creditCode: string }> {
    const creditCode = freshCreditCode();
    const created = await call('POST', '/vendors', 'admin', {
      name,
      creditCode,
      registrationType: 'socialServiceAgency',
      evidence: [{ criterionId: 'registered', document: `${name}登记证书` }],
      jurisdiction: JURISDICTION,
    });
    expect(created.status).toBe(201);
    const vendorId = created.body['id'] as string;
    expect((await call('POST', `/vendors/${vendorId}/verification`, 'justice', { decision: 'verified' })).status).toBe(200);
    tokens[who] = await tokenFor({ userId: who, name: `${name}职员`, roles: ['vendor'], jurisdiction: JURISDICTION, vendorId });
    return { vendorId, creditCode };
  }

  it(
    'lists the contract as stuck with the export’s failure, exports nothing while the fault lasts, and after the fix retries it to exactly one payment',
    async () => {
      const winner = await vendor('测试县阳光社会工作服务中心', 'winnerStaff');
      const other = await vendor('测试县和谐社工事务所', 'otherStaff');

      // The fault: where the export's directory goes, a regular file. mkdir then fails with EEXIST on every
      // attempt (a permission fault would not do: tests run as root).
      const FAULT = '不是目录：国库导出目录被占用\n';
      await writeFile(exportDir, FAULT);
      const dataDirBefore = await readdir(api.config.dataDir);

      const launched = await call('POST', '/cycles', 'admin', { definitionKey: PROCEDURE, inputs: { supervisedPersons: SUPERVISED_PERSONS } });
      expect(launched.status).toBe(201);
      const cycleId = launched.body['cycleId'] as string;
      expect((await decide(await taskAt(cycleId, 'justice', 'draftBudget'), 'justice', { outcome: 'submit', fields: { justification: '按在册人数编制' } })).status).toBe(200);
      expect((await decide(await taskAt(cycleId, 'finance', 'reviewBudget'), 'finance', { outcome: 'approve' })).status).toBe(200);
      // The one-second comment period passes in real time; then bidding opens for 20 s.
      await eventually(() => call<{ selection: { biddingOpen: boolean } }>('GET', `/cycles/${cycleId}`, 'admin'), (answer) => answer.body.selection?.biddingOpen === true, ATTEMPTS.attempts, ATTEMPTS.pauseMs);
      const bid = await call('POST', `/cycles/${cycleId}/bids`, 'winnerStaff', { requestId: randomUUID(), vendorId: winner.vendorId, priceFen: CONTRACT_FEN });
      expect(bid.status).toBe(201);
      const otherBid = await call('POST', `/cycles/${cycleId}/bids`, 'otherStaff', { requestId: randomUUID(), vendorId: other.vendorId, priceFen: 1_500_000 });
      expect(otherBid.status).toBe(201);
      const awardTask = (await eventually(() => inbox(cycleId, 'justice'), (tasks) => tasks.some((task) => task.nodeId === 'award'), ATTEMPTS.attempts, ATTEMPTS.pauseMs)).find(
        (task) => task.nodeId === 'award',
      );
      const awarded = await decide(awardTask?.id ?? '', 'justice', {
        outcome: 'approve',
        payload: {
          kind: 'award',
          scores: { [bid.body['bidId'] as string]: { price: 90, plan: 85 }, [otherBid.body['bidId'] as string]: { price: 80, plan: 70 } },
          winners: [{ bidId: bid.body['bidId'], amountFen: CONTRACT_FEN }],
        },
      });
      expect(awarded.status).toBe(200);
      const contractId = `${cycleId}/contract/${winner.vendorId}`;

      // Signing instructs the working-funds payment: it is recorded, and its export keeps failing. The
      // decision is answered all the same: the export runs beside it, not in the way of its answer.
      const signing = await decide(await taskAt(cycleId, 'justice', 'signContract'), 'justice', { outcome: 'submit' });
      expect(signing.status).toBe(200);
      const failing = exportFailing(await eventually(() => stuckCauses(contractId), (causes) => (exportFailing(causes)?.attempt ?? 0) >= 2, ATTEMPTS.attempts, ATTEMPTS.pauseMs));
      expect(failing).toMatchObject({
        cause: 'activityFailing',
        words: expect.stringContaining('activity exportTreasuryPayments keeps failing'),
        activity: 'exportTreasuryPayments',
        attempt: expect.any(Number),
        message: expect.stringContaining('EEXIST'),
      });
      expect(failing?.attempt).toBeGreaterThanOrEqual(2);
      expect(failing?.message).toContain(exportDir);
      const [recorded] = await paymentRows(contractId);
      expect(recorded).toMatchObject({ amount_fen: WORKING_FUNDS_FEN, exported: false });

      // The CLI says the same to a script.
      const cli = await runToCompletion(PROCUREFLOW_BIN, { PROCUREFLOW_TOKEN: tokens['ops'] ?? '' }, ['ops', 'stuck', '--kind', 'contract', '--json', '--api', api.baseUrl]);
      expect(cli.code).toBe(0);
      const listed = (JSON.parse(cli.stdout) as StuckList).processes.find((process) => process.workflowId === contractId);
      expect(exportFailing(listed?.causes ?? [])).toMatchObject({ activity: 'exportTreasuryPayments', attempt: expect.any(Number), message: expect.stringContaining('EEXIST') });

      // Ops staff follow the stuck list live while they repair: the contract is on it now.
      const stuckWatch = followProcess(spawnNode(PROCUREFLOW_BIN, { PROCUREFLOW_TOKEN: tokens['ops'] ?? '' }, ['ops', 'stuck', '--kind', 'contract', '--watch', '--api', api.baseUrl]));
      // Piped output is not cleared between renders: each is a table starting with its header, or the empty list's sentence.
      const renders = (stdout: string) => stdout.split(/^(?=PROCESS\s+KIND\s|Nothing is stuck\.)/m).filter((render) => render.trim() !== '');
      const showsFailingExport = (render: string) => render.includes(contractId) && /activityFailing .*exportTreasuryPayments keeps failing .*EEXIST/.test(render);
      watch = stuckWatch;
      await stuckWatch.until((stdout) => renders(stdout).some(showsFailingExport));

      // While the fault lasts, a retry is taken and runs the export at once, which meets the same fault.
      const early = await retry(contractId, '先重试一次，确认故障仍在');
      expect(early.status).toBe(200);
      expect(early.body).toMatchObject({
        workflowId: contractId,
        retriedNow: true,
        activities: [{ activity: 'exportTreasuryPayments', attempt: expect.any(Number), lastFailure: expect.stringContaining('EEXIST') }],
      });
      expect(early.body.activities).toHaveLength(1);
      // The reset attempt starts at 1; wait until it and the next two have failed, so the next attempt waits
      // 20 s and the retry below, not Temporal's own schedule, is what runs the export after the fix.
      await eventually(() => stuckCauses(contractId), (causes) => (exportFailing(causes)?.attempt ?? 0) >= 4, ATTEMPTS.attempts, ATTEMPTS.pauseMs);
      expect(exportFailing(await stuckCauses(contractId))?.message).toContain('EEXIST');
      // Nothing went to the treasury: the fault is still the file it was (no export directory, so no export
      // file, not even a partial one), nothing else appeared beside it, and the payment is still pending.
      expect((await stat(exportDir)).isFile()).toBe(true);
      expect(await readFile(exportDir, 'utf8')).toBe(FAULT);
      expect(await readdir(api.config.dataDir)).toEqual(dataDirBefore);
      expect(await paymentRows(contractId)).toEqual([{ ...recorded, exported: false }]);

      // The fix, then the retry with its reason: the export runs now and pays exactly once.
      await rm(exportDir);
      const fixed = await retry(contractId, REASON);
      expect(fixed.status).toBe(200);
      expect(fixed.body).toMatchObject({ workflowId: contractId, retriedNow: true, activities: [{ activity: 'exportTreasuryPayments', lastFailure: expect.stringContaining('EEXIST') }] });
      expect(fixed.body.activities[0]?.attempt).toBeGreaterThanOrEqual(4);
      const lines = await eventually(exportedLines, (found) => found.length > 0, ATTEMPTS.attempts, ATTEMPTS.pauseMs);
      const payments = await paymentRows(contractId);
      expect(payments).toEqual([{ id: recorded?.id, idempotency_key: recorded?.idempotency_key, amount_fen: WORKING_FUNDS_FEN, exported: true }]);
      expect(lines).toEqual([expect.objectContaining({ paymentId: recorded?.id, idempotencyKey: recorded?.idempotency_key, amountFen: WORKING_FUNDS_FEN, payeeCreditCode: winner.creditCode })]);
      expect(await treasuryDiscrepancies(api.dataSource, exportDir)).toEqual([]);
      await eventually(() => stuckCauses(contractId), (causes) => causes.length === 0);
      // The live view shows it too: a render after the fix no longer lists the contract. Ctrl-C ends it, exit 0.
      const rendersSoFar = renders(stuckWatch.stdout()).length;
      await stuckWatch.until((stdout) => renders(stdout).slice(rendersSoFar).some((render) => !render.includes(contractId)));
      expect(await stuckWatch.interrupt()).toEqual({ code: 0, signal: null });
      expect(stuckWatch.stderr()).toBe('');

      // Both retries are in the cycle's audit trail, with their reasons, by the ops member.
      const audited = await retriesAudited(cycleId, contractId);
      expect(audited.map((entry) => [entry.actorId, entry.actorRole, entry.comment])).toEqual([
        ['ops', 'ops', '先重试一次，确认故障仍在'],
        ['ops', 'ops', REASON],
      ]);

      // Healthy now: a second retry is refused and writes nothing, and still exactly one payment is exported.
      const again = await retry(contractId, REASON);
      expect(again.status).toBe(409);
      expect(again.body).toMatchObject({ message: expect.stringContaining('Nothing in') });
      expect(await retriesAudited(cycleId, contractId)).toHaveLength(2);
      expect(await exportedLines()).toEqual(lines);
      expect(await paymentRows(contractId)).toHaveLength(1);
    },
    LONG_TEST_MS,
  );
});
