import { niceCeiling, renderLatencyChart } from '../../../bench/src/chart.js';
import { formatNumber, renderMarkdownTable, renderTable, runDate } from '../../../bench/src/results.js';
import { latencySeriesOf } from '../../../bench/src/scenarios/headline-chart.js';

describe('bench tables', () => {
  const rows = [
    { measure: 'decision', clients: 1, 'p99 ms': 12.5 },
    { measure: 'decision ÷ no-op', clients: 10, 'p99 ms': 1874 },
  ];

  it('aligns every line to the same width, numbers to the right', () => {
    const lines = renderTable(rows).split('\n');
    expect(lines[0]).toBe('measure           clients  p99 ms');
    expect(lines[2]).toBe('decision                1    12.5');
    expect(lines[3]).toBe('decision ÷ no-op       10   1,874');
  });

  it('renders the same rows as a Markdown table with numeric columns right-aligned', () => {
    expect(renderMarkdownTable(rows).split('\n').slice(0, 2)).toEqual(['| measure | clients | p99 ms |', '|---|---:|---:|']);
  });

  it('formats integers with separators and fractions to a few significant decimals', () => {
    expect(formatNumber(12_345)).toBe('12,345');
    expect(formatNumber(0.4567)).toBe('0.457');
    expect(formatNumber(3.14159)).toBe('3.14');
    expect(formatNumber(250.6)).toBe('251');
  });

  it('names result files by the UTC date of the run', () => {
    expect(runDate(new Date('2026-11-28T23:59:00+08:00'))).toBe('2026-11-28');
    expect(runDate(new Date('2026-11-29T01:00:00+08:00'))).toBe('2026-11-28');
  });
});

describe('bench latency chart', () => {
  const metrics = {
    decision_p50_ms_c1: 80,
    decision_p99_ms_c1: 120,
    decision_p50_ms_c10: 280,
    decision_p99_ms_c10: 348,
    noop_update_p50_ms_c1: 4,
    noop_update_p99_ms_c1: 9,
    noop_update_p50_ms_c10: 11,
    noop_update_p99_ms_c10: 30,
  };

  it('takes its series from the headline result only', () => {
    expect(latencySeriesOf({ scenario: 'history', title: 't', table: [], metrics })).toBeUndefined();
    const series = latencySeriesOf({ scenario: 'headline', title: 't', table: [], metrics });
    expect(series?.map((s) => s.points)).toEqual([
      [{ concurrency: 1, p50: 80, p99: 120 }, { concurrency: 10, p50: 280, p99: 348 }],
      [{ concurrency: 1, p50: 4, p99: 9 }, { concurrency: 10, p50: 11, p99: 30 }],
    ]);
  });

  it('draws a p50 and a p99 line per series, labelled and escaped', () => {
    const series = latencySeriesOf({ scenario: 'headline', title: 't', table: [], metrics }) ?? [];
    const svg = renderLatencyChart('p50 & p99 <ms>', series);
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    expect(svg.trimEnd().endsWith('</svg>')).toBe(true);
    expect(svg.match(/<polyline /g)).toHaveLength(4);
    expect(svg).toContain('p50 &amp; p99 &lt;ms&gt;');
    expect(svg).toContain('decision (HTTP) p99');
    expect(svg).toContain('no-op Update p50');
    expect(svg).toContain('>500</text>'); // the y axis reaches a round value above the highest p99 (348)
  });

  it('rounds the y axis up to 1, 2, 2.5 or 5 times a power of ten', () => {
    expect([niceCeiling(348), niceCeiling(1874), niceCeiling(9), niceCeiling(0.3), niceCeiling(0)]).toEqual([500, 2000, 10, 0.5, 1]);
  });

  it('refuses to draw nothing', () => {
    expect(() => renderLatencyChart('empty', [])).toThrow(/at least one/);
  });
});
