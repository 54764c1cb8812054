// Jest loads global setup outside its module system, where TypeScript sources cannot be imported, so
// this file is JavaScript and uses the compiled code (`npm test` builds before it runs Jest).
import { existsSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const compiled = (relative) => {
  const file = path.join(root, 'dist', relative);
  if (!existsSync(file)) throw new Error(`${path.relative(root, file)} is missing: run \`npm run build\` before Jest (npm test does)`);
  return import(file);
};

/**
 * Starts one real PostgreSQL and one real Temporal dev server for the whole test run, unless
 * DATABASE_URL / TEMPORAL_ADDRESS name servers to use. Test files create their own databases and task
 * queues on them, so they never see each other's data. The integration and scenario projects share it.
 */
export default async function globalSetup() {
  if (globalThis.procureflowSharedServers) return;
  const servers = {};
  globalThis.procureflowSharedServers = servers;
  const verbose = Boolean(process.env.PROCUREFLOW_TEST_VERBOSE);
  const log = (component) => (line) => verbose && process.stderr.write(`[${component}] ${line}\n`);

  const { startEmbeddedPostgres } = await compiled('src/infra/postgres/local-postgres.js');
  const { startDevServer } = await compiled('src/infra/temporal/local-temporal.js');
  const { loadConfig } = await compiled('src/config/config.js');

  if (process.env.DATABASE_URL) {
    process.env.PROCUREFLOW_TEST_POSTGRES_URL = process.env.DATABASE_URL;
  } else {
    const scratch = await mkdtemp(path.join(tmpdir(), 'procureflow-pg-'));
    servers.postgres = await startEmbeddedPostgres({
      dataDir: path.join(scratch, 'data'),
      port: await freePort(),
      persistent: false,
      log: log('postgres'),
    });
    process.env.PROCUREFLOW_TEST_POSTGRES_URL = servers.postgres.url;
  }

  if (process.env.TEMPORAL_ADDRESS) {
    process.env.PROCUREFLOW_TEST_TEMPORAL_ADDRESS = process.env.TEMPORAL_ADDRESS;
  } else {
    const { handle } = await startDevServer({ toolsDir: loadConfig().toolsDir, namespace: 'default', log: log('temporal') });
    servers.temporal = handle;
    process.env.PROCUREFLOW_TEST_TEMPORAL_ADDRESS = handle.address;
  }
}

function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}
