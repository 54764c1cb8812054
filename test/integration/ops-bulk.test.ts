import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import { PROJECT_ROOT } from '../../src/config/project-root.js';
import { tokenFor } from '../support/api-server.js';
import { calendarFilesAround } from '../support/calendars.js';
import { eventually } from '../support/eventually.js';
import { PROCUREFLOW_BIN, runToCompletion } from '../support/processes.js';
import { type ProcurementApiOnSharedServer, startProcurementApi } from '../support/procurement-api.js';
import { readModelSnapshot } from '../support/procurement-fixtures.js';
import { refuseWrites } from '../support/refused-writes.js';

const JURISDICTION = 'test-county';
const PROCEDURE = 'test-county-community-correction';
const MINIMAL_PROCEDURE = readFileSync(path.join(PROJECT_ROOT, 'test/unit/definitions/fixtures/minimal-procedure.yaml'), 'utf8');

interface Selection {
  selectionId: string;
  action: string;
  count: number;
  workflowIds: string[];
  execution: string;
}
interface Execution {
  selectionId: string;
  count: number;
  done: number;
  alreadyEnded: number;
  failed: number;
  outcomes: Array<{ workflowId: string; outcome: string; message: string | null }>;
}
interface AuditRow {
  action: string;
  actor_id: string;
  actor_role: string;
  subject_id: string;
  comment: string | null;
  details: Record<string, unknown>;
}

/**
 * Ops staff end processes with a reason: cancel (through the workflow), terminate (Temporal's, recorded
 * by the API), and both in bulk, acting only on the frozen list of a dry run. Real PostgreSQL, the
 * test run's Temporal dev server, the real workflows and activities, everything through HTTP.
 */
