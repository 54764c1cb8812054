import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { loadConfig } from '../../src/config/config.js';

/** Variables through which the global setup tells every test worker where the shared servers are. */
export const SHARED_POSTGRES_URL = 'PROCUREFLOW_TEST_POSTGRES_URL';
export const SHARED_TEMPORAL_ADDRESS = 'PROCUREFLOW_TEST_TEMPORAL_ADDRESS';

/** The Temporal binaries cache, as configured for the machine running the tests. */
export function toolsDir(): string {
  return loadConfig().toolsDir;
}

/** A fresh directory (mode 0700) under the system's temporary directory. */
export async function scratchDir(prefix: string): Promise<string> {
  return mkdtemp(path.join(tmpdir(), `procureflow-${prefix}-`));
}

export function testLog(component: string): (line: string) => void {
  return process.env['PROCUREFLOW_TEST_VERBOSE'] ? (line) => process.stderr.write(`[${component}] ${line}\n`) : () => undefined;
}

export function sharedPostgresUrl(): string {
  return requireVariable(SHARED_POSTGRES_URL);
}

export function sharedTemporalAddress(): string {
  return requireVariable(SHARED_TEMPORAL_ADDRESS);
}

function requireVariable(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set: run integration tests through Jest's integration or scenario project`);
  return value;
}
