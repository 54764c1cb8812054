import type { Command } from 'commander';
import { CliError, createOutput } from '../output.js';

interface ReadinessReport {
  status: 'ready' | 'not-ready';
  checks: Record<string, { status: 'up' | 'down'; detail: string }>;
}

/** `procureflow status`: asks a running API whether it and its dependencies are ready. */
export function registerStatusCommand(program: Command): void {
  program
    .command('status')
    .description('show whether the API, PostgreSQL, Temporal and the workers are ready')
    .option('--api <url>', 'base URL of the procureflow API', process.env['PROCUREFLOW_API_URL'] ?? 'http://127.0.0.1:3000')
    .option('--json', 'print JSON for scripts', false)
    .action(async (options: { api: string; json: boolean }) => {
      const output = createOutput(options.json);
      let response: Response;
      try {
        response = await fetch(new URL('/ready', options.api), { signal: AbortSignal.timeout(10_000) });
      } catch (error) {
        throw new CliError(`cannot reach the procureflow API at ${options.api}: ${(error as Error).message}`);
      }
      const report = (await response.json()) as ReadinessReport;
      output.result(report, (r) =>
        [
          `procureflow at ${options.api}: ${r.status}`,
          ...Object.entries(r.checks).map(([name, check]) => `  ${check.status === 'up' ? '✓' : '✗'} ${name.padEnd(9)} ${check.detail}`),
        ].join('\n'),
      );
      if (report.status !== 'ready') process.exitCode = 3;
    });
}
