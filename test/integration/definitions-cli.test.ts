import { mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { PROJECT_ROOT } from '../../src/config/project-root.js';
import { verifyAccessToken } from '../../src/identity/access-tokens.js';
import { startTestApi, type TestApi, TEST_JWT_SECRET } from '../support/api-server.js';
import { calendarDefinition, NEW_YEAR_2026, REVERSED_HOLIDAY_CALENDAR } from '../support/definition-texts.js';
import { freePort } from '../support/free-port.js';
import { PROCUREFLOW_BIN, runToCompletion } from '../support/processes.js';
import { scratchDir } from '../support/test-environment.js';

/**
 * `procureflow definitions …` and `procureflow dev token` as a person or a script runs them: the
 * command in bin/, its exit code and what it prints, against a real API on real PostgreSQL.
 */
describe('procureflow definitions (command line)', () => {
  let api: TestApi;
  let dir: string;
  let adminToken: string;
  const procureflow = (args: string[], env: Record<string, string> = {}) =>
    runToCompletion(PROCUREFLOW_BIN, { PROCUREFLOW_JWT_SECRET: TEST_JWT_SECRET, ...env }, args);
  const through = () => ['--api', api.baseUrl];

  beforeAll(async () => {
    api = await startTestApi('definitions_cli');
    dir = await scratchDir('definitions-cli');
    await writeFile(path.join(dir, 'reversed.yaml'), REVERSED_HOLIDAY_CALENDAR);
    await writeFile(path.join(dir, 'cli-2026.yaml'), calendarDefinition({ key: 'cli-2026', jurisdiction: 'zj-deqing' }));
    await writeFile(path.join(dir, 'broken-syntax.yaml'), 'apiVersion: procureflow.gov.cn/v1\nkind: Calendar\nmetadata: {key: x\n');
  });

  afterAll(async () => {
    await api?.close();
  });

  describe('validate (local, no server)', () => {
    it('exits 0 and says so for a valid file', async () => {
      const file = path.join(dir, 'cli-2026.yaml');
      const result = await procureflow(['definitions', 'validate', file]);
      expect(result.code).toBe(0);
      expect(result.stdout).toBe(`${file}: ok (Calendar cli-2026)\n1 file checked: all valid\n`);
    });

    it('exits 1 and prints each problem as file:line:column  RULE  message (at path), then a summary', async () => {
      const bad = path.join(dir, 'reversed.yaml');
      const good = path.join(dir, 'cli-2026.yaml');
      const result = await procureflow(['definitions', 'validate', bad, good]);
      expect(result.code).toBe(1);
      expect(result.stdout.split('\n')).toEqual([
        `${bad}:12:9  PF-CAL-RANGE  the holiday 元旦 ends on 2026-01-01, before it starts on 2026-01-03: "to" must be the last day off, on or after "from" (at holidays[0].to)`,
        `${good}: ok (Calendar cli-2026)`,
        '2 files checked: 1 valid, 1 invalid, 1 problem',
        '',
      ]);
    });

    it('reports a YAML syntax error at its position', async () => {
      const file = path.join(dir, 'broken-syntax.yaml');
      const result = await procureflow(['definitions', 'validate', file]);
      expect(result.code).toBe(1);
      expect(result.stdout).toMatch(new RegExp(`^${escape(file)}:[34]:\\d+  PF-YAML  YAML syntax: `, 'm'));
    });

    it('gives scripts the same verdict as JSON', async () => {
      const bad = path.join(dir, 'reversed.yaml');
      const result = await procureflow(['definitions', 'validate', '--json', bad]);
      expect(result.code).toBe(1);
      expect(JSON.parse(result.stdout)).toEqual({
        valid: false,
        files: [
          {
            file: bad,
            ok: false,
            diagnostics: [{ ruleId: 'PF-CAL-RANGE', file: bad, line: 12, column: 9, path: 'holidays[0].to', severity: 'error', message: expect.stringContaining('2026-01-01') }],
          },
        ],
      });
    });

    it('validates every YAML file under a directory', async () => {
      const tree = path.join(dir, 'tree');
      await mkdir(path.join(tree, 'calendars'), { recursive: true });
      await writeFile(path.join(tree, 'calendars', 'a-2026.yaml'), calendarDefinition({ key: 'a-2026' }));
      await writeFile(path.join(tree, 'README.md'), '# not a definition');
      const result = await procureflow(['definitions', 'validate', tree]);
      expect(result.code).toBe(0);
      expect(result.stdout).toContain(`${path.join(tree, 'calendars', 'a-2026.yaml')}: ok (Calendar a-2026)`);
      expect(result.stdout).toContain('1 file checked: all valid');
    });

    it('says in one line on stderr when a file cannot be read', async () => {
      const missing = path.join(dir, 'missing.yaml');
      const result = await procureflow(['definitions', 'validate', missing]);
      expect(result.code).toBe(1);
      expect(result.stderr).toBe(`procureflow: cannot read ${missing}: no such file or directory\n`);
    });
  });

  describe('dev token', () => {
    it('signs a token the API accepts, with the claims asked for', async () => {
      const result = await procureflow(['dev', 'token', '--user', 'wang.fang', '--name', '王芳', '--role', 'administrator', '--role', 'justice-bureau', '--jurisdiction', 'zj-deqing']);
      expect(result.code).toBe(0);
      adminToken = result.stdout.trim();
      expect(await verifyAccessToken(adminToken, TEST_JWT_SECRET)).toEqual({
        userId: 'wang.fang',
        name: '王芳',
        roles: ['administrator', 'justice-bureau'],
        jurisdiction: 'zj-deqing',
      });
    });

    it('without PROCUREFLOW_JWT_SECRET, uses the data directory’s secret, created once with mode 0600', async () => {
      const dataDir = path.join(dir, 'data');
      const args = ['dev', 'token', '--user', 'u', '--name', 'n', '--role', 'administrator', '--jurisdiction', 'cn', '--expires', '15m', '--json'];
      const first = await runToCompletion(PROCUREFLOW_BIN, { PROCUREFLOW_DATA_DIR: dataDir }, args);
      const second = await runToCompletion(PROCUREFLOW_BIN, { PROCUREFLOW_DATA_DIR: dataDir }, args);
      expect([first.code, second.code]).toEqual([0, 0]);
      const secretFile = path.join(dataDir, 'jwt-secret');
      expect((await stat(secretFile)).mode & 0o777).toBe(0o600);
      const secret = (await readFile(secretFile, 'utf8')).trim();
      for (const run of [first, second]) {
        const output = JSON.parse(run.stdout) as { token: string; expiresAt: string; secretSource: string };
        expect(output.secretSource).toBe(secretFile);
        await expect(verifyAccessToken(output.token, secret)).resolves.toMatchObject({ userId: 'u' });
        // Fifteen minutes from the issue time the token itself carries, and the same instant the output shows.
        const { iat, exp } = JSON.parse(Buffer.from(output.token.split('.')[1] ?? '', 'base64url').toString('utf8')) as { iat: number; exp: number };
        expect(exp - iat).toBe(15 * 60);
        expect(Date.parse(output.expiresAt)).toBe(exp * 1000);
      }
    });

    it('refuses a malformed lifetime or role in one line', async () => {
      const lifetime = await procureflow(['dev', 'token', '--user', 'u', '--name', 'n', '--role', 'administrator', '--jurisdiction', 'cn', '--expires', 'forever']);
      expect(lifetime.code).toBe(1);
      expect(lifetime.stderr).toBe('procureflow: --expires "forever" is not a token lifetime: write a number and a unit (s, m or h), e.g. 8h, at most 12h\n');
      const role = await procureflow(['dev', 'token', '--user', 'u', '--name', 'n', '--role', 'Admin', '--jurisdiction', 'cn']);
      expect(role.code).toBe(1);
      expect(role.stderr).toContain('each role must be lower-case words joined by hyphens');
    });
  });

  describe('through the API', () => {
    const file = () => path.join(dir, 'cli-2026.yaml');

    it('deploys, showing a table of what was created', async () => {
      const result = await procureflow(['definitions', 'deploy', file(), ...through(), '--token', adminToken]);
      expect(result.code).toBe(0);
      const lines = result.stdout.trimEnd().split('\n');
      expect(lines[0]).toBe(`Deployed 1 new version at ${api.baseUrl}`);
      expect(lines[2]).toMatch(/^KEY +KIND +VERSION +RESULT +FILE$/);
      expect(lines[3]).toMatch(new RegExp(`^cli-2026 +Calendar +1 +new +${escape(file())}$`));
      // Aligned: every column starts where its header does.
      expect(lines[3]?.indexOf('Calendar')).toBe(lines[2]?.indexOf('KIND'));
    });

    it('re-deploys the same content as the same version, reading the token from PROCUREFLOW_TOKEN', async () => {
      const result = await procureflow(['definitions', 'deploy', file(), ...through(), '--json'], { PROCUREFLOW_TOKEN: adminToken });
      expect(result.code).toBe(0);
      expect(JSON.parse(result.stdout)).toMatchObject({ created: false, definitions: [{ key: 'cli-2026', version: 1, created: false }] });
    });

    it('deploys changed content as version 2 and lists the newest versions', async () => {
      await writeFile(file(), calendarDefinition({ key: 'cli-2026', jurisdiction: 'zj-deqing', holidays: [{ ...NEW_YEAR_2026, to: '2026-01-04' }] }));
      const deploy = await procureflow(['definitions', 'deploy', file(), ...through(), '--token', adminToken, '--comment', 'extend New Year']);
      expect(deploy.code).toBe(0);
      expect(deploy.stdout).toMatch(/^cli-2026 +Calendar +2 +new /m);

      const list = await procureflow(['definitions', 'list', ...through(), '--token', adminToken]);
      expect(list.code).toBe(0);
      const [header, ...rows] = list.stdout.trimEnd().split('\n');
      expect(header).toMatch(/^KEY +KIND +SERVICE +VERSION +JURISDICTION +DEPLOYED +BY +TITLE$/);
      expect(rows).toEqual([expect.stringMatching(/^cli-2026 +Calendar +- +2 +zj-deqing +\d{4}-\d\d-\d\d \d\d:\d\dZ +wang\.fang +测试日历$/)]);

      const json = await procureflow(['definitions', 'list', '--kind', 'Procedure', ...through(), '--token', adminToken, '--json']);
      expect(JSON.parse(json.stdout)).toEqual({ definitions: [] });
      const byService = await procureflow(['definitions', 'list', '--service-type', 'communityCorrection', ...through(), '--token', adminToken]);
      expect([byService.code, byService.stdout.trim()]).toEqual([0, 'No definitions are deployed.']);
    });

    it('shows the history and a version, and prints a version’s exact source', async () => {
      const show = await procureflow(['definitions', 'show', 'cli-2026', ...through(), '--token', adminToken]);
      expect(show.code).toBe(0);
      expect(show.stdout).toContain('cli-2026  Calendar  测试日历 / Test calendar 2026');
      expect(show.stdout).toContain('  version       2 (newest)');
      expect(show.stdout).toMatch(/^VERSION +DEPLOYED +BY +HASH +FILE\n2 +.+\n1 +.+$/m);

      const older = await procureflow(['definitions', 'show', 'cli-2026', '--version', '1', ...through(), '--token', adminToken, '--json']);
      expect(JSON.parse(older.stdout)).toMatchObject({ key: 'cli-2026', version: 1, versions: [{ version: 2 }, { version: 1 }] });

      const source = await procureflow(['definitions', 'show', 'cli-2026', '--version', '1', '--source', ...through(), '--token', adminToken]);
      expect(source.stdout).toBe(calendarDefinition({ key: 'cli-2026', jurisdiction: 'zj-deqing' }));
    });

    it('diffs two versions path by path', async () => {
      const diff = await procureflow(['definitions', 'diff', 'cli-2026', '1', '2', ...through(), '--token', adminToken]);
      expect(diff.code).toBe(0);
      expect(diff.stdout).toBe('cli-2026 (Calendar): version 1 → 2: 1 change\n  ~ holidays[0].to  "2026-01-03" → "2026-01-04"\n');
      const json = await procureflow(['definitions', 'diff', 'cli-2026', '1', '2', ...through(), '--token', adminToken, '--json']);
      expect(JSON.parse(json.stdout)).toMatchObject({ changes: [{ kind: 'changed', path: 'holidays[0].to' }] });
    });

    it('deploys nothing from a broken batch: the diagnostics on stdout, one line on stderr, exit 1', async () => {
      const bad = path.join(dir, 'reversed.yaml');
      const result = await procureflow(['definitions', 'deploy', file(), bad, ...through(), '--token', adminToken]);
      expect(result.code).toBe(1);
      expect(result.stdout).toMatch(new RegExp(`^${escape(bad)}:12:9  PF-CAL-RANGE  `));
      expect(result.stderr).toBe(`procureflow: Nothing was deployed: 1 problem in 1 file (${bad})\n`);
      const rows: Array<{ count: string }> = await api.dataSource.query(`SELECT count(*) FROM definition_versions WHERE key = 'broken-2026'`);
      expect(rows[0]?.count).toBe('0');
    });

    it('names what is wrong when a key or version does not exist', async () => {
      const result = await procureflow(['definitions', 'show', 'no-such-key', ...through(), '--token', adminToken]);
      expect(result.code).toBe(1);
      expect(result.stderr).toBe('procureflow: No definition with the key "no-such-key" is deployed (or it belongs to another jurisdiction)\n');
      const json = await procureflow(['definitions', 'diff', 'cli-2026', '1', '5', ...through(), '--token', adminToken, '--json']);
      expect(json.code).toBe(1);
      expect(JSON.parse(json.stdout)).toMatchObject({ error: expect.stringContaining('no version 5'), status: 404, code: 'not-found' });
    });

    it('exits 4 without a token, or without the role', async () => {
      const anonymous = await procureflow(['definitions', 'list', ...through()]);
      expect(anonymous.code).toBe(4);
      expect(anonymous.stderr).toContain('procureflow: no access token: pass --token <token> or set PROCUREFLOW_TOKEN');

      const approver = (await procureflow(['dev', 'token', '--user', 'li.ming', '--name', '李明', '--role', 'finance-bureau', '--jurisdiction', 'zj-deqing'])).stdout.trim();
      const refused = await procureflow(['definitions', 'deploy', file(), ...through(), '--token', approver]);
      expect(refused.code).toBe(4);
      expect(refused.stderr).toContain('Only a user with the role "administrator" may do this');

      const forged = await procureflow(['definitions', 'list', ...through(), '--token', `${adminToken.slice(0, -4)}AAAA`]);
      expect(forged.code).toBe(4);
      expect(forged.stderr).toContain('not signed by this procureflow');
    });

    it('says where it could not reach the API', async () => {
      const nowhere = `http://127.0.0.1:${await freePort()}`;
      const result = await procureflow(['definitions', 'list', '--api', nowhere, '--token', adminToken]);
      expect(result.code).toBe(1);
      expect(result.stderr).toBe(`procureflow: cannot reach the procureflow API at ${nowhere}: ECONNREFUSED\n`);
    });
  });

  describe('graph (local)', () => {
    const file = () => path.join(dir, 'cli-2026.yaml');

    it('prints a procedure’s flow as a Mermaid diagram', async () => {
      const result = await procureflow(['definitions', 'graph', path.join(PROJECT_ROOT, 'test/unit/definitions/fixtures/minimal-procedure.yaml')]);
      expect(result.code).toBe(0);
      expect(result.stdout).toMatch(/^flowchart TD\n/);
      expect(result.stdout).toContain('subgraph budgeting');
    });

    it('refuses a definition that is not a procedure, or does not compile', async () => {
      const calendar = await procureflow(['definitions', 'graph', file()]);
      expect(calendar.code).toBe(1);
      expect(calendar.stderr).toBe(`procureflow: ${file()} is a Calendar; graph draws the flow of a Procedure\n`);
      const broken = await procureflow(['definitions', 'graph', path.join(dir, 'reversed.yaml')]);
      expect(broken.code).toBe(1);
      expect(broken.stdout).toContain(':12:9  PF-CAL-RANGE');
    });
  });
});

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
