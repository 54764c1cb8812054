/** Latency summary of one measured series, in milliseconds. */
export interface LatencySummary {
  readonly count: number;
  readonly p50: number;
  readonly p95: number;
  readonly p99: number;
  readonly max: number;
}

/**
 * The q-quantile (0 < q ≤ 1) of `samples` by the nearest-rank method: the smallest sample such that at
 * least q of all samples are at most it. Nearest rank reports a latency some request really had (no
 * interpolation between two requests), which is what a p99 of a few hundred samples should mean.
 * Guarantees: the result is one of the samples; `samples` is not modified. Throws on an empty series or a
 * q outside (0, 1].
 */
export function quantile(samples: readonly number[], q: number): number {
  if (samples.length === 0) throw new RangeError('a quantile of no samples is undefined');
  if (!(q > 0 && q <= 1)) throw new RangeError(`q must lie in (0, 1], not ${q}`);
  const sorted = [...samples].sort((a, b) => a - b);
  const rank = Math.ceil(q * sorted.length);
  return sorted[rank - 1] as number;
}

/** p50, p95, p99 and the maximum of `samples` (nearest rank, see {@link quantile}). */
export function summarize(samples: readonly number[]): LatencySummary {
  return {
    count: samples.length,
    p50: quantile(samples, 0.5),
    p95: quantile(samples, 0.95),
    p99: quantile(samples, 0.99),
    max: quantile(samples, 1),
  };
}
