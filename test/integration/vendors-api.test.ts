import { readFileSync } from 'node:fs';
import path from 'node:path';
import { PROJECT_ROOT } from '../../src/config/project-root.js';
import { NotFoundError } from '../../apps/api/src/common/domain-errors.js';
import { VendorsRepository } from '../../apps/api/src/vendors/vendors.repository.js';
import { VendorIneligibleError, VendorsService } from '../../apps/api/src/vendors/vendors.service.js';
import { createProcurementProjectionActivities } from '../../activities/procurement-projections.js';
import type { EngineCommand } from '../../workflows/engine/types.js';
import { startTestApi, type TestApi, tokenFor } from '../support/api-server.js';
import { creditCode, freshCreditCode, launchCycle, startContract } from '../support/procurement-fixtures.js';

/**
 * The vendor registry, public notices and payments through the HTTP API, on real PostgreSQL: who may
 * do what, the rules of verification and suspension, eligibility, jurisdictions, and the audit trail.
 */
describe('the vendors, public notices and payments API', () => {
  let api: TestApi;
  let admin: string;
  let adminVerifier: string;
  let civilAffairs: string;
  let finance: string;
  let anjiAdmin: string;
  let anjiCivilAffairs: string;
  let national: string;
  let service: VendorsService;

  beforeAll(async () => {
    api = await startTestApi('vendors_api');
    admin = await tokenFor({ userId: 'wang.fang', name: '王芳', roles: ['administrator'], jurisdiction: 'zj-deqing' });
    adminVerifier = await tokenFor({ userId: 'zhao.hua', name: '赵华', roles: ['administrator', 'civil-affairs'], jurisdiction: 'zj-deqing' });
    civilAffairs = await tokenFor({ userId: 'qian.hui', name: '钱慧', roles: ['civil-affairs'], jurisdiction: 'zj-deqing' });
    finance = await tokenFor({ userId: 'li.ming', name: '李明', roles: ['finance-bureau'], jurisdiction: 'zj-deqing' });
    anjiAdmin = await tokenFor({ userId: 'zhao.lei', roles: ['administrator'], jurisdiction: 'zj-anji' });
    anjiCivilAffairs = await tokenFor({ userId: 'sun.yu', roles: ['civil-affairs'], jurisdiction: 'zj-anji' });
    national = await tokenFor({ userId: 'chen.jing', roles: ['ministry-viewer'], jurisdiction: 'cn' });
    service = new VendorsService(new VendorsRepository(api.dataSource));
    // Deqing's procedure names civil affairs as the verifier of qualifiedSocialOrganisation and publishedConditions.
    const file = 'deqing-community-correction.yaml';
    const deployed = await call('POST', '/definitions', admin, { files: [{ file, text: readFileSync(path.join(PROJECT_ROOT, 'definitions/procedures', file), 'utf8') }] });
    expect(deployed.status).toBe(201);
  });

  afterAll(async () => {
    await api?.close();
  });

  const call = async (method: 'GET' | 'POST', route: string, token: string | undefined, body?: unknown) => {
    const response = await fetch(`${api.baseUrl}${route}`, {
      method,
      headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  };
  const fields = (body: Record<string, unknown>) => (body['details'] as Array<{ field: string }>).map((detail) => detail.field);
  const vendorBody = (overrides: Record<string, unknown> = {}) => ({
    name: '德清县阳光社会工作服务中心',
    creditCode: freshCreditCode(),
    registrationType: 'socialServiceAgency',
    evidence: [
      { criterionId: 'qualifiedSocialOrganisation', document: '民政局登记证书 浙德民证字第0042号' },
      { criterionId: 'publishedConditions', document: '承接主体条件自查表', note: '附三年审计报告' },
    ],
    ...overrides,
  });
  const register = async (token = admin, overrides: Record<string, unknown> = {}) => {
    const { status, body } = await call('POST', '/vendors', token, vendorBody(overrides));
    expect([status, body['message']]).toEqual([201, undefined]);
    return body as { id: string; creditCode: string; name: string };
  };
  const auditOf = async (vendorId: string) =>
    (await api.dataSource.query(
      `SELECT action, actor_id, actor_role, jurisdiction, comment, details FROM audit_entries WHERE subject_type = 'vendor' AND subject_id = $1 ORDER BY id`,
      [vendorId],
    )) as Array<Record<string, unknown>>;

  describe('registration', () => {
    it('registers a vendor, pending verification, and audits it', async () => {
      const body = vendorBody({ creditCode: creditCode('52330521MJ0000001').toLowerCase() });
      const { status, body: vendor } = await call('POST', '/vendors', admin, body);
      expect(status).toBe(201);
      expect(vendor).toEqual({
        id: expect.stringMatching(/^[0-9a-f-]{36}$/),
        name: '德清县阳光社会工作服务中心',
        creditCode: creditCode('52330521MJ0000001'),
        jurisdiction: 'zj-deqing',
        registrationType: 'socialServiceAgency',
        evidence: body.evidence.map((item) => ({ ...item, expired: false, verifications: [], rejection: null })),
        verificationStatus: 'pending',
        verificationComment: null,
        verifiedBy: null,
        verifiedAt: null,
        suspended: false,
        suspensionReason: null,
        suspendedBy: null,
        suspendedAt: null,
        reinstatementRole: null,
        registeredBy: 'wang.fang',
        registeredAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
      });
      expect(await auditOf(vendor['id'] as string)).toEqual([
        {
          action: 'vendor.registered',
          actor_id: 'wang.fang',
          actor_role: 'administrator',
          jurisdiction: 'zj-deqing',
          comment: null,
          details: expect.objectContaining({ actorName: '王芳', criteria: ['qualifiedSocialOrganisation', 'publishedConditions'] }),
        },
      ]);
      const fetched = await call('GET', `/vendors/${vendor['id'] as string}`, finance);
      expect(fetched).toEqual({ status: 200, body: vendor });
    });

    it.each([
      ['a wrong check character', creditCode('52330521MJ0000002').slice(0, 17) + '0', 'fails its check'],
      ['17 characters', '52330521MJ000000', 'must be 18 characters long'],
      ['a letter outside the alphabet', '52330521MJ000000I0', 'contains "I"'],
      ['a letter outside the alphabet (O for 0)', '5233O521MJ00000020', 'contains "O"'],
      ['a letter in the division code', '5233A521MJ00000020', 'characters 3 to 8 must be digits'],
    ])('refuses a credit code with %s with 422 naming creditCode and why', async (_what, code, why) => {
      const { status, body } = await call('POST', '/vendors', admin, vendorBody({ creditCode: code }));
      expect(status).toBe(422);
      expect(body['details']).toEqual([{ field: 'creditCode', problem: expect.stringContaining(why) }]);
    });

    it('refuses a second registration of the same credit code with 409', async () => {
      const code = freshCreditCode();
      const first = await register(admin, { creditCode: code });
      const { status, body } = await call('POST', '/vendors', admin, vendorBody({ creditCode: code, name: '另一个名字' }));
      expect(status).toBe(409);
      expect(body['message']).toContain(`already registered as vendor "德清县阳光社会工作服务中心" (${first.id})`);
      expect(fields(body)).toEqual(['creditCode']);
      const other = await call('POST', '/vendors', anjiAdmin, vendorBody({ creditCode: code }));
      expect(other.status).toBe(409);
      expect(other.body['message']).toContain('already registered in another jurisdiction');
    });

    it.each([
      [{ evidence: [] }, 'evidence'],
      [{ evidence: [{ criterionId: 'Tax', document: 'x' }] }, 'evidence.0.criterionId'],
      [{ evidence: [{ criterionId: 'tax', document: '  ' }] }, 'evidence.0.document'],
      [{ name: '' }, 'name'],
      [{ registrationType: 'club' }, 'registrationType'],
      [{ jurisdiction: 'Deqing County' }, 'jurisdiction'],
      [{ unexpected: 1 }, 'unexpected'],
    ])('refuses %j with 422 naming %s, writing nothing', async (overrides, field) => {
      const before = (await api.dataSource.query(`SELECT count(*) AS n FROM vendors`)) as Array<{ n: string }>;
      const { status, body } = await call('POST', '/vendors', admin, vendorBody(overrides));
      expect(status).toBe(422);
      expect(fields(body)).toContain(field);
      expect(await api.dataSource.query(`SELECT count(*) AS n FROM vendors`)).toEqual(before);
    });

    it('refuses evidence that names a criterion twice', async () => {
      const evidence = [
        { criterionId: 'taxAndSocialInsurance', document: 'a' },
        { criterionId: 'taxAndSocialInsurance', document: 'b' },
      ];
      const { status, body } = await call('POST', '/vendors', admin, vendorBody({ evidence }));
      expect(status).toBe(422);
      expect(body['details']).toEqual([{ field: 'evidence[1].criterionId', problem: expect.stringContaining('also evidenced by evidence[0]') }]);
    });

    it('lets only administrators register, and only in their own jurisdiction', async () => {
      expect((await call('POST', '/vendors', civilAffairs, vendorBody())).status).toBe(403);
      const { status, body } = await call('POST', '/vendors', admin, vendorBody({ jurisdiction: 'zj-anji' }));
      expect(status).toBe(403);
      expect(fields(body)).toEqual(['jurisdiction']);
    });
  });

  describe('verification, suspension and eligibility', () => {
    let vendorId: string;

    beforeAll(async () => {
      ({ id: vendorId } = await register());
    });

    it('refuses an unverified vendor as ineligible, saying so', async () => {
      await expect(service.assertEligible(vendorId, 'zj-deqing')).rejects.toMatchObject({
        reason: 'unverified',
        status: 409,
        message: expect.stringContaining('has not been verified yet'),
      });
    });

    it('lets only civil affairs verify (403 for every other role)', async () => {
      for (const token of [admin, finance, national]) {
        const { status, body } = await call('POST', `/vendors/${vendorId}/verification`, token, { decision: 'verified' });
        expect(status).toBe(403);
        expect(body['message']).toContain('"civil-affairs"');
      }
    });

    it('refuses a rejection without a comment with 422 naming comment', async () => {
      const { status, body } = await call('POST', `/vendors/${vendorId}/verification`, civilAffairs, { decision: 'rejected', comment: '  ' });
      expect(status).toBe(422);
      expect(fields(body)).toEqual(['comment']);
    });

    it('does not let whoever registered a vendor verify it', async () => {
      const own = await register(adminVerifier);
      const { status, body } = await call('POST', `/vendors/${own.id}/verification`, adminVerifier, { decision: 'verified' });
      expect(status).toBe(403);
      expect(body['message']).toContain('zhao.hua registered vendor');
    });

    it('verifies by civil affairs, audits it, and makes the vendor eligible', async () => {
      const { status, body } = await call('POST', `/vendors/${vendorId}/verification`, civilAffairs, { decision: 'verified', comment: '资质材料齐全' });
      expect(status).toBe(200);
      expect(body).toMatchObject({ verificationStatus: 'verified', verifiedBy: 'qian.hui', verificationComment: '资质材料齐全', verifiedAt: expect.any(String) });
      expect((await auditOf(vendorId)).at(-1)).toEqual({
        action: 'vendor.verified',
        actor_id: 'qian.hui',
        actor_role: 'civil-affairs',
        jurisdiction: 'zj-deqing',
        comment: '资质材料齐全',
        details: expect.objectContaining({ previousStatus: 'pending', actorName: '钱慧' }),
      });
      await expect(service.assertEligible(vendorId, 'zj-deqing')).resolves.toEqual({
        vendorId,
        name: '德清县阳光社会工作服务中心',
        creditCode: expect.any(String),
        jurisdiction: 'zj-deqing',
        registrationType: 'socialServiceAgency',
        verifiedBy: 'qian.hui',
        verifiedAt: body['verifiedAt'],
      });
      const again = await call('POST', `/vendors/${vendorId}/verification`, civilAffairs, { decision: 'rejected', comment: '改主意' });
      expect(again.status).toBe(409);
      expect(again.body['message']).toContain('suspend it');
    });

    it('keeps a vendor pending, naming nobody, while one of its criteria is verified and another is not', async () => {
      // Found by the API fuzzer: a finding on one criterion, or new evidence for a verified vendor, left the
      // summary pending with a verifier named, which the registry's own constraint refuses (a 500).
      const partly = await register();
      const one = await call('POST', `/vendors/${partly.id}/verification`, civilAffairs, { decision: 'verified', criteria: ['publishedConditions'] });
      expect(one.status).toBe(200);
      expect(one.body).toMatchObject({ verificationStatus: 'pending', verifiedBy: null, verifiedAt: null });
      const both = await call('POST', `/vendors/${partly.id}/verification`, civilAffairs, { decision: 'verified' });
      expect(both.status).toBe(200);
      expect(both.body).toMatchObject({ verificationStatus: 'verified', verifiedBy: 'qian.hui' });
      const renewed = await call('POST', `/vendors/${partly.id}/evidence`, admin, { criterionId: 'publishedConditions', document: '承接主体条件自查表（更新）' });
      expect(renewed.status).toBe(200);
      expect(renewed.body).toMatchObject({ verificationStatus: 'pending', verifiedBy: null, verifiedAt: null });
    });

    it('refuses a verified vendor for a cycle of another jurisdiction', async () => {
      await expect(service.assertEligible(vendorId, 'zj-anji')).rejects.toMatchObject({
        reason: 'other-jurisdiction',
        message: expect.stringContaining('is registered in zj-deqing, not in zj-anji'),
      });
    });

    it('lets administrators and the finance bureau suspend, with a reason, and audits it', async () => {
      expect((await call('POST', `/vendors/${vendorId}/suspension`, civilAffairs, { reason: '绩效差' })).status).toBe(403);
      const missing = await call('POST', `/vendors/${vendorId}/suspension`, finance, {});
      expect(missing.status).toBe(422);
      expect(fields(missing.body)).toContain('reason');
      const blank = await call('POST', `/vendors/${vendorId}/suspension`, finance, { reason: '   ' });
      expect(fields(blank.body)).toEqual(['reason']);

      const { status, body } = await call('POST', `/vendors/${vendorId}/suspension`, finance, { reason: '年度绩效评价不合格，终止承接资格' });
      expect(status).toBe(200);
      expect(body).toMatchObject({ suspended: true, suspensionReason: '年度绩效评价不合格，终止承接资格', suspendedBy: 'li.ming', suspendedAt: expect.any(String) });
      expect((await auditOf(vendorId)).at(-1)).toMatchObject({ action: 'vendor.suspended', actor_id: 'li.ming', actor_role: 'finance-bureau', comment: '年度绩效评价不合格，终止承接资格' });

      const twice = await call('POST', `/vendors/${vendorId}/suspension`, admin, { reason: 'again' });
      expect(twice.status).toBe(409);
      expect(twice.body['message']).toContain('already suspended');
    });

    it('refuses a suspended vendor as ineligible, with the reason', async () => {
      const refusal = service.assertEligible(vendorId, 'zj-deqing');
      await expect(refusal).rejects.toBeInstanceOf(VendorIneligibleError);
      await expect(refusal).rejects.toMatchObject({ reason: 'suspended', message: expect.stringContaining('年度绩效评价不合格，终止承接资格') });
    });

    it('refuses a rejected vendor as ineligible, with civil affairs’ comment, and lets it be verified later', async () => {
      const { id } = await register();
      const rejected = await call('POST', `/vendors/${id}/verification`, civilAffairs, { decision: 'rejected', comment: '缺少近三年社会保险缴纳记录' });
      expect(rejected.body).toMatchObject({ verificationStatus: 'rejected', verificationComment: '缺少近三年社会保险缴纳记录' });
      await expect(service.assertEligible(id, 'zj-deqing')).rejects.toMatchObject({ reason: 'rejected', message: expect.stringContaining('缺少近三年社会保险缴纳记录') });
      expect((await call('POST', `/vendors/${id}/verification`, civilAffairs, { decision: 'rejected', comment: 'again' })).status).toBe(409);
      expect((await call('POST', `/vendors/${id}/verification`, civilAffairs, { decision: 'verified', comment: '已补交' })).status).toBe(200);
    });

    it('answers an unknown vendor with NotFoundError, and a malformed id with 422', async () => {
      await expect(service.assertEligible('00000000-0000-4000-8000-000000000000', 'zj-deqing')).rejects.toBeInstanceOf(NotFoundError);
      const { status, body } = await call('GET', '/vendors/not-a-uuid', admin);
      expect(status).toBe(422);
      expect(fields(body)).toEqual(['id']);
      expect((await call('GET', '/vendors/00000000-0000-4000-8000-000000000000', admin)).status).toBe(404);
    });

    it('refuses to delete a vendor or change its credit code, even in SQL', async () => {
      await expect(api.dataSource.query(`DELETE FROM vendors WHERE id = $1`, [vendorId])).rejects.toThrow(/suspend the vendor instead/);
      await expect(api.dataSource.query(`UPDATE vendors SET credit_code = $2 WHERE id = $1`, [vendorId, freshCreditCode()])).rejects.toThrow(/never change/);
    });
  });

  describe('jurisdictions and filters', () => {
    let deqingVendor: string;
    let anjiVendor: string;

    beforeAll(async () => {
      ({ id: deqingVendor } = await register(admin, { name: '德清县甲社工' }));
      ({ id: anjiVendor } = await register(anjiAdmin, { name: '安吉县乙社工' }));
    });

    const listed = async (token: string, query = '') => {
      const { status, body } = await call('GET', `/vendors${query}`, token);
      expect(status).toBe(200);
      return body as { vendors: Array<{ id: string; jurisdiction: string; verificationStatus: string; suspended: boolean }>; total: number };
    };

    it("lists only the caller's jurisdiction, and hides the others' vendors as if they did not exist", async () => {
      const deqing = await listed(finance);
      expect(deqing.vendors.map((v) => v.id)).toContain(deqingVendor);
      expect(deqing.vendors.map((v) => v.id)).not.toContain(anjiVendor);
      expect(new Set(deqing.vendors.map((v) => v.jurisdiction))).toEqual(new Set(['zj-deqing']));
      expect(deqing.total).toBe(deqing.vendors.length);

      const anji = await listed(anjiAdmin);
      expect(anji.vendors.map((v) => v.id)).toEqual([anjiVendor]);
      expect((await call('GET', `/vendors/${deqingVendor}`, anjiAdmin)).status).toBe(404);
      // No procedure of zj-anji names civil affairs as its verifier: refused before the vendor is looked up.
      expect((await call('POST', `/vendors/${deqingVendor}/verification`, anjiCivilAffairs, { decision: 'verified' })).status).toBe(403);
      expect((await call('POST', `/vendors/${deqingVendor}/suspension`, anjiAdmin, { reason: 'x' })).status).toBe(404);

      const all = await listed(national);
      expect(all.vendors.map((v) => v.id)).toEqual(expect.arrayContaining([deqingVendor, anjiVendor]));
    });

    it('filters by verification status and suspension, and pages', async () => {
      const verified = await listed(finance, '?status=verified');
      expect(verified.vendors.length).toBeGreaterThan(0);
      expect(verified.vendors.every((v) => v.verificationStatus === 'verified')).toBe(true);
      const suspended = await listed(finance, '?suspended=true');
      expect(suspended.vendors.length).toBeGreaterThan(0);
      expect(suspended.vendors.every((v) => v.suspended)).toBe(true);
      const active = await listed(finance, '?suspended=false&status=pending');
      expect(active.vendors.map((v) => v.id)).toContain(deqingVendor);
      expect(active.vendors.every((v) => !v.suspended && v.verificationStatus === 'pending')).toBe(true);
      const page = await listed(finance, '?limit=1&offset=1');
      expect(page.vendors).toHaveLength(1);
      expect(page.total).toBe((await listed(finance)).total);

      for (const [query, field] of [
        ['?status=approved', 'status'],
        ['?suspended=maybe', 'suspended'],
        ['?limit=0', 'limit'],
      ]) {
        const { status, body } = await call('GET', `/vendors${query}`, finance);
        expect([query, status]).toEqual([query, 422]);
        expect(fields(body)).toEqual([field]);
      }
    });
  });

  describe('public notices and payments', () => {
    let deqingCycle: string;
    let anjiCycle: string;
    let contractId: string;

    beforeAll(async () => {
      const projections = createProcurementProjectionActivities({ dataSource: api.dataSource });
      deqingCycle = await launchCycle(api.dataSource, { jurisdiction: 'zj-deqing' });
      anjiCycle = await launchCycle(api.dataSource, { jurisdiction: 'zj-anji' });
      const notice = (seq: number, kind: string, at: string): EngineCommand => ({
        type: 'publishNotice',
        seq,
        at,
        noticeId: kind,
        kind,
        title: { zh: `${kind}公告`, en: `${kind} notice` },
        lines: [{ label: { zh: '预算', en: 'Budget' }, value: '120,000.00' }],
      });
      await projections.applyCommands({
        workflowId: deqingCycle,
        cycleId: deqingCycle,
        commands: [notice(0, 'requirementsConsultation', '2026-03-01T00:00:00.000Z'), notice(1, 'purchaseNotice', '2026-03-10T00:00:00.000Z')],
      });
      await projections.applyCommands({ workflowId: anjiCycle, cycleId: anjiCycle, commands: [notice(0, 'purchaseNotice', '2026-03-05T00:00:00.000Z')] });
      contractId = await startContract(api.dataSource, deqingCycle, { vendorId: 'vendor-x', vendorName: '德清县阳光社会工作服务中心' });
      await projections.applyCommands({
        workflowId: contractId,
        cycleId: deqingCycle,
        contractId,
        commands: [
          { type: 'instructPayment', seq: 0, at: '2026-06-02T00:00:00.000Z', trancheId: 'signing', fund: 'working', amountFen: 12_345, vendorId: 'vendor-x', vendorName: '德清县阳光社会工作服务中心' },
        ],
      });
    });

    it('serves published notices without a token, newest first, filtered by jurisdiction and kind', async () => {
      const response = await fetch(`${api.baseUrl}/public/notices?jurisdiction=zj-deqing`);
      expect(response.status).toBe(200);
      const body = (await response.json()) as { notices: Array<Record<string, unknown>>; total: number };
      expect(body.total).toBe(2);
      expect(body.notices.map((n) => n['kind'])).toEqual(['purchaseNotice', 'requirementsConsultation']);
      expect(body.notices[0]).toEqual({
        id: expect.stringMatching(/^[0-9a-f-]{36}$/),
        cycleId: deqingCycle,
        contractId: null,
        cycleTitle: { zh: '2026年社区矫正服务采购', en: 'Community-correction services 2026' },
        jurisdiction: 'zj-deqing',
        noticeId: 'purchaseNotice',
        kind: 'purchaseNotice',
        title: { zh: 'purchaseNotice公告', en: 'purchaseNotice notice' },
        lines: [{ label: { zh: '预算', en: 'Budget' }, value: '120,000.00' }],
        publishedAt: '2026-03-10T00:00:00.000Z',
      });

      const purchase = (await (await fetch(`${api.baseUrl}/public/notices?kind=purchaseNotice`)).json()) as { notices: Array<{ cycleId: string }> };
      expect(purchase.notices.map((n) => n.cycleId)).toEqual(expect.arrayContaining([deqingCycle, anjiCycle]));
      const one = await fetch(`${api.baseUrl}/public/notices/${body.notices[0]?.['id'] as string}`);
      expect(one.status).toBe(200);
      expect(await one.json()).toEqual(body.notices[0]);
    });

    it('answers unknown and malformed notice requests with 404 and 422', async () => {
      expect((await fetch(`${api.baseUrl}/public/notices/00000000-0000-4000-8000-000000000000`)).status).toBe(404);
      const malformed = await call('GET', '/public/notices/nope', undefined);
      expect(malformed.status).toBe(422);
      expect(fields(malformed.body)).toEqual(['id']);
      const kind = await call('GET', '/public/notices?kind=gossip', undefined);
      expect(kind.status).toBe(422);
      expect(fields(kind.body)).toEqual(['kind']);
    });

    it("lists payments of the caller's jurisdiction only, with amounts in fen and yuan", async () => {
      expect((await call('GET', '/payments', undefined)).status).toBe(401);
      const { status, body } = await call('GET', `/payments?cycleId=${encodeURIComponent(deqingCycle)}`, finance);
      expect(status).toBe(200);
      expect(body).toEqual({
        total: 1,
        payments: [
          {
            id: expect.any(String),
            cycleId: deqingCycle,
            contractId,
            jurisdiction: 'zj-deqing',
            trancheId: 'signing',
            fund: 'working',
            vendorId: 'vendor-x',
            vendorName: '德清县阳光社会工作服务中心',
            amountFen: 12_345,
            amountYuan: '123.45',
            idempotencyKey: `${contractId}:tranche:signing`,
            status: 'instructed',
            instructedAt: '2026-06-02T00:00:00.000Z',
            exportedAt: null,
            exportFile: null,
          },
        ],
      });
      expect((await call('GET', `/payments?contractId=${encodeURIComponent(contractId)}`, finance)).body['total']).toBe(1);
      expect((await call('GET', `/payments?contractId=other`, finance)).body['total']).toBe(0);
      expect((await call('GET', '/payments?status=exported', finance)).body['total']).toBe(0);
      expect((await call('GET', '/payments', anjiAdmin)).body).toEqual({ payments: [], total: 0 });
      expect((await call('GET', '/payments', national)).body['total']).toBe(1);
    });
  });
});
