/**
 * An empirical CDF of latency samples per series, as a standalone SVG with a log-scale x
 * axis: enough to see a distribution's shape and tail next to another's, with no plotting
 * dependency.
 */

export interface Series {
  label: string;
  samples: readonly number[];
}

const COLORS = ['#1f77b4', '#d62728', '#2ca02c', '#ff7f0e', '#9467bd', '#8c564b'];
const WIDTH = 760;
const HEIGHT = 420;
const M = { left: 60, right: 20, top: 40, bottom: 50 };

function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

export function ecdfSvg(title: string, xLabel: string, series: readonly Series[]): string {
  const all = series.flatMap((s) => s.samples).filter((v) => v > 0);
  if (all.length === 0) return '';
  const lo = 10 ** Math.floor(Math.log10(Math.min(...all)));
  const hi = 10 ** Math.ceil(Math.log10(Math.max(...all)));
  const plotW = WIDTH - M.left - M.right;
  const plotH = HEIGHT - M.top - M.bottom;
  const round = (v: number) => Math.round(v * 10) / 10;
  const x = (v: number) => round(M.left + ((Math.log10(Math.max(v, lo)) - Math.log10(lo)) / (Math.log10(hi) - Math.log10(lo))) * plotW);
  const y = (p: number) => round(M.top + (1 - p) * plotH);
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${HEIGHT}" font-family="sans-serif" font-size="12">`,
    `<rect width="${WIDTH}" height="${HEIGHT}" fill="white"/>`,
    `<text x="${WIDTH / 2}" y="22" text-anchor="middle" font-size="14">${escapeXml(title)}</text>`,
  ];
  for (let decade = lo; decade <= hi; decade *= 10) {
    for (const m of [1, 2, 5]) {
      const v = decade * m;
      if (v > hi) break;
      parts.push(`<line x1="${x(v)}" x2="${x(v)}" y1="${M.top}" y2="${M.top + plotH}" stroke="#ddd"/>`);
      parts.push(`<text x="${x(v)}" y="${M.top + plotH + 16}" text-anchor="middle">${v >= 1 ? v : v.toPrecision(1)}</text>`);
    }
  }
  for (const p of [0, 0.25, 0.5, 0.75, 0.9, 0.99, 1]) {
    parts.push(`<line x1="${M.left}" x2="${M.left + plotW}" y1="${y(p)}" y2="${y(p)}" stroke="#eee"/>`);
    parts.push(`<text x="${M.left - 6}" y="${y(p) + 4}" text-anchor="end">${p}</text>`);
  }
  parts.push(`<text x="${M.left + plotW / 2}" y="${HEIGHT - 12}" text-anchor="middle">${escapeXml(xLabel)} (log scale)</text>`);
  parts.push(`<text x="16" y="${M.top + plotH / 2}" text-anchor="middle" transform="rotate(-90 16 ${M.top + plotH / 2})">fraction of changes</text>`);
  series.forEach((s, i) => {
    const sorted = [...s.samples].sort((a, b) => a - b);
    const color = COLORS[i % COLORS.length] as string;
    let d = `M ${x(sorted[0] as number)} ${y(0)}`;
    sorted.forEach((v, k) => {
      d += ` L ${x(v)} ${y(k / sorted.length)} L ${x(v)} ${y((k + 1) / sorted.length)}`;
    });
    parts.push(`<path d="${d}" fill="none" stroke="${color}" stroke-width="2"/>`);
    parts.push(`<rect x="${M.left + 10}" y="${M.top + 8 + i * 18}" width="14" height="4" fill="${color}"/>`);
    parts.push(`<text x="${M.left + 30}" y="${M.top + 13 + i * 18}">${escapeXml(`${s.label} (n=${sorted.length})`)}</text>`);
  });
  parts.push('</svg>', '');
  return parts.join('\n');
}
