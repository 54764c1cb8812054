#!/usr/bin/env node
// `npm run fuzz:api`: schemathesis against the whole system as `npm start` runs it — the API, the workers,
// a real embedded PostgreSQL and a real Temporal dev server — on free loopback ports and a scratch data
// directory, so it never touches a running `npm start` or its data. It deploys the shipped definitions
// (npm start does), registers vendors and launches cycles so that requests find real rows, then runs
// every schemathesis phase (examples, coverage, fuzzing, stateful) against the checked-in openapi.json
// with an administrator's token (who also holds every staff role, so few requests stop at 403), bounded
// in examples and time, and seeded. It fails on any server error (5xx) and on any answer that breaks the
// documented contract (scripts/schemathesis.toml says which checks count).
//
//   npm run fuzz:api                           build, then fuzz (seed 20260301, about four minutes)
//   FUZZ_SEED=7 FUZZ_MAX_EXAMPLES=50 npm run fuzz:api
//   npm run fuzz:api -- --quiet                schemathesis's output goes to the report only, and is
//                                              printed in full when the run fails (CI)
//
// The report — schemathesis's own output, JUnit XML, and the stack's log with the cause of any 500 — is
// kept in reports/schemathesis/ (gitignored); its path is printed at the end.
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { createWriteStream, existsSync, readFileSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const reportDir = path.join(root, 'reports', 'schemathesis');
const schemathesis = path.join(root, '.venv-schemathesis', 'bin', 'schemathesis');
const stackEntry = path.join(root, 'dist', 'apps', 'stack', 'src', 'main.js');
const cliEntry = path.join(root, 'bin', 'procureflow.js');
const JURISDICTION = 'zj-deqing';
const STAFF_ROLES = [
  'administrator',
  'justice-bureau',
  'finance-bureau',
  'procurement-centre',
  'civil-affairs',
  'judicial-office',
  'third-party-evaluator',
  'public-resource-office',
];

const settings = {
  seed: integerSetting('FUZZ_SEED', 20260301),
  maxExamples: integerSetting('FUZZ_MAX_EXAMPLES', 30),
  // The whole schemathesis run; fuzzing and stateful testing stop when it is spent.
  maxSeconds: integerSetting('FUZZ_MAX_SECONDS', 180),
};

const quiet = process.argv.includes('--quiet');
const say = (line) => process.stdout.write(`[fuzz-api] ${line}\n`);

if (!existsSync(stackEntry)) fail('the code is not built: run `npm run build` first (`npm run fuzz:api` does)');
const installed = spawnSync('bash', [path.join(root, 'scripts', 'install-schemathesis.sh')], { stdio: 'inherit' });
if (installed.status !== 0) fail('schemathesis could not be installed');

// Each run's report replaces the last one's.
await rm(reportDir, { recursive: true, force: true });
await mkdir(reportDir, { recursive: true });
// Under the system's temporary directory: the embedded PostgreSQL, run as root, must be able to enter it.
const scratch = await mkdtemp(path.join(tmpdir(), 'procureflow-fuzz-'));
await chmod(scratch, 0o711);
const [apiPort, temporalPort, temporalUiPort, postgresPort] = await freePorts(4);
const jwtSecret = randomBytes(32).toString('hex');
const baseUrl = `http://127.0.0.1:${apiPort}`;
const stackEnv = {
  PATH: process.env.PATH ?? '',
  HOME: process.env.HOME ?? '',
  ...(process.env.PROCUREFLOW_TOOLS_DIR ? { PROCUREFLOW_TOOLS_DIR: process.env.PROCUREFLOW_TOOLS_DIR } : {}),
  ...(process.env.XDG_CACHE_HOME ? { XDG_CACHE_HOME: process.env.XDG_CACHE_HOME } : {}),
  HOST: '127.0.0.1',
  PORT: String(apiPort),
  TEMPORAL_DEV_SERVER_PORT: String(temporalPort),
  TEMPORAL_DEV_SERVER_UI_PORT: String(temporalUiPort),
  EMBEDDED_POSTGRES_PORT: String(postgresPort),
  PROCUREFLOW_DATA_DIR: path.join(scratch, 'data'),
  PROCUREFLOW_JWT_SECRET: jwtSecret,
  PROCUREFLOW_DEV_JURISDICTION: JURISDICTION,
  LOG_LEVEL: 'warn',
};

const stackLogPath = path.join(reportDir, 'stack.log');
const stackLog = createWriteStream(stackLogPath);
say(`starting the stack (API ${baseUrl}, data in ${scratch}); its log: ${path.relative(root, stackLogPath)}`);
const stack = spawn(process.execPath, [stackEntry], { cwd: root, env: stackEnv, stdio: ['ignore', 'pipe', 'pipe'] });
const stackExited = new Promise((resolve) => stack.on('exit', (code, signal) => resolve({ code, signal })));
let exitCode = 1;
try {
  await waitForStack();
  say('the stack is running');
  const admin = await devToken('fuzz.administrator', '模糊测试管理员', STAFF_ROLES);
  await seed(admin);
  exitCode = await runSchemathesis(admin);
} catch (error) {
  process.stderr.write(`[fuzz-api] ${error instanceof Error ? error.message : String(error)}\n`);
} finally {
  await stopStack();
  await new Promise((resolve) => stackLog.end(resolve));
  await rm(scratch, { recursive: true, force: true }).catch(() => undefined);
}
say(`report: ${path.relative(root, reportDir)}/ (schemathesis.txt, junit.xml, and stack.log with the cause of any 500)`);
if (quiet && exitCode === 0) {
  const cases = readFileSync(path.join(reportDir, 'schemathesis.txt'), 'utf8').match(/^\s*(\d+ generated, .*)$/m);
  if (cases) say(`schemathesis test cases: ${cases[1].trim()}`);
}
say(exitCode === 0 ? 'no server errors and no contract violations' : `failed (exit ${exitCode}): see the report above`);
process.exit(exitCode);

// ---------------------------------------------------------------------------------------------------

function waitForStack() {
  return new Promise((resolve, reject) => {
    let seen = '';
    const timer = setTimeout(() => reject(new Error('the stack did not start within 5 minutes; see reports/schemathesis/stack.log')), 5 * 60_000);
    stack.stdout.on('data', (chunk) => {
      stackLog.write(chunk);
      seen += chunk.toString('utf8');
      if (seen.includes('procureflow is running')) {
        clearTimeout(timer);
        resolve();
      }
    });
    stack.stderr.on('data', (chunk) => stackLog.write(chunk));
    void stackExited.then(({ code, signal }) => {
      clearTimeout(timer);
      reject(new Error(`the stack exited (${signal ?? code}) before it ran; see reports/schemathesis/stack.log`));
    });
  });
}

async function stopStack() {
  if (stack.exitCode !== null || stack.signalCode !== null) return;
  stack.kill('SIGINT');
  const timeout = new Promise((resolve) => setTimeout(() => resolve('timeout'), 60_000).unref());
  if ((await Promise.race([stackExited, timeout])) === 'timeout') {
    say('the stack did not stop within a minute of Ctrl-C; killing it');
    stack.kill('SIGKILL');
    await stackExited;
  }
}

/** A token signed the way `procureflow dev token` signs them, with the stack's secret. */
async function devToken(user, name, roles) {
  const args = [cliEntry, 'dev', 'token', '--user', user, '--name', name, '--jurisdiction', JURISDICTION, '--expires', '2h', '--json'];
  for (const role of roles) args.push('--role', role);
  const result = spawnSync(process.execPath, args, { cwd: root, env: { ...stackEnv }, encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`procureflow dev token failed: ${result.stderr}`);
  return JSON.parse(result.stdout).token;
}

/**
 * Rows for the requests to find, written as schemathesis dictionaries (see scripts/schemathesis.toml):
 * vendors (two verified, one waiting for the fuzzing user to verify it), a cycle whose first task is
 * open for decisions, and a second cycle to bid on and cancel.
 */
async function seed(admin) {
  const registrar = await devToken('fuzz.registrar', '模糊测试登记员', ['administrator']);
  const verifier = await devToken('fuzz.civil-affairs', '模糊测试民政', ['civil-affairs']);
  const vendorIds = [];
  for (const [index, name] of ['德清县阳光社会工作服务中心', '德清县同心社会工作服务社', '德清县启航社会工作服务中心'].entries()) {
    const vendor = await call('POST', '/vendors', registrar, {
      name,
      creditCode: creditCode(index),
      registrationType: 'socialServiceAgency',
      evidence: [{ criterionId: 'qualifiedSocialOrganisation', document: `民政登记证书 ${index + 1}` }],
    });
    if (index < 2) await call('POST', `/vendors/${vendor.id}/verification`, verifier, { decision: 'verified', comment: '材料齐全' });
    vendorIds.push(vendor.id);
  }
  const decided = await call('POST', '/cycles', admin, { definitionKey: 'deqing-community-correction', inputs: {}, title: '模糊测试周期（审批）' });
  const cancellable = await call('POST', '/cycles', admin, { definitionKey: 'deqing-community-correction', inputs: {}, title: '模糊测试周期（撤销）' });
  const taskId = await firstOpenTask(admin, decided.cycleId);
  const dictionaries = {
    'cycle-ids': [decided.cycleId, cancellable.cycleId],
    'cancellable-cycle-ids': [cancellable.cycleId],
    'task-ids': [taskId],
    'vendor-ids': vendorIds,
    'definition-keys': ['deqing-community-correction', 'cn-2026'],
  };
  await mkdir(path.join(reportDir, 'dictionaries'), { recursive: true });
  for (const [name, values] of Object.entries(dictionaries)) {
    await writeFile(path.join(reportDir, 'dictionaries', `${name}.dict`), values.map((value) => `${JSON.stringify(value)}\n`).join(''));
  }
  say(`seeded 3 vendors, cycles ${decided.cycleId} (open task ${taskId}) and ${cancellable.cycleId}`);
}

/** The cycle's first task, once the workflow's projection has put it in the read model. */
async function firstOpenTask(token, cycleId) {
  const deadline = Date.now() + 120_000;
  while (Date.now() < deadline) {
    const { tasks } = await call('GET', `/tasks?cycleId=${encodeURIComponent(cycleId)}`, token);
    if (tasks.length > 0) return tasks[0].id;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`cycle ${cycleId} showed no open task within two minutes`);
}

async function call(method, route, token, body) {
  const response = await fetch(`${baseUrl}${route}`, {
    method,
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', 'x-request-id': `fuzz-seed-${randomUUID()}` },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const answer = await response.json();
  if (!response.ok) throw new Error(`seeding: ${method} ${route} answered ${response.status}: ${JSON.stringify(answer)}`);
  return answer;
}

function runSchemathesis(token) {
  const args = [
    'run',
    path.join(root, 'openapi.json'),
    '--url',
    baseUrl,
    '--phases',
    'examples,coverage,fuzzing,stateful',
    '--max-examples',
    String(settings.maxExamples),
    '--max-time',
    String(settings.maxSeconds),
    '--seed',
    String(settings.seed),
    // One worker: hypothesis describes strategies with Python's ast module, which CPython 3.11 does not
    // make safe across threads ("AST constructor recursion depth mismatch" under two workers).
    '--workers',
    '1',
    '--continue-on-failure',
    '--request-timeout',
    '40',
    '--report',
    'junit',
    '--report-dir',
    reportDir,
    '--report-junit-path',
    path.join(reportDir, 'junit.xml'),
  ];
  say(`schemathesis ${args.join(' ')}`);
  const child = spawn(schemathesis, ['--config-file', path.join(root, 'scripts', 'schemathesis.toml'), ...args], {
    cwd: root,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', NO_COLOR: '1', FUZZ_TOKEN: token },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  // Kept, and shown as it runs unless --quiet: its failures section is the readable report.
  const transcriptPath = path.join(reportDir, 'schemathesis.txt');
  const transcript = createWriteStream(transcriptPath);
  const echo = (stream) => (chunk) => {
    if (!quiet) stream.write(chunk);
    transcript.write(chunk);
  };
  child.stdout.on('data', echo(process.stdout));
  child.stderr.on('data', echo(process.stderr));
  return new Promise((resolve) =>
    child.on('close', (code) =>
      transcript.end(() => {
        if (quiet && code !== 0) process.stdout.write(readFileSync(transcriptPath, 'utf8'));
        resolve(code ?? 1);
      }),
    ),
  );
}

/** A unified social credit code with a valid check character (GB 32100-2015), different per index. */
function creditCode(index) {
  const alphabet = '0123456789ABCDEFGHJKLMNPQRTUWXY';
  const weights = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28];
  const body = `52330521MJ${String(9_000_000 + index).padStart(7, '0')}`;
  const sum = [...body].reduce((total, char, position) => total + alphabet.indexOf(char) * weights[position], 0);
  return body + alphabet[(31 - (sum % 31)) % 31];
}

/** Ports nothing listens on: all are held open together, so no two are the same. */
async function freePorts(count) {
  const servers = await Promise.all(
    Array.from(
      { length: count },
      () =>
        new Promise((resolve, reject) => {
          const server = net.createServer();
          server.on('error', reject);
          server.listen(0, '127.0.0.1', () => resolve(server));
        }),
    ),
  );
  const ports = servers.map((server) => server.address().port);
  await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));
  return ports;
}

function integerSetting(variable, fallback) {
  const raw = process.env[variable];
  if (raw === undefined || raw === '') return fallback;
  if (!/^[1-9][0-9]{0,8}$/.test(raw)) fail(`${variable} must be a whole number from 1, not ${JSON.stringify(raw)}`);
  return Number(raw);
}

function fail(message) {
  process.stderr.write(`[fuzz-api] ${message}\n`);
  process.exit(1);
}
