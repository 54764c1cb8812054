import { ApplicationFailure } from '@temporalio/common';
import type { DataSource } from 'typeorm';
import { createProcurementProjectionActivities, PROJECTION_FAILURES } from '../../activities/procurement-projections.js';
import type { EngineCommand } from '../../workflows/engine/types.js';
import { freshDatabase } from '../support/databases.js';
import {
  decided,
  DRAFTER,
  insertVendor,
  launchCycle,
  openTask,
  readModelSnapshot,
  REVIEWER,
  startContract,
} from '../support/procurement-fixtures.js';

/**
 * The procurement projections on real PostgreSQL: every command lands once, whatever is retried or
 * replayed, and what lands is what the workflow decided.
 */
describe('the procurement projection activities', () => {
  let dataSource: DataSource;
  let projections: ReturnType<typeof createProcurementProjectionActivities>;

  beforeAll(async () => {
    ({ dataSource } = await freshDatabase('projections'));
    projections = createProcurementProjectionActivities({ dataSource });
  });

  afterAll(async () => {
    await dataSource?.destroy();
  });

  const count = async (table: string, where = 'true', parameters: unknown[] = []): Promise<number> => {
    const rows = (await dataSource.query(`SELECT count(*) AS n FROM ${table} WHERE ${where}`, parameters)) as Array<{ n: string }>;
    return Number(rows[0]?.n);
  };

  /** The budgeting step of a cycle: drafted, reviewed and approved, then the public-notice step publishing. */
  const budgetingBatch = (): EngineCommand[] => {
    const draft = openTask({ id: 'draftBudget#1', nodeId: 'draftBudget' });
    const review = openTask({
      id: 'reviewBudget#1',
      nodeId: 'reviewBudget',
      role: 'finance-bureau',
      escalatedTo: [],
      escalateTo: 'finance-bureau-head',
      title: { zh: '审核项目预算', en: 'Review the budget' },
      openedAt: '2026-03-02T02:00:00.000Z',
      dueAt: '2026-03-06T15:59:59.999Z',
    });
    return [
      { type: 'stepEntered', seq: 0, at: '2026-03-02T01:00:00.000Z', stepId: 'budgeting', stepKind: 'budgeting' },
      { type: 'taskOpened', seq: 1, task: draft },
      { type: 'taskClosed', seq: 2, task: decided(draft, DRAFTER, 'submit', '2026-03-02T02:00:00.000Z'), actor: DRAFTER, fields: { total: 12_000_000 } },
      { type: 'taskOpened', seq: 3, task: review },
      { type: 'startTimer', seq: 4, timerId: 'sla:reviewBudget#1', until: '2026-03-06T15:59:59.999Z', purpose: 'sla' },
      {
        type: 'taskClosed',
        seq: 5,
        task: decided(review, REVIEWER, 'approve', '2026-03-03T08:30:00.000Z'),
        actor: REVIEWER,
        comment: '预算测算依据充分，同意。',
        fields: { requestId: 'req-approve-1', affordable: true },
      },
      { type: 'cancelTimer', seq: 6, timerId: 'sla:reviewBudget#1' },
      { type: 'stepEnded', seq: 7, at: '2026-03-03T08:30:00.000Z', stepId: 'budgeting', outcome: 'completed' },
      { type: 'stepEntered', seq: 8, at: '2026-03-03T08:30:00.000Z', stepId: 'publicNotice', stepKind: 'publicNotice' },
      {
        type: 'publishNotice',
        seq: 9,
        at: '2026-03-03T08:30:00.000Z',
        noticeId: 'purchaseNotice',
        kind: 'purchaseNotice',
        title: { zh: '购买服务公告', en: 'Purchase notice' },
        lines: [{ label: { zh: '预算金额', en: 'Budget' }, value: '120,000.00' }],
      },
    ];
  };

  describe('idempotency', () => {
    it('applies a batch once: the same batch again, or its seqs again in another call, changes nothing', async () => {
      const cycleId = await launchCycle(dataSource);
      const batch = budgetingBatch();

      const first = await projections.applyCommands({ workflowId: cycleId, cycleId, commands: batch });
      expect(first).toEqual({ applied: batch.map((c) => c.seq), skipped: [] });
      const after = await readModelSnapshot(dataSource);
      expect(after['tasks']?.filter((row) => (row as { cycle_id: string }).cycle_id === cycleId)).toHaveLength(2);

      // A retried activity: same batch. A replayed workflow: a fresh activities object, the batch in another order.
      const second = await projections.applyCommands({ workflowId: cycleId, cycleId, commands: batch });
      const third = await createProcurementProjectionActivities({ dataSource }).applyCommands({ workflowId: cycleId, cycleId, commands: [...batch].reverse() });
      expect(second).toEqual({ applied: [], skipped: batch.map((c) => c.seq) });
      expect(third.applied).toEqual([]);
      expect(await readModelSnapshot(dataSource)).toEqual(after);
    });

    it('applies a batch sent twice at the same moment exactly once', async () => {
      const cycleId = await launchCycle(dataSource);
      const batch = budgetingBatch();
      const results = await Promise.all([1, 2, 3].map(() => projections.applyCommands({ workflowId: cycleId, cycleId, commands: batch })));
      expect(results.map((r) => r.applied.length).sort()).toEqual([0, 0, batch.length]);
      expect(await count('tasks', 'cycle_id = $1', [cycleId])).toBe(2);
      expect(await count('public_notices', 'cycle_id = $1', [cycleId])).toBe(1);
      expect(await count('audit_entries', `subject_id LIKE $1`, [`${cycleId}/%`])).toBe(2);
    });

    it('records a launch once, with its audit entry', async () => {
      const cycleId = await launchCycle(dataSource);
      const again = await createProcurementProjectionActivities({ dataSource }).recordCycleLaunched({
        cycleId,
        definition: { key: 'other', version: 2, contentHash: 'b'.repeat(64) },
        jurisdiction: 'zj-deqing',
        title: { zh: '改', en: 'changed' },
        inputs: {},
        launchedBy: DRAFTER,
        launchedAt: '2026-04-01T00:00:00.000Z',
      });
      expect(again).toEqual({ recorded: false });
      const [cycle] = (await dataSource.query(`SELECT definition_key, definition_version, status, launched_by, inputs FROM cycles WHERE id = $1`, [cycleId])) as unknown[];
      expect(cycle).toEqual({
        definition_key: 'zj-deqing-correction-2026',
        definition_version: 1,
        status: 'running',
        launched_by: 'wang.fang',
        inputs: { supervisedPersons: 120, pricePerPersonYearFen: 100_000 },
      });
      const audit = (await dataSource.query(`SELECT action, actor_id, actor_role FROM audit_entries WHERE subject_id = $1`, [cycleId])) as unknown[];
      expect(audit).toEqual([{ action: 'cycle.launched', actor_id: 'wang.fang', actor_role: 'administrator' }]);
    });
  });

  describe('service levels and overdue tasks', () => {
    it('keeps one row per service level and period, whatever is retried or measured again', async () => {
      const cycleId = await launchCycle(dataSource);
      const contractId = await startContract(dataSource, cycleId, { vendorId: 'vendor-sla', vendorName: '德清县阳光社会工作服务中心' });
      const measured = (seq: number, value: number, met: boolean): EngineCommand => ({
        type: 'serviceLevelMeasured',
        seq,
        at: '2026-07-26T02:00:00.000Z',
        measurement: { serviceLevelId: 'educationHours', title: { zh: '教育学习', en: 'Education' }, kpiId: 'educationCompliancePct', period: 1, value, target: { min: 100 }, met },
      });
      const batch = [measured(4, 95, false)];
      await projections.applyCommands({ workflowId: contractId, cycleId, contractId, commands: batch });
      // A retried activity, and the same period measured again under another seq: the first stands.
      await projections.applyCommands({ workflowId: contractId, cycleId, contractId, commands: batch });
      expect(await projections.applyCommands({ workflowId: contractId, cycleId, contractId, commands: [measured(7, 100, true)] })).toEqual({ applied: [7], skipped: [] });
      const rows = (await dataSource.query(
        `SELECT contract_id, service_level_id, period, cycle_id, kpi_id, value, target, met, measured_at, seq FROM service_level_measurements WHERE contract_id = $1`,
        [contractId],
      )) as unknown[];
      expect(rows).toEqual([
        {
          contract_id: contractId,
          service_level_id: 'educationHours',
          period: 1,
          cycle_id: cycleId,
          kpi_id: 'educationCompliancePct',
          value: 95,
          target: { min: 100 },
          met: false,
          measured_at: new Date('2026-07-26T02:00:00.000Z'),
          seq: 4,
        },
      ]);
    });

    it('keeps one row per reviewed period (workflow, seq): a retried batch adds nothing', async () => {
      const cycleId = await launchCycle(dataSource);
      const contractId = await startContract(dataSource, cycleId, { vendorId: 'vendor-review', vendorName: '包头和顺调解中心' });
      const reviewed = (seq: number, period: number, successRatePct: number, passed: boolean): EngineCommand => ({
        type: 'periodReviewed',
        seq,
        at: '2026-06-26T02:00:00.000Z',
        review: { reviewId: 'quarterly', title: { zh: '季度调解评估', en: 'Quarterly mediation review' }, period, fromPeriod: period, toPeriod: period, kpis: { successRatePct }, passed },
      });
      const batch = [reviewed(5, 1, 90, true), reviewed(9, 2, 50, false)];
      await projections.applyCommands({ workflowId: contractId, cycleId, contractId, commands: batch });
      await projections.applyCommands({ workflowId: contractId, cycleId, contractId, commands: batch });
      const rows = (await dataSource.query(
        `SELECT workflow_id, seq, contract_id, cycle_id, review_id, period, from_period, to_period, kpis, passed FROM period_reviews WHERE contract_id = $1 ORDER BY seq`,
        [contractId],
      )) as unknown[];
      expect(rows).toEqual([
        { workflow_id: contractId, seq: 5, contract_id: contractId, cycle_id: cycleId, review_id: 'quarterly', period: 1, from_period: 1, to_period: 1, kpis: { successRatePct: 90 }, passed: true },
        { workflow_id: contractId, seq: 9, contract_id: contractId, cycle_id: cycleId, review_id: 'quarterly', period: 2, from_period: 2, to_period: 2, kpis: { successRatePct: 50 }, passed: false },
      ]);
    });

    it('marks a task overdue once, with when it became so and when it was due', async () => {
      const cycleId = await launchCycle(dataSource);
      const review = openTask({ id: 'reviewBudget#1', nodeId: 'reviewBudget', role: 'finance-bureau', escalateTo: 'finance-bureau-head', dueAt: '2026-03-06T15:59:59.999Z' });
      const escalated = { ...review, escalatedTo: ['finance-bureau-head'] };
      const overdue = (seq: number, at: string): EngineCommand => ({ type: 'taskOverdue', seq, at, task: escalated, dueAt: '2026-03-06T15:59:59.999Z' });
      await projections.applyCommands({ workflowId: cycleId, cycleId, commands: [{ type: 'taskOpened', seq: 1, task: review }] });
      const row = async () =>
        ((await dataSource.query(`SELECT overdue_at, overdue_due_at FROM tasks WHERE id = $1`, [`${cycleId}/reviewBudget#1`])) as unknown[])[0];
      expect(await row()).toEqual({ overdue_at: null, overdue_due_at: null });
      const batch = [{ type: 'taskOpened', seq: 2, task: escalated } as EngineCommand, overdue(3, '2026-03-06T16:00:00.000Z')];
      await projections.applyCommands({ workflowId: cycleId, cycleId, commands: batch });
      await projections.applyCommands({ workflowId: cycleId, cycleId, commands: batch });
      // A later report of the same miss does not move the instant it became overdue.
      await projections.applyCommands({ workflowId: cycleId, cycleId, commands: [overdue(5, '2026-03-09T00:00:00.000Z')] });
      expect(await row()).toEqual({ overdue_at: new Date('2026-03-06T16:00:00.000Z'), overdue_due_at: new Date('2026-03-06T15:59:59.999Z') });
      // Decided afterwards, it keeps both.
      await projections.applyCommands({ workflowId: cycleId, cycleId, commands: [{ type: 'taskClosed', seq: 6, task: decided(escalated, REVIEWER, 'approve', '2026-03-09T01:00:00.000Z'), actor: REVIEWER }] });
      expect(await row()).toEqual({ overdue_at: new Date('2026-03-06T16:00:00.000Z'), overdue_due_at: new Date('2026-03-06T15:59:59.999Z') });
    });

    it('audits an SLA miss as a reminder to the holder and an escalation to the target, once however often it is projected', async () => {
      const cycleId = await launchCycle(dataSource);
      const review = openTask({ id: 'reviewBudget#1', nodeId: 'reviewBudget', role: 'finance-bureau', escalateTo: 'finance-bureau-head', dueAt: '2026-03-06T15:59:59.999Z' });
      const escalated = { ...review, escalatedTo: ['finance-bureau-head'] };
      const batch: EngineCommand[] = [
        { type: 'taskOpened', seq: 1, task: review },
        { type: 'taskOpened', seq: 2, task: escalated },
        { type: 'taskOverdue', seq: 3, at: '2026-03-06T16:00:00.000Z', task: escalated, dueAt: '2026-03-06T15:59:59.999Z' },
      ];
      await projections.applyCommands({ workflowId: cycleId, cycleId, commands: batch });
      await projections.applyCommands({ workflowId: cycleId, cycleId, commands: batch });
      const audit = (await dataSource.query(`SELECT action, actor_role, details FROM audit_entries WHERE subject_id = $1 ORDER BY id`, [`${cycleId}/reviewBudget#1`])) as Array<{ action: string; actor_role: string; details: Record<string, unknown> }>;
      expect(audit.map((entry) => [entry.action, entry.actor_role, entry.details['remindedRole'] ?? entry.details['escalatedTo']])).toEqual([
        ['task.overdue', 'system', ['finance-bureau-head']],
        ['task.reminder', 'system', 'finance-bureau'],
        ['task.escalated', 'system', 'finance-bureau-head'],
      ]);
    });

    it('projects an ops repair once: the row takes the new role and due time, an extension clears the overdue mark, the reason is audited', async () => {
      const cycleId = await launchCycle(dataSource);
      const ops = { userId: 'ops.1', name: '运维', roles: ['ops'], jurisdiction: 'zj-deqing' };
      const review = openTask({ id: 'reviewBudget#1', nodeId: 'reviewBudget', role: 'finance-bureau', escalateTo: 'finance-bureau-head', dueAt: '2026-03-06T15:59:59.999Z' });
      const escalated = { ...review, escalatedTo: ['finance-bureau-head'] };
      await projections.applyCommands({
        workflowId: cycleId,
        cycleId,
        commands: [
          { type: 'taskOpened', seq: 1, task: review },
          { type: 'taskOpened', seq: 2, task: escalated },
          { type: 'taskOverdue', seq: 3, at: '2026-03-06T16:00:00.000Z', task: escalated, dueAt: '2026-03-06T15:59:59.999Z' },
        ],
      });
      const moved = { ...escalated, role: 'judicial-office', dueAt: '2026-03-11T15:59:59.999Z' };
      const repairs: EngineCommand[] = [
        { type: 'taskOpened', seq: 4, task: moved },
        {
          type: 'taskRepaired',
          seq: 5,
          at: '2026-03-09T01:00:00.000Z',
          actor: ops,
          task: moved,
          before: { role: 'finance-bureau', escalatedTo: ['finance-bureau-head'], dueAt: '2026-03-06T15:59:59.999Z' },
          repair: { kind: 'extend', workingDays: 3 },
          reason: '负责人出差',
          requestId: 'r-1',
        },
      ];
      await projections.applyCommands({ workflowId: cycleId, cycleId, commands: repairs });
      await projections.applyCommands({ workflowId: cycleId, cycleId, commands: repairs });
      const [row] = (await dataSource.query(`SELECT role, due_at, overdue_at FROM tasks WHERE id = $1`, [`${cycleId}/reviewBudget#1`])) as unknown[];
      expect(row).toEqual({ role: 'judicial-office', due_at: new Date('2026-03-11T15:59:59.999Z'), overdue_at: null });
      const audit = (await dataSource.query(`SELECT actor_id, actor_role, comment, details FROM audit_entries WHERE subject_id = $1 AND action = 'task.deadlineExtended'`, [
        `${cycleId}/reviewBudget#1`,
      ])) as Array<{ actor_id: string; actor_role: string; comment: string; details: Record<string, unknown> }>;
      expect(audit).toEqual([
        expect.objectContaining({ actor_id: 'ops.1', actor_role: 'ops', comment: '负责人出差', details: expect.objectContaining({ requestId: 'r-1', after: { role: 'judicial-office', escalatedTo: ['finance-bureau-head'], dueAt: '2026-03-11T15:59:59.999Z' } }) }),
      ]);
    });
  });

  describe('steps and tasks', () => {
    let cycleId: string;

    beforeAll(async () => {
      cycleId = await launchCycle(dataSource);
      await projections.applyCommands({ workflowId: cycleId, cycleId, commands: budgetingBatch() });
    });

    it('opens and closes a task: the row says who decided what, when, with which comment and fields', async () => {
      const rows = (await dataSource.query(`SELECT * FROM tasks WHERE id = $1`, [`${cycleId}/reviewBudget#1`])) as Array<Record<string, unknown>>;
      expect(rows).toEqual([
        expect.objectContaining({
          workflow_id: cycleId,
          task_instance_id: 'reviewBudget#1',
          cycle_id: cycleId,
          contract_id: null,
          step_id: 'budgeting',
          node_id: 'reviewBudget',
          kind: 'form',
          role: 'finance-bureau',
          escalated_to: [],
          escalate_to: 'finance-bureau-head',
          title: { zh: '审核项目预算', en: 'Review the budget' },
          status: 'decided',
          opened_at: new Date('2026-03-02T02:00:00.000Z'),
          due_at: new Date('2026-03-06T15:59:59.999Z'),
          outcome: 'approve',
          decided_by: 'li.ming',
          decided_by_name: '李明',
          decided_at: new Date('2026-03-03T08:30:00.000Z'),
          comment: '预算测算依据充分，同意。',
          fields: { requestId: 'req-approve-1', affordable: true },
          last_seq: 5,
        }),
      ]);
    });

    it('audits every decision: who, in which role, when, what, the comment and the request id', async () => {
      const audit = (await dataSource.query(
        `SELECT idempotency_key, occurred_at, actor_id, actor_role, jurisdiction, action, subject_type, subject_id, comment, details
         FROM audit_entries WHERE subject_type = 'task' AND subject_id LIKE $1 ORDER BY occurred_at`,
        [`${cycleId}/%`],
      )) as Array<Record<string, unknown>>;
      expect(audit).toEqual([
        expect.objectContaining({
          idempotency_key: `${cycleId}:2`,
          actor_id: 'zhou.min',
          actor_role: 'justice-bureau',
          action: 'task.submitted',
          subject_id: `${cycleId}/draftBudget#1`,
          comment: null,
        }),
        {
          idempotency_key: `${cycleId}:5`,
          occurred_at: new Date('2026-03-03T08:30:00.000Z'),
          actor_id: 'li.ming',
          actor_role: 'finance-bureau',
          jurisdiction: 'zj-deqing',
          action: 'task.approved',
          subject_type: 'task',
          subject_id: `${cycleId}/reviewBudget#1`,
          comment: '预算测算依据充分，同意。',
          details: expect.objectContaining({
            requestId: 'req-approve-1',
            outcome: 'approve',
            actorName: '李明',
            stepId: 'budgeting',
            nodeId: 'reviewBudget',
            seq: 5,
            fields: { requestId: 'req-approve-1', affordable: true },
          }),
        },
      ]);
    });

    it('tracks steps and the current step', async () => {
      const steps = (await dataSource.query(
        `SELECT step_id, kind, entered_at, ended_at, outcome FROM cycle_steps WHERE cycle_id = $1 ORDER BY entered_seq`,
        [cycleId],
      )) as unknown[];
      expect(steps).toEqual([
        { step_id: 'budgeting', kind: 'budgeting', entered_at: new Date('2026-03-02T01:00:00.000Z'), ended_at: new Date('2026-03-03T08:30:00.000Z'), outcome: 'completed' },
        { step_id: 'publicNotice', kind: 'publicNotice', entered_at: new Date('2026-03-03T08:30:00.000Z'), ended_at: null, outcome: null },
      ]);
      const [cycle] = (await dataSource.query(`SELECT current_step FROM cycles WHERE id = $1`, [cycleId])) as Array<{ current_step: string }>;
      expect(cycle?.current_step).toBe('publicNotice');
    });

    it('never reopens a closed task when its opening arrives late', async () => {
      const task = openTask({ id: 'fileSelectionPlan#1', nodeId: 'fileSelectionPlan', stepId: 'vendorSelection' });
      await projections.applyCommands({
        workflowId: cycleId,
        cycleId,
        commands: [{ type: 'taskClosed', seq: 21, task: decided(task, DRAFTER, 'submit', '2026-04-01T00:00:00.000Z'), actor: DRAFTER }],
      });
      await projections.applyCommands({ workflowId: cycleId, cycleId, commands: [{ type: 'taskOpened', seq: 20, task }] });
      const [row] = (await dataSource.query(`SELECT status, outcome, last_seq FROM tasks WHERE id = $1`, [`${cycleId}/fileSelectionPlan#1`])) as unknown[];
      expect(row).toEqual({ status: 'decided', outcome: 'submit', last_seq: 21 });
    });

    it('closes a withdrawn task without an audit entry, since nobody decided it', async () => {
      const task = openTask({ id: 'withdrawn#1', nodeId: 'withdrawn' });
      await projections.applyCommands({
        workflowId: cycleId,
        cycleId,
        commands: [
          { type: 'taskOpened', seq: 30, task },
          { type: 'taskClosed', seq: 31, task: { ...task, status: 'withdrawn' } },
        ],
      });
      const [row] = (await dataSource.query(`SELECT status, outcome FROM tasks WHERE id = $1`, [`${cycleId}/withdrawn#1`])) as unknown[];
      expect(row).toEqual({ status: 'withdrawn', outcome: null });
      expect(await count('audit_entries', 'idempotency_key = $1', [`${cycleId}:31`])).toBe(0);
    });
  });

  describe('notices, selection and the end of a cycle', () => {
    it('publishes a notice once, and the published notice cannot be changed', async () => {
      const cycleId = await launchCycle(dataSource);
      await projections.applyCommands({ workflowId: cycleId, cycleId, commands: budgetingBatch() });
      const notices = (await dataSource.query(
        `SELECT workflow_id, seq, contract_id, notice_id, kind, title, lines, published_at FROM public_notices WHERE cycle_id = $1`,
        [cycleId],
      )) as unknown[];
      expect(notices).toEqual([
        {
          workflow_id: cycleId,
          seq: 9,
          contract_id: null,
          notice_id: 'purchaseNotice',
          kind: 'purchaseNotice',
          title: { zh: '购买服务公告', en: 'Purchase notice' },
          lines: [{ label: { zh: '预算金额', en: 'Budget' }, value: '120,000.00' }],
          published_at: new Date('2026-03-03T08:30:00.000Z'),
        },
      ]);
      await expect(dataSource.query(`UPDATE public_notices SET title = '{}' WHERE cycle_id = $1`, [cycleId])).rejects.toThrow(/permission denied for table public_notices/);
      await expect(dataSource.query(`DELETE FROM projection_log WHERE workflow_id = $1`, [cycleId])).rejects.toThrow(/permission denied for table projection_log/);
    });

    it('keeps the bidding summary, marks the winners, and ends the cycle', async () => {
      const cycleId = await launchCycle(dataSource);
      for (const [bidId, vendorId, priceFen] of [
        ['bid-1', 'vendor-a', 11_500_000],
        ['bid-2', 'vendor-b', 11_900_000],
      ] as const) {
        const bid = { bidId, vendorId, vendorName: `机构${vendorId}`, priceFen, qualified: true, submittedAt: '2026-05-01T00:00:00.000Z' };
        expect(await projections.recordBid({ cycleId, round: 1, bid })).toEqual({ recorded: true });
        expect(await projections.recordBid({ cycleId, round: 1, bid: { ...bid, priceFen: 1 } })).toEqual({ recorded: false });
      }
      await projections.applyCommands({
        workflowId: cycleId,
        cycleId,
        commands: [
          { type: 'biddingOpened', seq: 0, at: '2026-04-20T00:00:00.000Z', until: '2026-05-10T00:00:00.000Z', round: 1, method: 'openTender' },
          { type: 'biddingClosed', seq: 1, at: '2026-05-10T00:00:00.000Z', received: 2, qualified: 2, enough: true },
          {
            type: 'startContracts',
            seq: 2,
            at: '2026-05-20T00:00:00.000Z',
            winners: [{ bidId: 'bid-1', vendorId: 'vendor-a', vendorName: '机构vendor-a', amountFen: 11_500_000, score: 91.25 }],
          },
        ],
      });
      const [cycle] = (await dataSource.query(
        `SELECT status, selection_method, bidding_round, bidding_open, bids_received, bids_qualified, bidding_enough, awarded_at, ended_at FROM cycles WHERE id = $1`,
        [cycleId],
      )) as unknown[];
      expect(cycle).toEqual({
        status: 'awarded',
        selection_method: 'openTender',
        bidding_round: 1,
        bidding_open: false,
        bids_received: 2,
        bids_qualified: 2,
        bidding_enough: true,
        awarded_at: new Date('2026-05-20T00:00:00.000Z'),
        ended_at: null,
      });
      const bids = (await dataSource.query(`SELECT bid_id, price_fen, won, awarded_amount_fen, score FROM bids WHERE cycle_id = $1 ORDER BY bid_id`, [cycleId])) as unknown[];
      expect(bids).toEqual([
        { bid_id: 'bid-1', price_fen: '11500000', won: true, awarded_amount_fen: '11500000', score: 91.25 },
        { bid_id: 'bid-2', price_fen: '11900000', won: false, awarded_amount_fen: null, score: null },
      ]);

      const contractId = await startContract(dataSource, cycleId, { vendorId: 'vendor-a', vendorName: '机构vendor-a', amountFen: 11_500_000 });
      await projections.applyCommands({
        workflowId: contractId,
        cycleId,
        contractId,
        commands: [
          { type: 'stepEntered', seq: 0, at: '2026-06-01T00:00:00.000Z', stepId: 'contractFiling', stepKind: 'contractFiling' },
          { type: 'ended', seq: 1, at: '2027-06-30T00:00:00.000Z', status: 'completed' },
        ],
      });
      await projections.applyCommands({
        workflowId: cycleId,
        cycleId,
        commands: [{ type: 'ended', seq: 3, at: '2027-07-01T00:00:00.000Z', status: 'completed' }],
      });
      const [contract] = (await dataSource.query(`SELECT status, current_step, ended_at FROM contracts WHERE id = $1`, [contractId])) as unknown[];
      expect(contract).toEqual({ status: 'completed', current_step: 'contractFiling', ended_at: new Date('2027-06-30T00:00:00.000Z') });
      const [ended] = (await dataSource.query(`SELECT status, ended_at, end_reason FROM cycles WHERE id = $1`, [cycleId])) as unknown[];
      expect(ended).toEqual({ status: 'completed', ended_at: new Date('2027-07-01T00:00:00.000Z'), end_reason: null });
      const [contractStep] = (await dataSource.query(`SELECT contract_id, workflow_id FROM cycle_steps WHERE cycle_id = $1`, [cycleId])) as unknown[];
      expect(contractStep).toEqual({ contract_id: contractId, workflow_id: contractId });
    });

    it('suspends a vendor once when a contract’s exit rule fires, and audits it', async () => {
      const cycleId = await launchCycle(dataSource);
      const vendor = await insertVendor(dataSource, { name: '德清县某社工服务中心' });
      const contractId = await startContract(dataSource, cycleId, { vendorId: vendor.id, vendorName: '德清县某社工服务中心' });
      const suspend: EngineCommand = { type: 'suspendVendor', seq: 4, at: '2026-12-01T00:00:00.000Z', vendorId: vendor.id, reason: '年度评价不合格' };
      await projections.applyCommands({ workflowId: contractId, cycleId, contractId, commands: [suspend] });
      await projections.applyCommands({ workflowId: contractId, cycleId, contractId, commands: [{ ...suspend, seq: 5, reason: 'later reason' }] });
      const [row] = (await dataSource.query(`SELECT suspended, suspension_reason, suspended_by, suspended_at FROM vendors WHERE id = $1`, [vendor.id])) as unknown[];
      expect(row).toEqual({
        suspended: true,
        suspension_reason: '年度评价不合格',
        suspended_by: `workflow:${contractId}`,
        suspended_at: new Date('2026-12-01T00:00:00.000Z'),
      });
      // The second exit finds the vendor suspended: it changes nothing of the suspension but is audited too.
      const audit = (await dataSource.query(`SELECT action, actor_role, comment FROM audit_entries WHERE subject_id = $1 ORDER BY action`, [vendor.id])) as unknown[];
      expect(audit).toEqual([
        { action: 'vendor.exitWhileSuspended', actor_role: 'system', comment: 'later reason' },
        { action: 'vendor.suspended', actor_role: 'system', comment: '年度评价不合格' },
      ]);
      // A retried projection of both adds nothing.
      await projections.applyCommands({ workflowId: contractId, cycleId, contractId, commands: [suspend, { ...suspend, seq: 5, reason: 'later reason' }] });
      expect(await dataSource.query(`SELECT count(*)::int AS n FROM audit_entries WHERE subject_id = $1`, [vendor.id])).toEqual([{ n: 2 }]);
    });

    it('an exit that finds the vendor suspended by hand reserves its reinstatement to the role the exit names', async () => {
      const cycleId = await launchCycle(dataSource);
      const vendor = await insertVendor(dataSource, { name: '德清县另一社工服务中心' });
      await dataSource.query(`UPDATE vendors SET suspended = true, suspension_reason = '资质材料失效', suspended_by = 'first.administrator', suspended_at = '2026-11-01T00:00:00Z' WHERE id = $1`, [vendor.id]);
      const contractId = await startContract(dataSource, cycleId, { vendorId: vendor.id, vendorName: '德清县另一社工服务中心' });
      const exit: EngineCommand = { type: 'suspendVendor', seq: 4, at: '2026-12-01T00:00:00.000Z', vendorId: vendor.id, reason: '年度评价不合格', reinstatedBy: 'justice-bureau' };
      await projections.applyCommands({ workflowId: contractId, cycleId, contractId, commands: [exit] });
      const [row] = (await dataSource.query(`SELECT suspended, suspension_reason, suspended_by, reinstatement_role FROM vendors WHERE id = $1`, [vendor.id])) as unknown[];
      expect(row).toEqual({ suspended: true, suspension_reason: '资质材料失效', suspended_by: 'first.administrator', reinstatement_role: 'justice-bureau' });
      const audit = (await dataSource.query(`SELECT action, comment, details FROM audit_entries WHERE subject_id = $1`, [vendor.id])) as Array<{ action: string; comment: string; details: Record<string, unknown> }>;
      expect(audit.map((entry) => [entry.action, entry.comment, entry.details['reinstatedBy']])).toEqual([['vendor.exitWhileSuspended', '年度评价不合格', 'justice-bureau']]);
    });
  });

  describe('vendor performance history', () => {
    it('records an evaluation once per (workflow, seq), with its grade, and audits a withheld tranche once', async () => {
      const cycleId = await launchCycle(dataSource);
      const contractId = await startContract(dataSource, cycleId, { vendorId: 'vendor-history', vendorName: '德清县某社工服务中心' });
      const record: EngineCommand = {
        type: 'recordEvaluation',
        seq: 6,
        at: '2026-12-01T00:00:00.000Z',
        evaluation: {
          vendorId: 'vendor-history',
          vendorName: '德清县某社工服务中心',
          score: 53,
          passed: false,
          groups: { business: 50, financial: 60 },
          grade: { min: 0, label: { zh: '不合格', en: 'Fail' } },
          period: null,
          evaluator: { userId: 'evaluator-1', name: '第三方评估员', role: 'finance-bureau' },
          exited: true,
        },
      };
      const withheld: EngineCommand = { type: 'withholdTranche', seq: 7, at: '2026-12-02T00:00:00.000Z', trancheId: 'activityFunds', amountFen: 212_000, vendorId: 'vendor-history', reason: '绩效评价不合格' };
      await projections.applyCommands({ workflowId: contractId, cycleId, contractId, commands: [record, withheld] });
      await projections.applyCommands({ workflowId: contractId, cycleId, contractId, commands: [record, withheld] });
      const rows = (await dataSource.query(
        `SELECT vendor_id, cycle_id, contract_id, score, passed, groups, grade_min, grade_label, period, evaluator_role, exited FROM vendor_performance_history WHERE contract_id = $1`,
        [contractId],
      )) as unknown[];
      expect(rows).toEqual([
        {
          vendor_id: 'vendor-history',
          cycle_id: cycleId,
          contract_id: contractId,
          score: 53,
          passed: false,
          groups: { business: 50, financial: 60 },
          grade_min: 0,
          grade_label: { zh: '不合格', en: 'Fail' },
          period: null,
          evaluator_role: 'finance-bureau',
          exited: true,
        },
      ]);
      const audit = (await dataSource.query(`SELECT action, comment, details->>'trancheId' AS tranche FROM audit_entries WHERE action = 'payment.withheld' AND details->>'contractId' = $1`, [contractId])) as unknown[];
      expect(audit).toEqual([{ action: 'payment.withheld', comment: '绩效评价不合格', tranche: 'activityFunds' }]);
      expect(await count('payments', 'contract_id = $1', [contractId])).toBe(0);
    });
  });

  describe('payments', () => {
    let cycleId: string;
    let contractId: string;

    const instruct = (seq: number, trancheId: string, amountFen: number): EngineCommand => ({
      type: 'instructPayment',
      seq,
      at: '2026-06-15T00:00:00.000Z',
      trancheId,
      fund: 'working',
      amountFen,
      vendorId: 'vendor-pay',
      vendorName: '德清县阳光社会工作服务中心',
    });

    beforeAll(async () => {
      cycleId = await launchCycle(dataSource);
      contractId = await startContract(dataSource, cycleId, { vendorId: 'vendor-pay', vendorName: '德清县阳光社会工作服务中心' });
    });

    it('instructs a tranche once: the same command twice and another command for the same tranche make one payment and one outbox row', async () => {
      const batch = [instruct(3, 'signing', 6_000_000)];
      await projections.applyCommands({ workflowId: contractId, cycleId, contractId, commands: batch });
      await projections.applyCommands({ workflowId: contractId, cycleId, contractId, commands: batch });
      const other = await projections.applyCommands({ workflowId: contractId, cycleId, contractId, commands: [instruct(9, 'signing', 6_000_000)] });
      expect(other).toEqual({ applied: [9], skipped: [] });

      const payments = (await dataSource.query(
        `SELECT id, cycle_id, contract_id, seq, tranche_id, fund, vendor_id, vendor_name, amount_fen, idempotency_key, status FROM payments WHERE contract_id = $1`,
        [contractId],
      )) as Array<Record<string, unknown>>;
      expect(payments).toEqual([
        {
          id: expect.any(String),
          cycle_id: cycleId,
          contract_id: contractId,
          seq: 3,
          tranche_id: 'signing',
          fund: 'working',
          vendor_id: 'vendor-pay',
          vendor_name: '德清县阳光社会工作服务中心',
          amount_fen: '6000000',
          idempotency_key: `${contractId}:tranche:signing`,
          status: 'instructed',
        },
      ]);
      const outbox = (await dataSource.query(`SELECT payment_id, payload, exported_at FROM payment_outbox WHERE payment_id = $1`, [payments[0]?.['id']])) as unknown[];
      expect(outbox).toEqual([
        {
          payment_id: payments[0]?.['id'],
          exported_at: null,
          payload: expect.objectContaining({ amountFen: 6_000_000, trancheId: 'signing', idempotencyKey: `${contractId}:tranche:signing`, vendorName: '德清县阳光社会工作服务中心' }),
        },
      ]);
      expect(await count('payment_outbox o JOIN payments p ON p.id = o.payment_id', 'p.contract_id = $1', [contractId])).toBe(1);
      const audit = (await dataSource.query(`SELECT action, actor_role FROM audit_entries WHERE subject_type = 'payment' AND subject_id = $1`, [payments[0]?.['id']])) as unknown[];
      expect(audit).toEqual([{ action: 'payment.instructed', actor_role: 'system' }]);
    });

    it('pays another tranche of the same contract as a payment of its own', async () => {
      await projections.applyCommands({ workflowId: contractId, cycleId, contractId, commands: [instruct(12, 'activities', 6_000_000)] });
      expect(await count('payments', 'contract_id = $1', [contractId])).toBe(2);
    });

    it('refuses, without writing anything, amounts that are not safe whole fen: a failure Temporal retries until a fixed worker takes it', async () => {
      const before = await readModelSnapshot(dataSource);
      for (const amountFen of [Number.MAX_SAFE_INTEGER + 1, 12.5, 0, -100]) {
        const refusal = projections.applyCommands({
          workflowId: contractId,
          cycleId,
          contractId,
          commands: [{ type: 'stepEntered', seq: 40, at: '2026-07-01T00:00:00.000Z', stepId: 'paymentRelease', stepKind: 'paymentRelease' }, instruct(41, 'bad', amountFen)],
        });
        await expect(refusal).rejects.toBeInstanceOf(ApplicationFailure);
        await expect(refusal).rejects.toMatchObject({ nonRetryable: false, type: PROJECTION_FAILURES.invalidInput, message: expect.stringContaining('amountFen') });
      }
      expect(await readModelSnapshot(dataSource)).toEqual(before);
    });

    // Payments, service levels and period reviews belong to contracts: from the cycle workflow they are an engine bug.
    it.each<[string, () => EngineCommand, string]>([
      ['a payment', () => instruct(50, 'x', 100), 'instructPayment (seq 50) came from the cycle workflow'],
      [
        'a service level measurement',
        () => ({
          type: 'serviceLevelMeasured',
          seq: 51,
          at: '2026-07-26T02:00:00.000Z',
          measurement: { serviceLevelId: 'educationHours', title: { zh: '教育学习', en: 'Education' }, kpiId: 'educationCompliancePct', period: 1, value: 95, target: { min: 100 }, met: false },
        }),
        'serviceLevelMeasured (seq 51) came from the cycle workflow',
      ],
      [
        'a period review',
        () => ({
          type: 'periodReviewed',
          seq: 52,
          at: '2026-06-26T02:00:00.000Z',
          review: { reviewId: 'quarterly', title: { zh: '季度调解评估', en: 'Quarterly' }, period: 1, fromPeriod: 1, toPeriod: 1, kpis: { successRatePct: 90 }, passed: true },
        }),
        'periodReviewed (seq 52) came from the cycle workflow',
      ],
    ])('refuses %s sent by a cycle workflow, writing nothing', async (_what, command, message) => {
      const before = await readModelSnapshot(dataSource);
      await expect(projections.applyCommands({ workflowId: cycleId, cycleId, commands: [command()] })).rejects.toMatchObject({
        nonRetryable: false,
        message: expect.stringContaining(message),
      });
      expect(await readModelSnapshot(dataSource)).toEqual(before);
    });

    it('refuses to change an instructed payment, or to delete it', async () => {
      await expect(dataSource.query(`UPDATE payments SET amount_fen = 1 WHERE contract_id = $1`, [contractId])).rejects.toThrow(/permission denied for table payments/);
      await expect(dataSource.query(`DELETE FROM payments WHERE contract_id = $1`, [contractId])).rejects.toThrow(/permission denied for table payments/);
    });
  });

  describe('refusals', () => {
    it('refuses commands of a cycle never recorded, as a failure retried until the cycle is recorded', async () => {
      await expect(
        projections.applyCommands({ workflowId: 'nobody', cycleId: 'nobody', commands: [{ type: 'ended', seq: 0, at: '2026-01-01T00:00:00.000Z', status: 'completed' }] }),
      ).rejects.toMatchObject({ type: PROJECTION_FAILURES.unknownCycle, nonRetryable: false, message: expect.stringContaining('call recordCycleLaunched') });
    });

    it('refuses commands of a contract never recorded, and ids that disagree', async () => {
      const cycleId = await launchCycle(dataSource);
      await expect(projections.applyCommands({ workflowId: 'c-1', cycleId, contractId: 'c-1', commands: [] })).rejects.toMatchObject({
        type: PROJECTION_FAILURES.unknownContract,
      });
      await expect(projections.applyCommands({ workflowId: 'other', cycleId, commands: [] })).rejects.toMatchObject({
        type: PROJECTION_FAILURES.invalidInput,
        message: expect.stringContaining('pass contractId'),
      });
    });

    it('turns a value the database refuses into a retryable failure naming the constraint, and writes nothing', async () => {
      const cycleId = await launchCycle(dataSource);
      const task = { ...openTask({ id: 'x#1', nodeId: 'x' }), kind: 'telepathy' } as unknown as ReturnType<typeof openTask>;
      await expect(projections.applyCommands({ workflowId: cycleId, cycleId, commands: [{ type: 'taskOpened', seq: 0, task }] })).rejects.toMatchObject({
        type: PROJECTION_FAILURES.databaseRefused,
        nonRetryable: false,
        message: 'the read model could not take this projection (PostgreSQL 23514, table tasks, constraint tasks_kind_check): ' +
          'new row for relation "tasks" violates check constraint "tasks_kind_check"',
      });
      expect(await count('projection_log', 'workflow_id = $1', [cycleId])).toBe(0);
    });

    it('retries a text PostgreSQL cannot store (a NUL character), and never quotes the values in its failure', async () => {
      const cycleId = await launchCycle(dataSource);
      const draft = openTask({ id: 'draftBudget#1', nodeId: 'draftBudget' });
      const before = await readModelSnapshot(dataSource);
      const failure = await projections
        .applyCommands({
          workflowId: cycleId,
          cycleId,
          commands: [
            { type: 'taskOpened', seq: 0, task: draft },
            { type: 'taskClosed', seq: 1, task: decided(draft, DRAFTER, 'submit', '2026-03-02T02:00:00.000Z'), actor: DRAFTER, comment: '张三\u0000身份证330521199001011234' },
          ],
        })
        .then(
          () => undefined,
          (error: unknown) => error,
        );
      expect(failure).toBeInstanceOf(ApplicationFailure);
      expect(failure).toMatchObject({ type: PROJECTION_FAILURES.databaseRefused, nonRetryable: false, message: expect.stringMatching(/^the read model could not take this projection \(PostgreSQL 22/) });
      expect((failure as Error).message).not.toMatch(/张三|330521199001011234/);
      expect((failure as ApplicationFailure).cause).toBeUndefined();
      expect(await readModelSnapshot(dataSource)).toEqual(before);
    });
  });
});
