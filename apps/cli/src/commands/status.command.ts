import type { Command } from 'commander';
import { loadConfig } from '../../../../src/config/config.js';
import { CliError, createOutput } from '../output.js';

interface ReadinessReport {
  status: 'ready' | 'not-ready';
  checks: Record<string, { status: 'up' | 'down'; detail: string }>;
  /** Absent from an API older than the calendar horizon check. */
  warnings?: Array<{ kind: string; message: string }>;
}

/** `procureflow status`: asks a running API whether it and its dependencies are ready. */
export function registerStatusCommand(program: Command): void {
  program
    .command('status')
    .description('show whether the API, PostgreSQL, Temporal and the workers are ready')
    .option('--api <url>', 'base URL of the procureflow API (default: PROCUREFLOW_API_URL, else the configured HOST and PORT)')
    .option('--json', 'print JSON for scripts', false)
    .action(async (options: { api?: string; json: boolean }) => {
      const output = createOutput(options.json);
      const apiUrl = options.api ?? loadConfig().apiUrl;
      let response: Response;
      try {
        response = await fetch(new URL('/ready', apiUrl), { signal: AbortSignal.timeout(10_000) });
      } catch (error) {
        throw new CliError(`cannot reach the procureflow API at ${apiUrl}: ${(error as Error).message}`);
      }
      const report = (await response.json()) as ReadinessReport;
      output.result(report, (r) =>
        [
          `procureflow at ${apiUrl}: ${r.status}`,
          ...Object.entries(r.checks).map(([name, check]) => `  ${check.status === 'up' ? '✓' : '✗'} ${name.padEnd(9)} ${check.detail}`),
          ...(r.warnings ?? []).map((warning) => `  ! ${warning.message}`),
        ].join('\n'),
      );
      if (report.status !== 'ready') process.exitCode = 3;
    });
}
