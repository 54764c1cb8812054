import { readFileSync } from 'node:fs';
import path from 'node:path';
import { SignJWT } from 'jose';
import { DefinitionCompilerPool } from '../../apps/api/src/definitions/definition-compiler.pool.js';
import { PROJECT_ROOT } from '../../src/config/project-root.js';
import { signAccessToken } from '../../src/identity/access-tokens.js';
import { startTestApi, type TestApi, TEST_JWT_SECRET, tokenFor } from '../support/api-server.js';
import { calendarDefinition, NEW_YEAR_2026, REVERSED_HOLIDAY_CALENDAR } from '../support/definition-texts.js';

const DEQING_PROCEDURE = readFileSync(path.join(PROJECT_ROOT, 'definitions/procedures/deqing-community-correction.yaml'), 'utf8');

/** The file of the attack: 112 kB of YAML whose 16,000 aliases took the quadratic alias pre-pass 28 s. */
const SIXTEEN_THOUSAND_ALIASES = `apiVersion: procureflow.gov.cn/v1\nkind: Calendar\nanchor: &a x\nlist:\n${'  - *a\n'.repeat(16_000)}`;

/**
 * The definition registry through its HTTP API, on real PostgreSQL: who may call it, deploy
 * semantics (all or nothing, idempotent, versioned, serialised), reads, diffs, jurisdictions, and the
 * limits that keep any file from stalling the API.
 */
