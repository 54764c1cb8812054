/** One line pair of the latency chart: a system's p50 and p99 at each concurrency measured. */
export interface LatencySeries {
  readonly name: string;
  readonly color: string;
  readonly points: ReadonlyArray<{ readonly concurrency: number; readonly p50: number; readonly p99: number }>;
}

const WIDTH = 720;
const HEIGHT = 420;
const MARGIN = { left: 70, right: 190, top: 40, bottom: 50 };

/**
 * p50 (solid) and p99 (dashed) latency against concurrency, as SVG text: concurrency levels evenly spaced
 * on the x axis (they are few and far apart: 1, 10, 50), milliseconds from zero on the y axis.
 * Guarantees: a standalone SVG document; names and the title are escaped; throws when no series has a point.
 */
export function renderLatencyChart(title: string, series: readonly LatencySeries[]): string {
  const levels = [...new Set(series.flatMap((s) => s.points.map((p) => p.concurrency)))].sort((a, b) => a - b);
  if (levels.length === 0) throw new Error('a latency chart needs at least one measured point');
  const top = niceCeiling(Math.max(...series.flatMap((s) => s.points.map((p) => p.p99))));
  const plotWidth = WIDTH - MARGIN.left - MARGIN.right;
  const plotHeight = HEIGHT - MARGIN.top - MARGIN.bottom;
  const x = (concurrency: number) => MARGIN.left + (levels.length === 1 ? plotWidth / 2 : (levels.indexOf(concurrency) / (levels.length - 1)) * plotWidth);
  const y = (ms: number) => MARGIN.top + plotHeight - (ms / top) * plotHeight;
  const fixed = (n: number) => n.toFixed(1);

  const ticks = Array.from({ length: 6 }, (_, i) => (top / 5) * i);
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${HEIGHT}" viewBox="0 0 ${WIDTH} ${HEIGHT}" font-family="sans-serif" font-size="12">`,
    `<rect width="${WIDTH}" height="${HEIGHT}" fill="white"/>`,
    `<text x="${MARGIN.left}" y="24" font-size="15" font-weight="bold">${escapeXml(title)}</text>`,
    ...ticks.map(
      (ms) =>
        `<line x1="${MARGIN.left}" y1="${fixed(y(ms))}" x2="${MARGIN.left + plotWidth}" y2="${fixed(y(ms))}" stroke="#ddd"/>` +
        `<text x="${MARGIN.left - 8}" y="${fixed(y(ms) + 4)}" text-anchor="end">${formatMs(ms)}</text>`,
    ),
    ...levels.map(
      (level) =>
        `<line x1="${fixed(x(level))}" y1="${MARGIN.top + plotHeight}" x2="${fixed(x(level))}" y2="${MARGIN.top + plotHeight + 5}" stroke="#333"/>` +
        `<text x="${fixed(x(level))}" y="${MARGIN.top + plotHeight + 20}" text-anchor="middle">${level}</text>`,
    ),
    `<line x1="${MARGIN.left}" y1="${MARGIN.top}" x2="${MARGIN.left}" y2="${MARGIN.top + plotHeight}" stroke="#333"/>`,
    `<line x1="${MARGIN.left}" y1="${MARGIN.top + plotHeight}" x2="${MARGIN.left + plotWidth}" y2="${MARGIN.top + plotHeight}" stroke="#333"/>`,
    `<text x="${MARGIN.left + plotWidth / 2}" y="${HEIGHT - 10}" text-anchor="middle">concurrent clients</text>`,
    `<text transform="translate(18 ${MARGIN.top + plotHeight / 2}) rotate(-90)" text-anchor="middle">latency (ms)</text>`,
  ];
  series.forEach((s, index) => {
    const sorted = [...s.points].sort((a, b) => a.concurrency - b.concurrency);
    for (const [key, dash] of [['p50', ''], ['p99', ' stroke-dasharray="6 4"']] as const) {
      const coordinates = sorted.map((p) => `${fixed(x(p.concurrency))},${fixed(y(p[key]))}`).join(' ');
      parts.push(`<polyline fill="none" stroke="${escapeXml(s.color)}" stroke-width="2"${dash} points="${coordinates}"/>`);
      for (const p of sorted) parts.push(`<circle cx="${fixed(x(p.concurrency))}" cy="${fixed(y(p[key]))}" r="3" fill="${escapeXml(s.color)}"/>`);
    }
    const legendY = MARGIN.top + 10 + index * 44;
    const legendX = MARGIN.left + plotWidth + 16;
    parts.push(
      `<line x1="${legendX}" y1="${legendY}" x2="${legendX + 24}" y2="${legendY}" stroke="${escapeXml(s.color)}" stroke-width="2"/>`,
      `<text x="${legendX + 30}" y="${legendY + 4}">${escapeXml(s.name)} p50</text>`,
      `<line x1="${legendX}" y1="${legendY + 18}" x2="${legendX + 24}" y2="${legendY + 18}" stroke="${escapeXml(s.color)}" stroke-width="2" stroke-dasharray="6 4"/>`,
      `<text x="${legendX + 30}" y="${legendY + 22}">${escapeXml(s.name)} p99</text>`,
    );
  });
  parts.push('</svg>', '');
  return parts.join('\n');
}

/** The smallest of 1, 2, 2.5, 5 × 10^k at or above `value` (and above zero), so the y ticks are round. */
export function niceCeiling(value: number): number {
  if (!(value > 0)) return 1;
  const magnitude = 10 ** Math.floor(Math.log10(value));
  for (const step of [1, 2, 2.5, 5, 10]) if (step * magnitude >= value) return step * magnitude;
  return 10 * magnitude;
}

function formatMs(ms: number): string {
  return Number.isInteger(ms) ? String(ms) : ms.toFixed(1);
}

function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}
