import { execFile } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { Connection } from '@temporalio/client';
import pg from 'pg';
import { findInstalledBinaries } from '../../src/infra/temporal/local-temporal.js';

/** Where a run was measured: the numbers mean little without it. */
export interface MachineInfo {
  readonly cpuModel: string;
  readonly cores: number;
  readonly memoryBytes: number;
  readonly node: string;
  readonly temporalServer: string;
  readonly postgres: string;
}

/**
 * Describes this machine and the servers measured. The Temporal server says its own version
 * (GetSystemInfo); for a dev server this process started, the installed CLI's `--version` is added,
 * since the dev server is the server built into that CLI. Guarantees: never throws for a server that
 * cannot say; the field then reads "unknown (<why>)".
 */
export async function describeMachine(servers: { temporalAddress: string; databaseUrl: string; toolsDir: string; embeddedTemporal: boolean }): Promise<MachineInfo> {
  const cpus = os.cpus();
  return {
    cpuModel: cpus[0]?.model.trim() ?? 'unknown',
    cores: cpus.length,
    memoryBytes: os.totalmem(),
    node: process.version,
    temporalServer: await temporalVersion(servers.temporalAddress, servers.embeddedTemporal ? servers.toolsDir : undefined),
    postgres: await postgresVersion(servers.databaseUrl),
  };
}

async function temporalVersion(address: string, toolsDir: string | undefined): Promise<string> {
  const parts: string[] = [];
  try {
    const connection = await Connection.connect({ address });
    try {
      const info = await connection.workflowService.getSystemInfo({});
      if (info.serverVersion) parts.push(`server ${info.serverVersion}`);
    } finally {
      await connection.close();
    }
  } catch (error) {
    parts.push(`server unknown (${(error as Error).message})`);
  }
  if (toolsDir !== undefined) {
    const cli = (await findInstalledBinaries(toolsDir).catch(() => undefined))?.cli;
    if (cli) {
      const printed = await promisify(execFile)(cli, ['--version']).then(
        ({ stdout }) => stdout.trim(),
        () => undefined,
      );
      // A CLI built with `go install` calls itself 0.0.0-DEV; the install directory keeps its release.
      if (printed) parts.push(`dev server of ${path.basename(path.dirname(cli))} (${printed})`);
    }
  }
  return parts.length > 0 ? parts.join('; ') : 'unknown (the server did not say)';
}

async function postgresVersion(url: string): Promise<string> {
  const client = new pg.Client({ connectionString: url });
  try {
    await client.connect();
    const result = await client.query<{ version: string }>('SELECT version() AS version');
    return result.rows[0]?.version ?? 'unknown (no answer)';
  } catch (error) {
    return `unknown (${(error as Error).message})`;
  } finally {
    await client.end().catch(() => undefined);
  }
}
