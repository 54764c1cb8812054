import { quantile, summarize } from '../../../bench/src/percentiles.js';

describe('bench percentiles (nearest rank)', () => {
  const hundred = Array.from({ length: 100 }, (_, i) => 100 - i); // 100, 99, …, 1: unsorted on purpose

  it('picks the sample at rank ceil(q·n) of the sorted series', () => {
    expect(quantile(hundred, 0.5)).toBe(50);
    expect(quantile(hundred, 0.95)).toBe(95);
    expect(quantile(hundred, 0.99)).toBe(99);
    expect(quantile(hundred, 1)).toBe(100);
    expect(quantile([10, 20, 30, 40], 0.5)).toBe(20);
    expect(quantile([10, 20, 30, 40], 0.51)).toBe(30);
  });

  it('reports a latency some request had, never an interpolation between two', () => {
    const samples = [3.5, 120, 7, 9.25, 42];
    for (const q of [0.1, 0.5, 0.9, 0.95, 0.99, 1]) expect(samples).toContain(quantile(samples, q));
  });

  it('with few samples, p99 is the slowest one', () => {
    expect(quantile([5, 1, 3], 0.99)).toBe(5);
    expect(quantile([7], 0.5)).toBe(7);
  });

  it('leaves the samples as they were', () => {
    const samples = [3, 1, 2];
    summarize(samples);
    expect(samples).toEqual([3, 1, 2]);
  });

  it('summarizes count, p50, p95, p99 and max', () => {
    expect(summarize(hundred)).toEqual({ count: 100, p50: 50, p95: 95, p99: 99, max: 100 });
  });

  it('refuses an empty series and a q outside (0, 1]', () => {
    expect(() => quantile([], 0.5)).toThrow(RangeError);
    expect(() => quantile([1], 0)).toThrow(/q must lie in/);
    expect(() => quantile([1], 1.5)).toThrow(/q must lie in/);
    expect(() => quantile([1], Number.NaN)).toThrow(/q must lie in/);
  });
});