describe('the definitions API', () => {
  let api: TestApi;
  let admin: string;
  let approver: string;
  let anjiAdmin: string;
  let nationalViewer: string;
  let nationalAdmin: string;
  let vendor: string;

  beforeAll(async () => {
    api = await startTestApi('definitions_api');
    admin = await tokenFor({ userId: 'wang.fang', name: '王芳', roles: ['administrator'], jurisdiction: 'zj-deqing' });
    approver = await tokenFor({ userId: 'li.ming', roles: ['finance-bureau'], jurisdiction: 'zj-deqing' });
    anjiAdmin = await tokenFor({ userId: 'zhao.lei', roles: ['administrator'], jurisdiction: 'zj-anji' });
    nationalViewer = await tokenFor({ userId: 'chen.jing', roles: ['ministry-viewer'], jurisdiction: 'cn' });
    nationalAdmin = await tokenFor({ userId: 'sun.li', roles: ['administrator'], jurisdiction: 'cn' });
    vendor = await tokenFor({ userId: 'zhou.kai', roles: ['vendor'], jurisdiction: 'zj-deqing', vendorId: '6f1c2a9b-8d01-4a44-9d7e-0b5c8c1e4f7a' });
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
    return { status: response.status, headers: response.headers, body: (await response.json()) as Record<string, unknown> };
  };
  const deploy = (token: string, files: Array<{ file: string; text: string }>, comment?: string) =>
    call('POST', '/definitions', token, { files, ...(comment ? { comment } : {}) });
  /** Everything deployed, as the national level sees it through the API: unchanged means nothing was stored. */
  const registry = async () => {
    const { status, body } = await call('GET', '/definitions', nationalViewer);
    expect(status).toBe(200);
    return body['definitions'];
  };
  const rowCount = async (key?: string): Promise<number> => {
    const rows: Array<{ count: string }> = key
      ? await api.dataSource.query('SELECT count(*) FROM definition_versions WHERE key = $1', [key])
      : await api.dataSource.query('SELECT count(*) FROM definition_versions');
    return Number(rows[0]?.count);
  };

  describe('identity', () => {
    it('refuses a request without a token with 401 and a bearer challenge', async () => {
      const { status, headers, body } = await call('GET', '/definitions', undefined);
      expect(status).toBe(401);
      expect(headers.get('www-authenticate')).toBe('Bearer realm="procureflow"');
      expect(body).toMatchObject({ status: 401, code: 'unauthorized', message: expect.stringContaining('Authorization: Bearer <token>') });
    });

    it.each([
      ['garbage', async () => 'not-a-jwt', 'malformed'],
      ['a token signed with another secret', () => tokenFor({ roles: ['administrator'], jurisdiction: 'cn' }, 'another-secret-that-is-also-long-enough-000'), 'not signed by this procureflow'],
      [
        'an expired token',
        async () =>
          (await signAccessToken({ userId: 'u', name: 'n', roles: ['administrator'], jurisdiction: 'cn' }, TEST_JWT_SECRET, {
            expiresInSeconds: 60,
            now: new Date(Date.now() - 3_600_000),
          })).token,
        'expired',
      ],
      [
        'a token without roles',
        () =>
          new SignJWT({ name: 'n', jurisdiction: 'cn' })
            .setProtectedHeader({ alg: 'HS256' })
            .setSubject('u')
            .setIssuer('procureflow')
            .setAudience('procureflow-api')
            .setIssuedAt()
            .setExpirationTime('1h')
            .sign(new TextEncoder().encode(TEST_JWT_SECRET)),
        'no "roles" claim',
      ],
    ])('refuses %s with 401 saying why', async (_what, makeToken, reason) => {
      const { status, headers, body } = await call('GET', '/definitions', await makeToken());
      expect(status).toBe(401);
      expect(headers.get('www-authenticate')).toBe('Bearer realm="procureflow", error="invalid_token"');
      expect(body).toMatchObject({ code: 'unauthorized', message: expect.stringContaining(reason) });
    });

    it('refuses an Authorization header of another scheme', async () => {
      const response = await fetch(`${api.baseUrl}/definitions`, { headers: { authorization: 'Basic d2FuZzpzZWNyZXQ=' } });
      expect(response.status).toBe(401);
      expect(await response.json()).toMatchObject({ message: 'The Authorization header must read "Bearer <token>".' });
    });

    it('keeps health, readiness and the API documentation public', async () => {
      expect((await fetch(`${api.baseUrl}/health`)).status).toBe(200);
      expect((await fetch(`${api.baseUrl}/ready`)).status).not.toBe(401);
      const docs = await fetch(`${api.baseUrl}/docs-json`);
      expect(docs.status).toBe(200);
      expect(Object.keys(((await docs.json()) as { paths: object }).paths)).toContain('/definitions');
    });

    it('refuses a deploy by a user without the administrator role with 403, writing nothing', async () => {
      const { status, body } = await deploy(approver, [{ file: 'approver.yaml', text: calendarDefinition({ key: 'approver-2026' }) }]);
      expect(status).toBe(403);
      expect(body).toMatchObject({ code: 'forbidden', message: expect.stringContaining('"administrator"') });
      expect(body['message']).toContain('li.ming has the roles "finance-bureau"');
      expect(await rowCount('approver-2026')).toBe(0);
    });
  });

  describe('validate', () => {
    it.each([
      ['a vendor', () => vendor, 'zhou.kai has the roles "vendor"'],
      ['an approver', () => approver, 'li.ming has the roles "finance-bureau"'],
    ])('refuses %s with 403: only administrators, who deploy, may validate', async (_who, token, roles) => {
      const { status, body } = await call('POST', '/definitions/validate', token(), { files: [{ file: 'aliases.yaml', text: SIXTEEN_THOUSAND_ALIASES }] });
      expect(status).toBe(403);
      expect(body).toMatchObject({ code: 'forbidden', message: expect.stringContaining('"administrator"') });
      expect(body['message']).toContain(roles);
    });

    it('reports on every file for an administrator and stores nothing', async () => {
      const before = await rowCount();
      const { status, body } = await call('POST', '/definitions/validate', admin, {
        files: [
          { file: 'good.yaml', text: calendarDefinition({ key: 'validated-2026' }) },
          { file: 'bad.yaml', text: REVERSED_HOLIDAY_CALENDAR },
        ],
      });
      expect(status).toBe(200);
      expect(body['valid']).toBe(false);
      expect(body['files']).toEqual([
        { file: 'good.yaml', ok: true, kind: 'Calendar', key: 'validated-2026', contentHash: expect.stringMatching(/^[0-9a-f]{64}$/), diagnostics: [] },
        {
          file: 'bad.yaml',
          ok: false,
          diagnostics: [{ ruleId: 'PF-CAL-RANGE', file: 'bad.yaml', line: 12, column: 9, path: 'holidays[0].to', severity: 'error', message: expect.stringContaining('ends on 2026-01-01') }],
        },
      ]);
      expect(await rowCount()).toBe(before);
    });

    it.each([
      [{}, 'files'],
      [{ files: [] }, 'files'],
      [{ files: [{ file: 'x.yaml' }] }, 'files.0.text'],
      [{ files: [{ file: '', text: 'a: 1' }] }, 'files.0.file'],
      [{ files: [{ file: 'x.yaml', text: 'a: 1' }], extra: true }, 'extra'],
    ])('answers a malformed body %j with 422 naming %s', async (payload, field) => {
      const { status, body } = await call('POST', '/definitions/validate', admin, payload);
      expect(status).toBe(422);
      expect(body['code']).toBe('validation-failed');
      expect((body['details'] as Array<{ field: string }>).map((d) => d.field)).toContain(field);
    });

    it('answers a body that is not JSON with 400 and the caller\'s correlation id', async () => {
      const response = await fetch(`${api.baseUrl}/definitions/validate`, {
        method: 'POST',
        headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json', 'x-request-id': 'broken-body-1' },
        body: '{"files": [',
      });
      expect(response.status).toBe(400);
      expect(response.headers.get('x-request-id')).toBe('broken-body-1');
      expect(await response.json()).toMatchObject({ status: 400, code: 'bad-request', correlationId: 'broken-body-1' });
    });

    it('refuses two files of the same name', async () => {
      const text = calendarDefinition();
      const { status, body } = await call('POST', '/definitions/validate', admin, { files: [{ file: 'a.yaml', text }, { file: 'a.yaml', text }] });
      expect(status).toBe(422);
      expect(body['details']).toEqual([{ field: 'files[1].file', problem: expect.stringContaining('also the name of files[0]') }]);
    });
  });

  describe('deploy and read', () => {
    const key = 'deqing-2026';
    const v1 = calendarDefinition({ key, jurisdiction: 'zj-deqing' });
    const v2 = calendarDefinition({ key, jurisdiction: 'zj-deqing', holidays: [{ ...NEW_YEAR_2026, to: '2026-01-04' }] });

    it('deploys a new definition as version 1, with 201, and audits it', async () => {
      const { status, body } = await deploy(admin, [{ file: 'calendars/deqing-2026.yaml', text: v1 }], 'first calendar');
      expect(status).toBe(201);
      expect(body).toEqual({
        created: true,
        definitions: [
          {
            key,
            kind: 'Calendar',
            version: 1,
            created: true,
            contentHash: expect.stringMatching(/^[0-9a-f]{64}$/),
            title: { zh: '测试日历', en: 'Test calendar 2026' },
            jurisdiction: 'zj-deqing',
            serviceType: null,
            sourceFile: 'calendars/deqing-2026.yaml',
            deployedBy: 'wang.fang',
            deployedAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
          },
        ],
      });
      const audit: Array<Record<string, unknown>> = await api.dataSource.query(
        `SELECT actor_id, actor_role, jurisdiction, action, subject_type, subject_id, comment, details, occurred_at FROM audit_entries WHERE subject_id = $1`,
        [key],
      );
      expect(audit).toEqual([
        {
          actor_id: 'wang.fang',
          actor_role: 'administrator',
          jurisdiction: 'zj-deqing',
          action: 'definition.deployed',
          subject_type: 'definition',
          subject_id: key,
          comment: 'first calendar',
          details: expect.objectContaining({ kind: 'Calendar', version: 1, created: true, sourceFile: 'calendars/deqing-2026.yaml', actorName: '王芳' }),
          occurred_at: expect.any(Date),
        },
      ]);
    });

    it('lists it, shows its history and serves the version with its exact source', async () => {
      const list = await call('GET', '/definitions', admin);
      expect(list.status).toBe(200);
      expect(list.body['definitions']).toContainEqual(expect.objectContaining({ key, version: 1, kind: 'Calendar' }));

      const history = await call('GET', `/definitions/${key}`, admin);
      expect(history.status).toBe(200);
      expect(history.body).toMatchObject({ key, kind: 'Calendar', versions: [{ version: 1 }] });

      const version = await call('GET', `/definitions/${key}/versions/1`, admin);
      expect(version.status).toBe(200);
      expect(version.body['sourceText']).toBe(v1);
      expect(version.body['definition']).toMatchObject({ kind: 'Calendar', metadata: { key }, holidays: [{ from: '2026-01-01', to: '2026-01-03' }] });
    });

    it('treats an identical re-deploy as the same version: 200, created false, still one row', async () => {
      const { status, body } = await deploy(admin, [{ file: 'renamed.yaml', text: `# a comment changes no content\n${v1}` }]);
      expect(status).toBe(200);
      expect(body).toMatchObject({ created: false, definitions: [{ key, version: 1, created: false, sourceFile: 'calendars/deqing-2026.yaml' }] });
      expect(await rowCount(key)).toBe(1);
      const audit: Array<{ details: { created: boolean } }> = await api.dataSource.query(
        `SELECT details FROM audit_entries WHERE subject_id = $1 ORDER BY id`,
        [key],
      );
      expect(audit.map((entry) => entry.details.created)).toEqual([true, false]);
    });

    it('makes changed content version 2, listed as the newest', async () => {
      const { status, body } = await deploy(admin, [{ file: 'calendars/deqing-2026.yaml', text: v2 }]);
      expect(status).toBe(201);
      expect(body).toMatchObject({ created: true, definitions: [{ key, version: 2, created: true }] });
      const history = await call('GET', `/definitions/${key}`, admin);
      expect((history.body['versions'] as Array<{ version: number }>).map((v) => v.version)).toEqual([2, 1]);
      const list = await call('GET', '/definitions?kind=Calendar', admin);
      expect((list.body['definitions'] as Array<{ key: string; version: number }>).filter((d) => d.key === key)).toEqual([
        expect.objectContaining({ version: 2 }),
      ]);
    });

    it('diffs the two versions down to the changed path', async () => {
      const { status, body } = await call('GET', `/definitions/${key}/diff?from=1&to=2`, admin);
      expect(status).toBe(200);
      expect(body).toEqual({ key, kind: 'Calendar', from: 1, to: 2, changes: [{ kind: 'changed', path: 'holidays[0].to', before: '2026-01-03', after: '2026-01-04' }] });
      const same = await call('GET', `/definitions/${key}/diff?from=2&to=2`, admin);
      expect(same.body['changes']).toEqual([]);
    });

    it('answers unknown keys and versions with 404 naming them', async () => {
      const unknownKey = await call('GET', '/definitions/no-such-definition', admin);
      expect(unknownKey.status).toBe(404);
      expect(unknownKey.body['message']).toContain('"no-such-definition"');
      const unknownVersion = await call('GET', `/definitions/${key}/versions/7`, admin);
      expect(unknownVersion.status).toBe(404);
      expect(unknownVersion.body['message']).toBe(`Definition "${key}" has no version 7: its versions are 1 to 2.`);
      const diff = await call('GET', `/definitions/${key}/diff?from=1&to=9`, admin);
      expect(diff.status).toBe(404);
      expect(diff.body['message']).toContain('no version 9');
    });

    it.each([
      [`/definitions/deqing-2026/versions/one`, 'version'],
      [`/definitions/deqing-2026/versions/0`, 'version'],
      [`/definitions/deqing-2026/diff?from=1`, 'to'],
      [`/definitions?kind=Recipe`, 'kind'],
    ])('answers %s with 422 naming %s', async (route, field) => {
      const { status, body } = await call('GET', route, admin);
      expect(status).toBe(422);
      expect(new Set((body['details'] as Array<{ field: string }>).map((d) => d.field))).toEqual(new Set([field]));
    });

    it('refuses to change or delete a deployed version, even in SQL', async () => {
      await expect(api.dataSource.query(`UPDATE definition_versions SET source_text = 'x' WHERE key = $1`, [key])).rejects.toThrow(
        /permission denied for table definition_versions/,
      );
      await expect(api.dataSource.query(`DELETE FROM definition_versions WHERE key = $1`, [key])).rejects.toThrow(/permission denied for table definition_versions/);
    });
  });

  describe('all or nothing', () => {
    it('deploys nothing from a batch with one broken file, and returns every located diagnostic', async () => {
      const before = await rowCount();
      const { status, body } = await deploy(nationalAdmin, [
        { file: 'fine.yaml', text: calendarDefinition({ key: 'fine-2026' }) },
        { file: 'broken.yaml', text: REVERSED_HOLIDAY_CALENDAR },
        { file: 'not-yaml.yaml', text: 'kind: [unclosed' },
      ]);
      expect(status).toBe(422);
      expect(body).toMatchObject({ code: 'definition-invalid', message: expect.stringMatching(/^Nothing was deployed: \d+ problems in 2 files \(broken.yaml, not-yaml.yaml\)\.$/) });
      expect(body['diagnostics']).toContainEqual({
        ruleId: 'PF-CAL-RANGE',
        file: 'broken.yaml',
        line: 12,
        column: 9,
        path: 'holidays[0].to',
        severity: 'error',
        message: expect.any(String),
      });
      expect(body['diagnostics']).toContainEqual(expect.objectContaining({ ruleId: 'PF-YAML', file: 'not-yaml.yaml', line: 1 }));
      expect(body['details']).toContainEqual({ field: 'files[1].text', problem: expect.stringMatching(/^broken\.yaml:12:9 {2}PF-CAL-RANGE {2}/) });
      expect(await rowCount()).toBe(before);
      expect(await rowCount('fine-2026')).toBe(0);
    });

    it('refuses to change the kind of a key', async () => {
      // The procedure fixture belongs to a test county: a national administrator may deploy it.
      await deploy(nationalAdmin, [{ file: 'kind.yaml', text: calendarDefinition({ key: 'kind-test-2026' }) }]);
      const procedure = readFileSync(path.join(PROJECT_ROOT, 'test/unit/definitions/fixtures/minimal-procedure.yaml'), 'utf8').replace(
        /^( {2}key: ).*$/m,
        '$1kind-test-2026',
      );
      const { status, body } = await deploy(nationalAdmin, [{ file: 'procedure.yaml', text: procedure }]);
      expect(status).toBe(422);
      expect(body['message']).toContain('defines "kind-test-2026" as a Procedure, but "kind-test-2026" is a Calendar');
      expect(await rowCount('kind-test-2026')).toBe(1);
    });

    it('refuses one key with two different contents in one batch', async () => {
      const { status, body } = await deploy(nationalAdmin, [
        { file: 'a.yaml', text: calendarDefinition({ key: 'twice-2026' }) },
        { file: 'b.yaml', text: calendarDefinition({ key: 'twice-2026', titleEn: 'other' }) },
      ]);
      expect(status).toBe(422);
      expect(body['details']).toEqual([{ field: 'files[1].text', problem: expect.stringContaining('differently from files[0] (a.yaml)') }]);
      expect(await rowCount('twice-2026')).toBe(0);
    });

    it('numbers concurrent deploys of one key 1, 2, 3… without gaps or failures', async () => {
      const contents = Array.from({ length: 6 }, (_, i) => calendarDefinition({ key: 'race-2026', jurisdiction: 'zj-deqing', titleEn: `edition ${i}` }));
      const results = await Promise.all(contents.map((text, i) => deploy(admin, [{ file: `race-${i}.yaml`, text }])));
      expect(results.map((r) => r.status)).toEqual(contents.map(() => 201));
      const versions = results.map((r) => (r.body['definitions'] as Array<{ version: number }>)[0]?.version).sort();
      expect(versions).toEqual([1, 2, 3, 4, 5, 6]);
      expect(await rowCount('race-2026')).toBe(6);
    });
  });

  describe('service types', () => {
    // The same procedure twice, once relabelled as buying people's mediation: metadata.serviceType alone tells them apart.
    const mediation = DEQING_PROCEDURE.replace('key: deqing-community-correction', 'key: deqing-mediation-trial').replace('serviceType: communityCorrection', 'serviceType: peopleMediation');

    beforeAll(async () => {
      expect(mediation).toContain('serviceType: peopleMediation');
      const deployed = await deploy(admin, [
        { file: 'procedures/deqing.yaml', text: DEQING_PROCEDURE },
        { file: 'procedures/deqing-mediation.yaml', text: mediation },
      ]);
      expect(deployed.status).toBe(201);
    });

    const listed = async (query: string) => {
      const { status, body } = await call('GET', `/definitions${query}`, admin);
      expect(status).toBe(200);
      return (body['definitions'] as Array<{ key: string; serviceType: string | null }>).map((d) => [d.key, d.serviceType]);
    };

    it('shows the service a procedure buys, and none for other kinds', async () => {
      const all = await listed('');
      expect(all).toEqual(expect.arrayContaining([['deqing-community-correction', 'communityCorrection'], ['deqing-mediation-trial', 'peopleMediation'], ['deqing-2026', null]]));
      const version = await call('GET', '/definitions/deqing-mediation-trial/versions/1', admin);
      expect(version.body).toMatchObject({ key: 'deqing-mediation-trial', serviceType: 'peopleMediation' });
    });

    it('lists only the procedures buying the service asked for', async () => {
      expect(await listed('?serviceType=peopleMediation')).toEqual([['deqing-mediation-trial', 'peopleMediation']]);
      expect(await listed('?serviceType=communityCorrection')).toEqual([['deqing-community-correction', 'communityCorrection']]);
      expect(await listed('?serviceType=resettlement')).toEqual([]);
    });

    it('refuses an unknown service type with 422 naming the field', async () => {
      const { status, body } = await call('GET', '/definitions?serviceType=elderlyCare', admin);
      expect(status).toBe(422);
      expect(JSON.stringify(body['details'])).toContain('serviceType');
    });
  });

  describe('jurisdictions', () => {
    beforeAll(async () => {
      const local = await deploy(admin, [{ file: 'deqing-only.yaml', text: calendarDefinition({ key: 'deqing-only-2026', jurisdiction: 'zj-deqing' }) }]);
      expect(local.status).toBe(201);
      const national = await deploy(nationalAdmin, [
        { file: 'national.yaml', text: calendarDefinition({ key: 'national-2026', jurisdiction: 'cn' }) },
        { file: 'nobody.yaml', text: calendarDefinition({ key: 'nobody-2026' }) },
      ]);
      expect(national.status).toBe(201);
    });

    it("hides another jurisdiction's definitions as if they did not exist", async () => {
      const list = await call('GET', '/definitions', anjiAdmin);
      const keys = (list.body['definitions'] as Array<{ key: string }>).map((d) => d.key);
      expect(keys).toEqual(expect.arrayContaining(['national-2026', 'nobody-2026']));
      expect(keys).not.toContain('deqing-only-2026');
      for (const route of ['/definitions/deqing-only-2026', '/definitions/deqing-only-2026/versions/1', '/definitions/deqing-only-2026/diff?from=1&to=1']) {
        const { status, body } = await call('GET', route, anjiAdmin);
        expect([route, status]).toEqual([route, 404]);
        expect(body['message']).toContain('"deqing-only-2026"');
      }
    });

    it('shows national definitions to everyone and everything to national users', async () => {
      expect((await call('GET', '/definitions/national-2026/versions/1', anjiAdmin)).status).toBe(200);
      const list = await call('GET', '/definitions', nationalViewer);
      expect((list.body['definitions'] as Array<{ key: string }>).map((d) => d.key)).toEqual(
        expect.arrayContaining(['deqing-only-2026', 'national-2026', 'nobody-2026']),
      );
    });

    it("refuses to deploy another jurisdiction's definition with 403, writing nothing", async () => {
      const { status, body } = await deploy(anjiAdmin, [
        { file: 'mine.yaml', text: calendarDefinition({ key: 'anji-2026', jurisdiction: 'zj-anji' }) },
        { file: 'theirs.yaml', text: calendarDefinition({ key: 'deqing-other-2026', jurisdiction: 'zj-deqing' }) },
      ]);
      expect(status).toBe(403);
      expect(body['message']).toContain('for the jurisdiction "zj-deqing", and your jurisdiction is "zj-anji"');
      expect(await rowCount('anji-2026')).toBe(0);
      expect(await rowCount('deqing-other-2026')).toBe(0);
    });

    it("refuses to take over another jurisdiction's key", async () => {
      const { status } = await deploy(anjiAdmin, [{ file: 'takeover.yaml', text: calendarDefinition({ key: 'deqing-only-2026', jurisdiction: 'zj-anji' }) }]);
      expect(status).toBe(403);
      expect(await rowCount('deqing-only-2026')).toBe(1);
    });

    it.each([
      ['a national calendar', 'national-new-2026', 'cn', 'for the whole country (jurisdiction "cn")'],
      ['a calendar of no jurisdiction', 'nobody-new-2026', undefined, 'for no jurisdiction (it applies to every jurisdiction)'],
    ])("refuses a local administrator's deploy of %s with 403, storing nothing", async (_what, key, jurisdiction, owner) => {
      const before = await registry();
      const { status, body } = await deploy(admin, [
        { file: 'own.yaml', text: calendarDefinition({ key: 'own-2026', jurisdiction: 'zj-deqing' }) },
        { file: `${key}.yaml`, text: calendarDefinition({ key, ...(jurisdiction ? { jurisdiction } : {}) }) },
      ]);
      expect(status).toBe(403);
      expect(body['message']).toBe(`${key}.yaml defines "${key}" ${owner}, and your jurisdiction is "zj-deqing": nothing was deployed.`);
      expect(body['details']).toEqual([{ field: 'files[1].text', problem: expect.stringContaining('only a national administrator (jurisdiction "cn") may deploy it') }]);
      expect(await registry()).toEqual(before);
    });

    it('leaves the shipped holiday calendar, which shifts every deadline, to a national administrator', async () => {
      const file = 'calendars/cn-2026.yaml';
      const text = readFileSync(path.join(PROJECT_ROOT, 'definitions', file), 'utf8');
      const before = await registry();
      const refused = await deploy(admin, [{ file, text }]);
      expect(refused.status).toBe(403);
      expect(await registry()).toEqual(before);
      const deployed = await deploy(nationalAdmin, [{ file, text }]);
      expect(deployed.status).toBe(201);
      expect(deployed.body).toMatchObject({ definitions: [{ key: 'cn-2026', jurisdiction: 'cn', deployedBy: 'sun.li', created: true }] });
    });

    it("refuses a local administrator's new version of a national key, even one declared its own", async () => {
      const before = await registry();
      const { status, body } = await deploy(admin, [{ file: 'takeover.yaml', text: calendarDefinition({ key: 'nobody-2026', jurisdiction: 'zj-deqing' }) }]);
      expect(status).toBe(403);
      expect(body['message']).toBe(
        'The key "nobody-2026" (takeover.yaml) is registered for no jurisdiction (it applies to every jurisdiction), and your jurisdiction is "zj-deqing": nothing was deployed.',
      );
      expect(await registry()).toEqual(before);
    });
  });

  describe('limits: no file stalls the API', () => {
    const aliases = { file: 'aliases.yaml', text: SIXTEEN_THOUSAND_ALIASES };
    // Alias number 101 stands on line 4 + 101, after "  - ".
    const aliasRefusal = {
      ruleId: 'PF-LIMIT-ALIASES',
      file: 'aliases.yaml',
      line: 105,
      column: 5,
      path: '',
      severity: 'error',
      message: expect.stringContaining('a definition may use at most 100'),
    };

    it('refuses the 16,000-alias file at its place while /health keeps answering', async () => {
      // Twenty copies of a real procedure keep the request compiling for a second or more after the
      // alias file is refused. The hook only tells the test when the API starts compiling, so that the
      // health checks are sure to be sent while it does; everything asserted is what HTTP answers.
      let compiling!: () => void;
      const started = new Promise<void>((resolve) => {
        compiling = resolve;
      });
      const compile = DefinitionCompilerPool.prototype.compile;
      DefinitionCompilerPool.prototype.compile = function (this: DefinitionCompilerPool, ...args: Parameters<typeof compile>) {
        compiling();
        return compile.apply(this, args);
      };
      try {
        const files = [aliases, ...Array.from({ length: 20 }, (_, i) => ({ file: `deqing-${i}.yaml`, text: DEQING_PROCEDURE }))];
        let settled = false;
        const validating = call('POST', '/definitions/validate', admin, { files }).finally(() => {
          settled = true;
        });
        await started;
        // On the event loop, the compile would hold every one of these until the report was sent.
        for (let i = 0; i < 3; i++) {
          const health = await fetch(`${api.baseUrl}/health`);
          expect([health.status, settled]).toEqual([200, false]);
        }
        const { status, body } = await validating;
        expect(status).toBe(200);
        const reports = body['files'] as Array<Record<string, unknown>>;
        expect(reports[0]).toEqual({ file: 'aliases.yaml', ok: false, diagnostics: [aliasRefusal] });
        expect(reports.slice(1).map((report) => [report['ok'], report['key']])).toEqual(files.slice(1).map(() => [true, 'deqing-community-correction']));
      } finally {
        DefinitionCompilerPool.prototype.compile = compile;
      }
    });

    it('deploys nothing from the 16,000-alias file: 422 with the located refusal', async () => {
      const before = await registry();
      const { status, body } = await deploy(admin, [aliases]);
      expect(status).toBe(422);
      expect(body).toMatchObject({ code: 'definition-invalid', diagnostics: [aliasRefusal] });
      expect(await registry()).toEqual(before);
    });

    it('refuses a file past the size limit with 413 naming it, compiling and storing nothing', async () => {
      const padded = `${calendarDefinition({ key: 'padded-2026', jurisdiction: 'zj-deqing' })}# ${'x'.repeat(250_000)}\n`;
      const files = [
        { file: 'fine.yaml', text: calendarDefinition({ key: 'fine-too-2026', jurisdiction: 'zj-deqing' }) },
        { file: 'padded.yaml', text: padded },
      ];
      const before = await registry();
      for (const route of ['/definitions/validate', '/definitions']) {
        const { status, body } = await call('POST', route, admin, { files });
        expect([route, status]).toEqual([route, 413]);
        expect(body).toMatchObject({ code: 'payload-too-large', message: expect.stringContaining('padded.yaml is larger than a definition may be (250,000 characters)') });
        expect(body['details']).toEqual([{ field: 'files[1].text', problem: `padded.yaml has ${padded.length.toLocaleString('en-US')} characters; a definition may have at most 250,000` }]);
      }
      expect(await registry()).toEqual(before);
    });

    it('refuses a request body over 5 MiB with 413', async () => {
      const files = Array.from({ length: 25 }, (_, i) => ({ file: `big-${i}.yaml`, text: `# ${'x'.repeat(240_000)}\n` }));
      const before = await registry();
      const { status, body } = await deploy(admin, files);
      expect(status).toBe(413);
      expect(body).toMatchObject({ status: 413, code: 'payload-too-large' });
      expect(await registry()).toEqual(before);
    });

    describe('with a compile time budget no real file meets', () => {
      let strict: TestApi;

      beforeAll(async () => {
        // One millisecond: no procedure compiles that fast, so every compile on this API overruns.
        strict = await startTestApi('definitions_budget', { PROCUREFLOW_DEFINITION_COMPILE_TIMEOUT_MS: '1' });
      });

      afterAll(async () => {
        await strict?.close();
      });

      it('stops the compile, refuses the request with 422 naming the file, stores nothing and keeps answering', async () => {
        const post = async (route: string) => {
          const response = await fetch(`${strict.baseUrl}${route}`, {
            method: 'POST',
            headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json' },
            body: JSON.stringify({ files: [{ file: 'procedures/deqing.yaml', text: DEQING_PROCEDURE }] }),
          });
          return { status: response.status, body: (await response.json()) as Record<string, unknown> };
        };
        for (const route of ['/definitions/validate', '/definitions']) {
          const { status, body } = await post(route);
          expect([route, status]).toEqual([route, 422]);
          expect(body).toMatchObject({
            code: 'definition-invalid',
            message: expect.stringContaining('procedures/deqing.yaml took longer than 0.001 s to compile, so compiling it was stopped'),
            diagnostics: [{ ruleId: 'PF-LIMIT-COMPILE', file: 'procedures/deqing.yaml', line: 1, column: 1, path: '', severity: 'error', message: expect.any(String) }],
            details: [{ field: 'files[0].text', problem: expect.stringMatching(/^procedures\/deqing\.yaml:1:1 {2}PF-LIMIT-COMPILE {2}/) }],
          });
          expect((await fetch(`${strict.baseUrl}/health`)).status).toBe(200);
        }
        const list = await fetch(`${strict.baseUrl}/definitions`, { headers: { authorization: `Bearer ${nationalViewer}` } });
        expect(await list.json()).toEqual({ definitions: [] });
      });
    });
  });
});
