/**
 * `npm run bench`: starts the system as `npm start` runs it (or joins DATABASE_URL / TEMPORAL_ADDRESS),
 * runs the registered scenarios with progress on stderr, prints each one's table, writes each result to
 * `<out>/<YYYY-MM-DD>-<scenario>.json` (and the headline's latency chart beside it), then stops everything.
 * Ctrl-C stops everything too. Exit code 1 when a scenario failed, 2 on a bad command line.
 */
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { latencySeriesOf } from './scenarios/headline-chart.js';
import { renderLatencyChart } from './chart.js';
import { describeMachine } from './machine.js';
import { parseBenchOptions, UsageError } from './options.js';
import { renderMarkdownTable, renderTable, resultFile, runDate, writeResultText } from './results.js';
import type { BenchContext, ScenarioResult } from './scenario.js';
import { SCENARIOS } from './scenarios/index.js';
import { type RunningSystem, startSystem } from './system.js';

// Seconds since the bench started on every line, so a run shows where its time goes.
const benchStarted = performance.now();
const progress = (line: string) => void process.stderr.write(`[bench ${((performance.now() - benchStarted) / 1000).toFixed(1).padStart(5)} s] ${line}\n`);
const print = (text: string) => void process.stdout.write(`${text}\n`);

async function main(): Promise<number> {
  let options;
  try {
    options = parseBenchOptions(process.argv.slice(2), SCENARIOS.map((s) => s.name));
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    process.stderr.write(`${error.message}\n`);
    return 2;
  }
  // The bench stops its worker and the system itself on Ctrl-C, in order; the SDK's own handler would race it.
  Runtime.install({
    // The no-op worker has no activities by design; the SDK's warning about it says nothing here.
    logger: new DefaultLogger('WARN', ({ level, message }) => !message.startsWith('No activities registered') && progress(`[temporal-sdk] ${level} ${message}`)),
    shutdownSignals: [],
  });
  const selected = SCENARIOS.filter((scenario) => options.only === undefined || options.only.includes(scenario.name));
  const startedAt = new Date();
  const date = runDate(startedAt);
  const out = path.resolve(options.out);
  progress(`${options.quick ? 'quick run' : 'full run'} of ${selected.map((s) => s.name).join(', ')}; results in ${out}`);

  // Installed before anything starts, so a Ctrl-C during start-up stops what has started by then.
  const running: { system?: RunningSystem } = {};
  let interrupted = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (interrupted) process.exit(130);
    interrupted = true;
    progress(`${signal}: stopping the system (again to exit at once)`);
    if (running.system !== undefined) void running.system.stop().finally(() => process.exit(130));
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  const system = await startSystem(progress);
  running.system = system;
  if (interrupted) {
    await system.stop();
    return 130;
  }

  let failures = 0;
  try {
    const machine = await describeMachine({
      temporalAddress: system.temporalAddress,
      databaseUrl: system.databaseOwnerUrl,
      toolsDir: system.toolsDir,
      embeddedTemporal: system.embedded.temporal,
    });
    progress(`machine: ${machine.cpuModel}, ${machine.cores} cores, ${(machine.memoryBytes / 2 ** 30).toFixed(1)} GiB, Node ${machine.node}`);
    progress(`Temporal: ${machine.temporalServer}; PostgreSQL: ${machine.postgres}`);
    const context = contextOf(system, options);
    const summaries: string[] = [];
    // A quick run starts the scenarios that wait for a clock first and measures them last (see startEarly).
    const early = new Map<string, Promise<() => Promise<ScenarioResult>>>();
    if (options.quick && selected.length > 1) {
      for (const scenario of selected) {
        if (scenario.startEarly === undefined) continue;
        progress(`— ${scenario.name} (started before the others) —`);
        const started = scenario.startEarly(context);
        // A failure is reported when the scenario's turn comes; until then it must not go unhandled.
        started.catch(() => undefined);
        await started.catch(() => undefined);
        early.set(scenario.name, started);
      }
    }
    const ordered = [...selected.filter((scenario) => !early.has(scenario.name)), ...selected.filter((scenario) => early.has(scenario.name))];
    for (const scenario of ordered) {
      progress(`— ${scenario.name} —`);
      let result: ScenarioResult;
      try {
        const started = early.get(scenario.name);
        result = started === undefined ? await scenario.run(context) : await (await started)();
      } catch (error) {
        failures++;
        // Requests cut off by Ctrl-C fail; that is the stop the person asked for, not a finding.
        if (interrupted) break;
        progress(`${scenario.name} failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
        continue;
      }
      print(`\n${result.title}\n\n${renderTable(result.table)}\n${(result.notes ?? []).map((note) => `  · ${note}`).join('\n')}\n`);
      const file = await writeResultText(out, date, `${result.scenario}.json`, `${JSON.stringify(resultFile(result, startedAt, options, machine), null, 2)}\n`);
      progress(`wrote ${file}`);
      summaries.push(`## ${result.title}\n\n${renderMarkdownTable(result.table)}\n`);
      const series = latencySeriesOf(result);
      if (series !== undefined) {
        const chart = renderLatencyChart(`Latency against concurrency (${options.quick ? 'quick run' : 'full run'}, ${date})`, series);
        progress(`wrote ${await writeResultText(out, date, 'latency.svg', chart)}`);
      }
    }
    if (summaries.length > 0) {
      const header = `# Bench run ${startedAt.toISOString()} (${options.quick ? 'quick' : 'full'})\n\n${machine.cpuModel}, ${machine.cores} cores, ${(machine.memoryBytes / 2 ** 30).toFixed(1)} GiB, Node ${machine.node}; Temporal ${machine.temporalServer}; ${machine.postgres}\n`;
      progress(`wrote ${await writeResultText(out, date, 'summary.md', [header, ...summaries].join('\n'))}`);
    }
  } finally {
    progress('stopping the system');
    await system.stop();
  }
  return failures > 0 ? 1 : 0;
}

function contextOf(system: RunningSystem, options: { quick: boolean; cases: number }): BenchContext {
  return {
    quick: options.quick,
    cases: options.cases,
    apiUrl: system.apiUrl,
    temporalAddress: system.temporalAddress,
    namespace: system.namespace,
    databaseOwnerUrl: system.databaseOwnerUrl,
    ...(system.stackPid === undefined ? {} : { stackPid: system.stackPid }),
    token: (identity) => system.sign(identity),
    progress,
  };
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`bench: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  },
);