describe('ops cancel, terminate and bulk actions', () => {
  let api: ProcurementApiOnSharedServer;
  const tokens: Record<string, string> = {};
  const as = (who: string) => {
    const token = tokens[who];
    if (!token) throw new Error(`no token for ${who}`);
    return token;
  };

  beforeAll(async () => {
    api = await startProcurementApi('ops-bulk', { temporal: 'shared' });
    const people: Record<string, { roles: string[]; jurisdiction?: string }> = {
      admin: { roles: ['administrator'] },
      ops: { roles: ['ops'] },
      nationalAdmin: { roles: ['administrator'], jurisdiction: 'cn' },
      otherOps: { roles: ['ops'], jurisdiction: 'zj-anji' },
    };
    for (const [who, person] of Object.entries(people)) {
      tokens[who] = await tokenFor({ userId: who, name: who, roles: person.roles, jurisdiction: person.jurisdiction ?? JURISDICTION });
    }
    expect((await api.call('POST', '/definitions', as('admin'), { files: [{ file: 'minimal-procedure.yaml', text: MINIMAL_PROCEDURE }] })).status).toBe(201);
    expect((await api.call('POST', '/definitions', as('nationalAdmin'), { files: calendarFilesAround() })).status).toBe(201);
  });

  afterAll(async () => {
    await api?.close();
  });

  /** Launches a cycle and waits until the read model holds it (as a filter would find it). */
  async function launchCycle(): Promise<string> {
    const launched = await api.call<{ cycleId: string }>('POST', '/cycles', as('admin'), { definitionKey: PROCEDURE, inputs: { supervisedPersons: 40 } });
    expect(launched.status).toBe(201);
    const id = launched.body.cycleId;
    // Until the launch's first projection (its first step and task) has landed, the read model still changes by itself.
    await eventually(
      () => api.dataSource.query(`SELECT status FROM cycles c WHERE id = $1 AND EXISTS (SELECT 1 FROM cycle_steps WHERE workflow_id = c.id)`, [id]) as Promise<unknown[]>,
      (rows) => rows.length === 1,
    );
    return id;
  }

  const cycleStatus = async (id: string) => ((await api.dataSource.query(`SELECT status, end_reason FROM cycles WHERE id = $1`, [id])) as Array<{ status: string; end_reason: string | null }>)[0];
  const temporalStatus = async (id: string) => (await api.temporalClient.workflow.getHandle(id).describe()).status.name;
  const auditOf = async (action: string, ids: readonly string[]) =>
    (await api.dataSource.query(`SELECT action, actor_id, actor_role, subject_id, comment, details FROM audit_entries WHERE action = $1 AND subject_id = ANY($2) ORDER BY subject_id`, [
      action,
      ids,
    ])) as AuditRow[];
  const everything = async () => ({ ...(await readModelSnapshot(api.dataSource)), selections: (await api.dataSource.query(`SELECT * FROM ops_bulk_selections ORDER BY id`)) as unknown[] });

  describe('a bulk cancel by filter', () => {
    it('acts on exactly the dry run’s list: a cycle launched in between is not touched', async () => {
      const chosen = [await launchCycle(), await launchCycle(), await launchCycle()];
      const reason = '2026年预算取消，撤销本批周期';

      const dryRun = await api.call<Selection>('POST', '/ops/bulk', as('ops'), { action: 'cancel', filter: { definition: PROCEDURE, jurisdiction: JURISDICTION, status: 'running' }, reason, dryRun: true });
      expect(dryRun.status).toBe(201);
      expect(dryRun.body).toMatchObject({ action: 'cancel', count: 3, workflowIds: [...chosen].sort() });
      // A dry run changes nothing but the stored selection.
      expect((await Promise.all(chosen.map(cycleStatus))).map((row) => row?.status)).toEqual(['running', 'running', 'running']);

      const latecomer = await launchCycle();
      const requestId = `bulk-${randomUUID()}`;
      const executed = await api.call<Execution>('POST', dryRun.body.execution, as('ops'), { reason, requestId });
      expect(executed.status).toBe(200);
      expect(executed.body).toMatchObject({ selectionId: dryRun.body.selectionId, count: 3, done: 3, alreadyEnded: 0, failed: 0 });
      expect(executed.body.outcomes).toEqual([...chosen].sort().map((workflowId) => ({ workflowId, outcome: 'done', message: null })));

      for (const id of chosen) {
        expect(await cycleStatus(id)).toEqual({ status: 'cancelled', end_reason: reason });
        expect(await eventually(() => temporalStatus(id), (status) => status !== 'RUNNING')).toBe('COMPLETED');
      }
      const audit = await auditOf('cycle.cancelled', chosen);
      expect(audit.map((entry) => [entry.subject_id, entry.actor_id, entry.actor_role, entry.comment])).toEqual([...chosen].sort().map((id) => [id, 'ops', 'ops', reason]));

      expect(await cycleStatus(latecomer)).toEqual({ status: 'running', end_reason: null });
      expect(await temporalStatus(latecomer)).toBe('RUNNING');
      expect(await auditOf('cycle.cancelled', [latecomer])).toEqual([]);

      // Executing again has one effect: the same request answers the first outcome, another is refused.
      const before = await everything();
      const again = await api.call<Execution>('POST', dryRun.body.execution, as('ops'), { reason, requestId });
      expect(again.status).toBe(200);
      expect(again.body).toEqual(executed.body);
      const other = await api.call('POST', dryRun.body.execution, as('ops'), { reason, requestId: `bulk-${randomUUID()}` });
      expect(other.status).toBe(409);
      expect(other.body).toMatchObject({ details: [{ field: 'requestId' }] });
      expect(await everything()).toEqual(before);

      // The latecomer is left for the next selection, which lists it alone.
      const next = await api.call<Selection>('POST', '/ops/bulk', as('ops'), { action: 'cancel', filter: { definition: PROCEDURE }, reason, dryRun: true });
      expect(next.body).toMatchObject({ count: 1, workflowIds: [latecomer] });
      // An age is measured from the dry run's own instant and kept as the instant it reached back to.
      const aged = await api.call<Selection & { filter: { olderThan: string }; selectedAt: string }>('POST', '/ops/bulk', as('ops'), {
        action: 'cancel',
        filter: { definition: PROCEDURE, olderThan: '1d' },
        reason,
        dryRun: true,
      });
      expect(aged.status).toBe(201);
      expect(aged.body).toMatchObject({ count: 0, workflowIds: [] });
      expect(Date.parse(aged.body.selectedAt) - Date.parse(aged.body.filter.olderThan)).toBe(86_400_000);
      const started = await api.call<Selection>('POST', '/ops/bulk', as('ops'), { action: 'cancel', filter: { definition: PROCEDURE, olderThan: '2999-01-01' }, reason, dryRun: true });
      expect(started.body).toMatchObject({ count: 1, workflowIds: [latecomer] });
    });

    it('refuses a request that is not a dry run, an empty reason, a foreign jurisdiction, naming the field and storing nothing', async () => {
      const before = await everything();
      const notDry = await api.call('POST', '/ops/bulk', as('ops'), { action: 'cancel', filter: {}, reason: '清理', dryRun: false });
      expect(notDry.status).toBe(422);
      expect(notDry.body).toMatchObject({ details: [{ field: 'dryRun' }] });
      const blank = await api.call('POST', '/ops/bulk', as('ops'), { action: 'terminate', filter: {}, reason: '   ', dryRun: true });
      expect(blank.status).toBe(422);
      expect(blank.body).toMatchObject({ details: [{ field: 'reason' }] });
      const foreign = await api.call('POST', '/ops/bulk', as('ops'), { action: 'cancel', filter: { jurisdiction: 'zj-anji' }, reason: '清理', dryRun: true });
      expect(foreign.status).toBe(422);
      expect(foreign.body).toMatchObject({ details: [{ field: 'filter.jurisdiction' }] });
      const badStatus = await api.call('POST', '/ops/bulk', as('ops'), { action: 'cancel', filter: { status: 'sleeping' }, reason: '清理', dryRun: true });
      expect(badStatus.status).toBe(422);
      expect(badStatus.body).toMatchObject({ details: [{ field: 'filter.status' }] });
      const badAge = await api.call('POST', '/ops/bulk', as('ops'), { action: 'cancel', filter: { olderThan: 'a while' }, reason: '清理', dryRun: true });
      expect(badAge.status).toBe(422);
      expect(badAge.body).toMatchObject({ details: [{ field: 'filter.olderThan' }] });
      expect(await everything()).toEqual(before);
    });

    it('refuses to execute an expired selection, touching nothing', async () => {
      const selection = await api.call<Selection>('POST', '/ops/bulk', as('ops'), { action: 'cancel', filter: {}, reason: '清理', dryRun: true });
      // An hour has passed, as far as the selection knows.
      await api.dataSource.query(`UPDATE ops_bulk_selections SET selected_at = selected_at - interval '2 hours', expires_at = expires_at - interval '2 hours' WHERE id = $1`, [selection.body.selectionId]);
      const before = await everything();
      const late = await api.call('POST', selection.body.execution, as('ops'), { reason: '清理', requestId: 'late-run' });
      expect(late.status).toBe(409);
      expect(late.body['message']).toContain('expired');
      expect(await everything()).toEqual(before);
      expect((await api.call('POST', `/ops/bulk/${randomUUID()}/execution`, as('ops'), { reason: '清理', requestId: 'no-such' })).status).toBe(404);
    });

    it('keeps another jurisdiction’s ops staff out of the processes and the selection', async () => {
      const id = await launchCycle();
      const theirs = await api.call<Selection>('POST', '/ops/bulk', as('otherOps'), { action: 'terminate', filter: {}, reason: '清理', dryRun: true });
      expect(theirs.body).toMatchObject({ count: 0, workflowIds: [] });
      const ours = await api.call<Selection>('POST', '/ops/bulk', as('ops'), { action: 'terminate', filter: {}, reason: '清理', dryRun: true });
      expect(ours.body.workflowIds).toContain(id);
      const before = await everything();
      expect((await api.call('POST', ours.body.execution, as('otherOps'), { reason: '清理', requestId: 'foreign-run' })).status).toBe(404);
      expect((await api.call('POST', `/ops/processes/${encodeURIComponent(id)}/termination`, as('otherOps'), { reason: '清理' })).status).toBe(404);
      expect(await everything()).toEqual(before);
    });
  });

  describe('a bulk terminate whose record fails for one process', () => {
    it('reports that one failed with the message, and the same request finishes it once the fault is gone', async () => {
      // End what earlier tests left running, so the selection holds only this test's cycles.
      const leftovers = await api.call<Selection>('POST', '/ops/bulk', as('ops'), { action: 'terminate', filter: {}, reason: '清理测试遗留', dryRun: true });
      expect((await api.call<Execution>('POST', leftovers.body.execution, as('ops'), { reason: '清理测试遗留', requestId: `cleanup-${randomUUID()}` })).body.failed).toBe(0);
      const [healthy, refused] = [await launchCycle(), await launchCycle()].sort() as [string, string];
      const owner = new pg.Client({ connectionString: api.migrationUrl });
      await owner.connect();
      try {
        // The database refuses the termination record of one cycle, as a violated CHECK would.
        const repairCycles = await refuseWrites(owner, {
          name: 'test_refuse_termination',
          table: 'cycles',
          on: 'UPDATE',
          when: `NEW.id = '${refused}' AND NEW.status = 'terminated'`,
          message: `'cycles are read-only during maintenance'`,
        });
        const reason = '批量终止（含故障）';
        const selection = await api.call<Selection>('POST', '/ops/bulk', as('ops'), { action: 'terminate', filter: { definition: PROCEDURE }, reason, dryRun: true });
        expect(selection.body.workflowIds).toEqual([healthy, refused]);
        const first = await api.call<Execution>('POST', selection.body.execution, as('ops'), { reason, requestId: 'faulty-run' });
        expect(first.body).toMatchObject({ count: 2, done: 1, failed: 1 });
        expect(first.body.outcomes).toEqual([
          { workflowId: healthy, outcome: 'done', message: null },
          { workflowId: refused, outcome: 'failed', message: expect.stringContaining('read-only during maintenance') },
        ]);
        // Nothing of the refused record was written: the cycle still reads running, with no audit entry.
        expect(await cycleStatus(refused)).toEqual({ status: 'running', end_reason: null });
        expect(await auditOf('cycle.terminated', [refused])).toEqual([]);

        await repairCycles();
        const again = await api.call<Execution>('POST', selection.body.execution, as('ops'), { reason, requestId: 'faulty-run' });
        expect(again.body).toMatchObject({ count: 2, done: 2, failed: 0 });
        for (const id of [healthy, refused]) {
          expect(await cycleStatus(id)).toEqual({ status: 'terminated', end_reason: reason });
          expect(await temporalStatus(id)).toBe('TERMINATED');
        }
        expect((await auditOf('cycle.terminated', [healthy, refused])).map((entry) => entry.subject_id)).toEqual([healthy, refused]);
      } finally {
        await owner.end();
      }
    });
  });

  describe('terminate', () => {
    it('terminates the cycle in Temporal; the read model says so and the audit trail has the reason', async () => {
      const id = await launchCycle();
      const reason = '工作流代码不再兼容，终止并人工处理';
      const route = `/ops/processes/${encodeURIComponent(id)}/termination`;
      const answer = await api.call('POST', route, as('ops'), { reason, requestId: 'terminate-1' });
      expect(answer.status).toBe(200);
      expect(answer.body).toEqual({ workflowId: id, kind: 'cycle', action: 'terminate', outcome: 'done', status: 'terminated', reason, requestId: 'terminate-1' });

      expect(await temporalStatus(id)).toBe('TERMINATED');
      expect(await cycleStatus(id)).toEqual({ status: 'terminated', end_reason: reason });
      expect((await api.dataSource.query(`SELECT count(*)::int AS open FROM tasks WHERE cycle_id = $1 AND status = 'open'`, [id]))[0]).toEqual({ open: 0 });
      const audit = await auditOf('cycle.terminated', [id]);
      expect(audit).toEqual([
        { action: 'cycle.terminated', actor_id: 'ops', actor_role: 'ops', subject_id: id, comment: reason, details: { cycleId: id, requestId: 'terminate-1', repair: 'terminate' } },
      ]);
      const shown = await api.call<{ status: string; audit: Array<{ action: string }> }>('GET', `/cycles/${encodeURIComponent(id)}`, as('admin'));
      expect(shown.body.status).toBe('terminated');
      expect(shown.body.audit.map((entry) => entry.action)).toEqual(['cycle.launched', 'cycle.terminated']);

      // A repeat changes nothing.
      const before = await everything();
      const again = await api.call('POST', route, as('ops'), { reason: '再次终止' });
      expect(again.body).toMatchObject({ outcome: 'alreadyEnded', status: 'terminated' });
      expect(await everything()).toEqual(before);
    });

    it('cancels a single cycle through its workflow', async () => {
      const id = await launchCycle();
      const answer = await api.call('POST', `/ops/processes/${encodeURIComponent(id)}/cancellation`, as('ops'), { reason: '重复发起' });
      expect(answer.status).toBe(200);
      expect(answer.body).toMatchObject({ workflowId: id, outcome: 'done', status: 'cancelled' });
      expect(await cycleStatus(id)).toEqual({ status: 'cancelled', end_reason: '重复发起' });
      expect((await auditOf('cycle.cancelled', [id])).map((entry) => [entry.actor_id, entry.comment])).toEqual([['ops', '重复发起']]);
    });
  });

  describe('the command line', () => {
    const procureflow = (who: string, args: string[]) => runToCompletion(PROCUREFLOW_BIN, { PROCUREFLOW_TOKEN: as(who) }, [...args, '--api', api.baseUrl]);

    it('dry-runs a bulk terminate as a table, executes it by selection id, and terminates and cancels one', async () => {
      // Earlier tests leave running cycles: end them so the selection holds only this test's.
      const leftovers = await api.call<Selection>('POST', '/ops/bulk', as('ops'), { action: 'terminate', filter: {}, reason: '清理测试遗留', dryRun: true });
      expect((await api.call<Execution>('POST', leftovers.body.execution, as('ops'), { reason: '清理测试遗留', requestId: `cleanup-${randomUUID()}` })).body.failed).toBe(0);
      const ids = [await launchCycle(), await launchCycle()].sort();

      const refused = await procureflow('ops', ['ops', 'bulk', 'terminate', '--reason', '批量终止']);
      expect(refused.code).toBe(1);
      expect(refused.stderr).toContain('add --dry-run');

      const dry = await procureflow('ops', ['ops', 'bulk', 'terminate', '--definition', PROCEDURE, '--reason', '批量终止', '--dry-run']);
      expect([dry.code, dry.stderr]).toEqual([0, '']);
      expect(dry.stdout).toContain('Dry run: terminate would touch 2 processes; nothing has changed.');
      expect(dry.stdout).toContain(`WORKFLOW\n${ids[0]}\n${ids[1]}\n`);
      const selectionId = /selection id {2}(\S+)/.exec(dry.stdout)?.[1] ?? '';
      expect(dry.stdout).toContain(`procureflow ops bulk execute ${selectionId} --reason`);

      const executed = await procureflow('ops', ['ops', 'bulk', 'execute', selectionId, '--reason', '批量终止', '--request-id', 'cli-bulk-1', '--json']);
      expect(executed.code).toBe(0);
      expect(JSON.parse(executed.stdout)).toMatchObject({ selectionId, count: 2, done: 2, outcomes: ids.map((workflowId) => ({ workflowId, outcome: 'done' })) });
      for (const id of ids) expect(await cycleStatus(id)).toEqual({ status: 'terminated', end_reason: '批量终止' });
      expect((await auditOf('cycle.terminated', ids)).map((entry) => [entry.subject_id, entry.comment, entry.details['selectionId']])).toEqual(ids.map((id) => [id, '批量终止', selectionId]));

      const single = await launchCycle();
      const cancelled = await procureflow('ops', ['ops', 'cancel', single, '--reason', '重复发起']);
      expect([cancelled.code, cancelled.stdout.split('\n')[0]]).toEqual([0, `Cancelled: ${single} (cycle)`]);
      const again = await procureflow('ops', ['ops', 'terminate', single, '--reason', '再试', '--json']);
      expect(JSON.parse(again.stdout)).toMatchObject({ outcome: 'alreadyEnded', status: 'cancelled' });

      const forbidden = await procureflow('admin', ['ops', 'terminate', await launchCycle(), '--reason', '无权']);
      expect(forbidden.code).toBe(4);
    });
  });

  describe('every repair under /ops', () => {
    /** Every POST route under /ops the API documents: the routes other areas add are covered as they land. */
    const opsPosts = (): string[] => {
      const document = JSON.parse(readFileSync(path.join(PROJECT_ROOT, 'openapi.json'), 'utf8')) as { paths: Record<string, Record<string, unknown>> };
      return Object.entries(document.paths)
        .filter(([route]) => route.startsWith('/ops/') || route === '/ops')
        .filter(([, operations]) => 'post' in operations)
        .map(([route]) => route)
        .sort();
    };

    it('lists this area’s routes among them', () => {
      expect(opsPosts()).toEqual(
        expect.arrayContaining(['/ops/bulk', '/ops/bulk/{selectionId}/execution', '/ops/processes/{workflowId}/cancellation', '/ops/processes/{workflowId}/termination']),
      );
    });

    it('refuses each without the ops role with 403, writing nothing', async () => {
      const id = await launchCycle();
      const selection = await api.call<Selection>('POST', '/ops/bulk', as('ops'), { action: 'cancel', filter: {}, reason: '清理', dryRun: true });
      expect(selection.status).toBe(201);
      // Values for every path parameter a repair route may have: a real process, a real selection.
      const values: Record<string, string> = { workflowId: id, selectionId: selection.body.selectionId, id, cycleId: id, taskId: `${id}/draftBudget#1` };
      const body = { reason: '没有运维角色', requestId: `no-ops-${randomUUID()}`, action: 'cancel', filter: {}, dryRun: true };
      const before = await everything();
      for (const route of opsPosts()) {
        const concrete = route.replace(/\{(\w+)\}/g, (_, name: string) => encodeURIComponent(values[name] ?? 'x'));
        for (const who of ['admin', 'nationalAdmin']) {
          const answer = await api.call('POST', concrete, as(who), body);
          expect([route, who, answer.status]).toEqual([route, who, 403]);
        }
        expect([route, (await api.call('POST', concrete, undefined, body)).status]).toEqual([route, 401]);
      }
      expect(await everything()).toEqual(before);
      expect(await cycleStatus(id)).toMatchObject({ status: 'running' });
    });
  });
});
