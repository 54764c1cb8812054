import { performance } from 'node:perf_hooks';

/** One bounded burst of operations run by a fixed number of concurrent clients. */
export interface LoadOptions {
  /** How many operations at most. */
  readonly count: number;
  /** Clients running at once, each starting its next operation when the previous one answered. */
  readonly concurrency: number;
  /** No operation starts after this many milliseconds from the start, so a slow system cannot stall the run. */
  readonly timeLimitMs: number;
  /** Operation `index` (0 ≤ index < count); throws when the system answered wrongly. */
  readonly operation: (index: number) => Promise<void>;
}

export interface LoadRun {
  readonly concurrency: number;
  /** Operations that completed (fewer than asked only when the time limit was reached). */
  readonly completed: number;
  /** Wall time from the first start to the last answer. */
  readonly seconds: number;
  /** Completed operations per second of wall time. */
  readonly perSecond: number;
  /** Each completed operation's latency in milliseconds, in completion order. */
  readonly latenciesMs: readonly number[];
}

/**
 * Runs `operation` `count` times with `concurrency` clients (closed loop: each client waits for its
 * answer before asking again) and measures each answer's latency and the overall rate. Bounded: it stops
 * starting operations at the time limit, and on the first failure, which it then rethrows once every
 * client has stopped, so no request is left running behind the bench's back.
 */
export async function runLoad(options: LoadOptions): Promise<LoadRun> {
  const latenciesMs: number[] = [];
  let next = 0;
  let failure: { error: unknown } | undefined;
  const started = performance.now();
  const deadline = started + options.timeLimitMs;
  const client = async () => {
    while (failure === undefined && next < options.count && performance.now() < deadline) {
      const index = next++;
      const before = performance.now();
      try {
        await options.operation(index);
      } catch (error) {
        failure ??= { error };
        return;
      }
      latenciesMs.push(performance.now() - before);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(options.concurrency, options.count)) }, client));
  if (failure !== undefined) throw failure.error;
  const seconds = (performance.now() - started) / 1000;
  return { concurrency: options.concurrency, completed: latenciesMs.length, seconds, perSecond: seconds > 0 ? latenciesMs.length / seconds : 0, latenciesMs };
}

/**
 * Runs `task` for every item with at most `concurrency` at once (setup work that is not measured, such
 * as finding tasks in the inbox); rethrows the first failure after the others have stopped.
 */
export async function forEachLimited<T, R>(items: readonly T[], concurrency: number, task: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array<R>(items.length);
  let next = 0;
  let failure: { error: unknown } | undefined;
  const worker = async () => {
    while (failure === undefined && next < items.length) {
      const index = next++;
      try {
        results[index] = await task(items[index] as T, index);
      } catch (error) {
        failure ??= { error };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(concurrency, items.length)) }, worker));
  if (failure !== undefined) throw failure.error;
  return results;
}
