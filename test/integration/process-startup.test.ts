import { randomUUID } from 'node:crypto';
import { compiledEntry, runToCompletion, spawnNode } from '../support/processes.js';
import { freshDatabase } from '../support/databases.js';
import { TEST_PAYLOAD_KEYS_ENV } from '../support/payload-encryption.js';
import { sharedTemporalAddress } from '../support/test-environment.js';

const STACK = 'apps/stack/src/main.js';
const WORKER = 'apps/worker/src/main.js';

/** A stack trace line, as Node prints them: "    at fn (file:line:col)". */
const STACK_FRAME = /^\s+at .+/m;

describe('starting procureflow with bad configuration', () => {
  it('stops with one message naming DATABASE_URL when it is malformed', async () => {
    const result = await runToCompletion(compiledEntry(STACK), { DATABASE_URL: 'localhost:5432/procureflow' });
    expect(result.code).toBe(1);
    expect(result.stderr.trim()).toBe(
      [
        'procureflow: Invalid configuration (1 problem):',
        '  DATABASE_URL="localhost:5432/procureflow": has scheme "localhost"; expected postgres or postgresql',
      ].join('\n'),
    );
  });

  it('names every bad variable at once', async () => {
    const result = await runToCompletion(compiledEntry(WORKER), { DATABASE_URL: 'nonsense', PORT: 'eighty', LOG_LEVEL: 'chatty' });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('Invalid configuration (3 problems)');
    for (const variable of ['DATABASE_URL', 'PORT', 'LOG_LEVEL']) expect(result.stderr).toContain(`  ${variable}=`);
    expect(result.stderr).not.toMatch(STACK_FRAME);
  });

  it('says where PostgreSQL could not be reached, without a stack trace or the password', async () => {
    const result = await runToCompletion(compiledEntry(WORKER), {
      DATABASE_URL: 'postgres://procureflow:s3cret@127.0.0.1:1/procureflow',
      TEMPORAL_ADDRESS: sharedTemporalAddress(),
      PROCUREFLOW_PAYLOAD_KEYS: TEST_PAYLOAD_KEYS_ENV,
    });
    expect(result.code).toBe(1);
    expect(result.stderr.trim()).toMatch(/^procureflow: cannot connect to PostgreSQL at 127\.0\.0\.1:1\/procureflow: .*ECONNREFUSED/);
    expect(result.stderr).not.toContain('s3cret');
    expect(result.stderr).not.toMatch(STACK_FRAME);
  });

  it('tells a standalone worker which servers it must be given', async () => {
    const result = await runToCompletion(compiledEntry(WORKER), {});
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('DATABASE_URL="": is required when the API or worker runs on its own');
    expect(result.stderr).toContain('TEMPORAL_ADDRESS="": is required when the API or worker runs on its own');
    expect(result.stderr).toContain('PROCUREFLOW_PAYLOAD_KEYS="": is required when the API or worker runs on its own');
  });
});

describe('the standalone API process', () => {
  it('names the servers, the payload keys and the token secret it must be given', async () => {
    const result = await runToCompletion(compiledEntry('apps/api/src/main.js'), {});
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('Invalid configuration (4 problems)');
    expect(result.stderr).toContain('PROCUREFLOW_PAYLOAD_KEYS="": is required when the API or worker runs on its own');
    expect(result.stderr).toContain('PROCUREFLOW_JWT_SECRET="": is required when the API runs on its own');
    expect(result.stderr).not.toMatch(STACK_FRAME);
  });
});

describe('the standalone worker process', () => {
  it('polls until SIGTERM, then shuts down cleanly', async () => {
    const { url, dataSource } = await freshDatabase('worker_process');
    await dataSource.destroy();
    const worker = spawnNode(compiledEntry(WORKER), {
      DATABASE_URL: url,
      TEMPORAL_ADDRESS: sharedTemporalAddress(),
      TEMPORAL_TASK_QUEUE_PROCUREMENT: `sigterm-procurement-${randomUUID()}`,
      TEMPORAL_TASK_QUEUE_CASES: `sigterm-cases-${randomUUID()}`,
      PROCUREFLOW_PAYLOAD_KEYS: TEST_PAYLOAD_KEYS_ENV,
    });
    let stdout = '';
    const polling = new Promise<void>((resolve, reject) => {
      worker.stdout?.on('data', (chunk: Buffer) => {
        stdout += chunk.toString('utf8');
        if (stdout.includes('"msg":"workers polling"')) resolve();
      });
      worker.on('close', (code) => reject(new Error(`worker exited early with ${code}: ${stdout}`)));
    });
    await polling;
    const exited = new Promise<number | null>((resolve) => worker.on('close', resolve));
    worker.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(stdout).toContain('SIGTERM received: shutting down');
  });
});
