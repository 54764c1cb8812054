import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { PROJECT_ROOT } from '../../src/config/project-root.js';
import { tokenFor } from './api-server.js';
import { calendarFilesAround } from './calendars.js';
import { eventually } from './eventually.js';
import type { ProcurementApi } from './procurement-api.js';
import { freshCreditCode } from './procurement-fixtures.js';
import { type PendingTimerView, skipPastTimer } from './time-skipping.js';

/** The jurisdiction and key of the minimal procedure (test/unit/definitions/fixtures/minimal-procedure.yaml). */
export const MINIMAL_JURISDICTION = 'test-county';
export const MINIMAL_PROCEDURE_KEY = 'test-county-community-correction';

/**
 * Deploys the minimal procedure on a time-skipping API and takes one cycle of it, through the HTTP API as
 * its users would, to a running contract: budget drafted and approved, two verified vendors bid, the first
 * wins 1,800,000 fen, the contract is signed and its periods are open. Fills `tokens` with the people it
 * used (admin, justice, finance, ops, national, staff of the winner, otherStaff of the loser).
 */
export async function awardMinimalContract(api: ProcurementApi, tokens: Record<string, string>): Promise<{ cycleId: string; contractId: string }> {
  const call = <T = Record<string, unknown>>(method: 'GET' | 'POST', route: string, who: string, body?: unknown) => api.call<T>(method, route, tokens[who], body);
  const pendingTimers = (id: string) => async () =>
    (await call<{ live: { pendingTimers: PendingTimerView[] } | null }>('GET', `/cycles/${encodeURIComponent(id)}`, 'admin')).body.live?.pendingTimers ?? [];
  const decide = (taskId: string, who: string, body: Record<string, unknown>) => call('POST', `/tasks/${encodeURIComponent(taskId)}/decision`, who, { requestId: randomUUID(), fields: {}, ...body });

  const people: Record<string, { roles: string[]; jurisdiction?: string }> = {
    admin: { roles: ['administrator'] },
    justice: { roles: ['justice-bureau'] },
    finance: { roles: ['finance-bureau'] },
    ops: { roles: ['ops'] },
    national: { roles: ['administrator'], jurisdiction: 'cn' },
  };
  for (const [who, person] of Object.entries(people)) tokens[who] = await tokenFor({ userId: who, name: who, roles: person.roles, jurisdiction: person.jurisdiction ?? MINIMAL_JURISDICTION });
  const procedure = readFileSync(path.join(PROJECT_ROOT, 'test/unit/definitions/fixtures/minimal-procedure.yaml'), 'utf8');
  expect((await call('POST', '/definitions', 'national', { files: calendarFilesAround() })).status).toBe(201);
  expect((await call('POST', '/definitions', 'admin', { files: [{ file: 'minimal-procedure.yaml', text: procedure }] })).status).toBe(201);

  const register = async (name: string) => {
    const created = await call('POST', '/vendors', 'admin', {
      name,
      creditCode: freshCreditCode(),
      registrationType: 'socialServiceAgency',
      evidence: [{ criterionId: 'registered', document: `${name}登记证书` }],
      jurisdiction: MINIMAL_JURISDICTION,
    });
    expect(created.status).toBe(201);
    const id = created.body['id'] as string;
    expect((await call('POST', `/vendors/${id}/verification`, 'justice', { decision: 'verified' })).status).toBe(200);
    return id;
  };
  // The procedure wants two bids: one wins, the other is scored.
  const vendorId = await register('测试县阳光社会工作服务中心');
  const otherId = await register('测试县和谐社工事务所');
  tokens['staff'] = await tokenFor({ userId: 'staff', name: '阳光职员', roles: ['vendor'], jurisdiction: MINIMAL_JURISDICTION, vendorId });
  tokens['otherStaff'] = await tokenFor({ userId: 'other.staff', name: '和谐职员', roles: ['vendor'], jurisdiction: MINIMAL_JURISDICTION, vendorId: otherId });

  const cycleId = (await call('POST', '/cycles', 'admin', { definitionKey: MINIMAL_PROCEDURE_KEY, inputs: { supervisedPersons: 20 } })).body['cycleId'] as string;
  const inbox = async (who: string) => (await call<{ tasks: Array<{ id: string; nodeId: string }> }>('GET', `/tasks?cycleId=${encodeURIComponent(cycleId)}`, who)).body.tasks;
  const draft = await eventually(() => inbox('justice'), (tasks) => tasks.some((t) => t.nodeId === 'draftBudget'));
  expect((await decide(draft[0]?.id ?? '', 'justice', { outcome: 'submit', fields: { justification: '按在册人数编制' } })).status).toBe(200);
  expect((await decide(`${cycleId}/reviewBudget#1`, 'finance', { outcome: 'approve' })).status).toBe(200);
  await skipPastTimer(api.env, pendingTimers(cycleId), 'wait');
  await eventually(() => call<{ selection: { biddingOpen: boolean } }>('GET', `/cycles/${cycleId}`, 'admin'), (answer) => answer.body.selection.biddingOpen);
  const bid = await call('POST', `/cycles/${cycleId}/bids`, 'staff', { requestId: randomUUID(), vendorId, priceFen: 1_800_000 });
  expect(bid.status).toBe(201);
  const other = await call('POST', `/cycles/${cycleId}/bids`, 'otherStaff', { requestId: randomUUID(), vendorId: otherId, priceFen: 1_900_000 });
  expect(other.status).toBe(201);
  await skipPastTimer(api.env, pendingTimers(cycleId), 'bidding');
  const award = await eventually(() => inbox('justice'), (tasks) => tasks.some((t) => t.nodeId === 'award'));
  const awarded = await decide(award.find((t) => t.nodeId === 'award')?.id ?? '', 'justice', {
    outcome: 'approve',
    payload: { kind: 'award', scores: { [bid.body['bidId'] as string]: { price: 80, plan: 80 }, [other.body['bidId'] as string]: { price: 80, plan: 80 } }, winners: [{ bidId: bid.body['bidId'], amountFen: 1_800_000 }] },
  });
  expect(awarded.status).toBe(200);
  const sign = await eventually(() => inbox('justice'), (tasks) => tasks.some((t) => t.nodeId === 'signContract'));
  expect((await decide(sign.find((t) => t.nodeId === 'signContract')?.id ?? '', 'justice', { outcome: 'submit' })).status).toBe(200);
  await eventually(() => inbox('staff'), (tasks) => tasks.some((t) => t.nodeId === 'periods'));
  return { cycleId, contractId: `${cycleId}/contract/${vendorId}` };
}
