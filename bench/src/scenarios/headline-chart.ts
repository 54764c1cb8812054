import type { LatencySeries } from '../chart.js';
import type { ScenarioResult } from '../scenario.js';

/**
 * The chart's series from the headline's metrics (`decision_p50_ms_c<n>`, `noop_update_p99_ms_c<n>`, …):
 * undefined for any other result, or one without those metrics.
 */
export function latencySeriesOf(result: ScenarioResult): LatencySeries[] | undefined {
  if (result.scenario !== 'headline') return undefined;
  const levels = Object.keys(result.metrics)
    .map((key) => /^decision_p50_ms_c(\d+)$/.exec(key)?.[1])
    .filter((level): level is string => level !== undefined)
    .map(Number)
    .sort((a, b) => a - b);
  if (levels.length === 0) return undefined;
  const seriesOf = (name: string, prefix: string, color: string): LatencySeries => ({
    name,
    color,
    points: levels.map((level) => ({
      concurrency: level,
      p50: result.metrics[`${prefix}_p50_ms_c${level}`] ?? 0,
      p99: result.metrics[`${prefix}_p99_ms_c${level}`] ?? 0,
    })),
  });
  return [seriesOf('decision (HTTP)', 'decision', '#c0392b'), seriesOf('no-op Update', 'noop_update', '#2471a3')];
}
