import { forEachLimited, runLoad } from '../../../bench/src/load.js';

/** An operation that records how many run at once, and answers on the next turn of the event loop. */
function tracked() {
  let running = 0;
  let most = 0;
  const started: number[] = [];
  return {
    started,
    most: () => most,
    operation: async (index: number) => {
      started.push(index);
      most = Math.max(most, ++running);
      await new Promise((resolve) => setImmediate(resolve));
      running--;
    },
  };
}

describe('bench load runner', () => {
  it('runs each operation once, never more at once than the clients', async () => {
    const ops = tracked();
    const run = await runLoad({ count: 25, concurrency: 4, timeLimitMs: 60_000, operation: ops.operation });
    expect(run.completed).toBe(25);
    expect(run.latenciesMs).toHaveLength(25);
    expect([...ops.started].sort((a, b) => a - b)).toEqual(Array.from({ length: 25 }, (_, i) => i));
    expect(ops.most()).toBe(4);
    expect(run.perSecond).toBeGreaterThan(0);
  });

  it('starts nothing once the time limit has passed', async () => {
    const ops = tracked();
    const run = await runLoad({ count: 10, concurrency: 2, timeLimitMs: 0, operation: ops.operation });
    expect(run.completed).toBe(0);
    expect(ops.started).toEqual([]);
  });

  it('stops starting operations at the first failure and rethrows it once the others have answered', async () => {
    const started: number[] = [];
    const failing = runLoad({
      count: 100,
      concurrency: 3,
      timeLimitMs: 60_000,
      operation: async (index) => {
        started.push(index);
        await new Promise((resolve) => setImmediate(resolve));
        if (index === 4) throw new Error('answered 500');
      },
    });
    await expect(failing).rejects.toThrow('answered 500');
    expect(started.length).toBeLessThan(10);
  });

  it('forEachLimited keeps results in input order', async () => {
    const results = await forEachLimited([3, 1, 2], 2, async (n) => {
      await new Promise((resolve) => setImmediate(resolve));
      return n * 10;
    });
    expect(results).toEqual([30, 10, 20]);
  });
});
