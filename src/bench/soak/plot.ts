/** `--plot`: one self-contained HTML page, inline SVG lines of RSS and log size over time, faults marked. */

import type { FaultKind } from './faults.js';
import type { SoakReport } from './report.js';

const WIDTH = 900;
const HEIGHT = 260;
const PAD = { left: 70, right: 20, top: 20, bottom: 30 };
const FAULT_COLOURS: Record<FaultKind, string> = { influx: '#d62728', broker: '#ff7f0e', kill: '#9467bd' };

interface Series {
  points: { tMs: number; y: number; segment?: number }[];
  label: string;
  format: (y: number) => string;
}

const escapeHtml = (text: string) => text.replace(/[&<>"]/g, (c) => `&#${c.charCodeAt(0)};`);

function chart(series: Series, report: SoakReport, endMs: number): string {
  const { points } = series;
  const maxY = Math.max(1, ...points.map((p) => p.y)) * 1.05;
  const x = (tMs: number) => Number((PAD.left + ((WIDTH - PAD.left - PAD.right) * tMs) / Math.max(1, endMs)).toFixed(1));
  const y = (v: number) => Number((HEIGHT - PAD.bottom - ((HEIGHT - PAD.top - PAD.bottom) * v) / maxY).toFixed(1));
  // One polyline per recur process: a kill is a gap, not a line down to the new process.
  const lines: string[] = [];
  let current: string[] = [];
  let segment: number | undefined;
  for (const p of points) {
    if (p.segment !== segment && current.length > 0) {
      lines.push(current.join(' '));
      current = [];
    }
    segment = p.segment;
    current.push(`${x(p.tMs)},${y(p.y)}`);
  }
  if (current.length > 0) lines.push(current.join(' '));
  const faults = report.faults.map(
    (f) =>
      `<line x1="${x(f.tMs)}" x2="${x(f.tMs)}" y1="${PAD.top}" y2="${HEIGHT - PAD.bottom}" stroke="${FAULT_COLOURS[f.kind]}" stroke-dasharray="4 3"><title>${f.kind} at ${(f.tMs / 1000).toFixed(0)} s</title></line>`,
  );
  const ticks = [0, 0.5, 1].map(
    (k) => `<text x="${PAD.left - 6}" y="${y(maxY * k) + 4}" text-anchor="end" font-size="11">${escapeHtml(series.format(maxY * k))}</text>`,
  );
  const minutes = Array.from({ length: Math.floor(endMs / 60_000) + 1 }, (_, m) => m).filter(
    (m, _, all) => all.length <= 12 || m % Math.ceil(all.length / 12) === 0,
  );
  const xTicks = minutes.map((m) => `<text x="${x(m * 60_000)}" y="${HEIGHT - 10}" text-anchor="middle" font-size="11">${m} min</text>`);
  return `<h2>${escapeHtml(series.label)}</h2>
<svg width="${WIDTH}" height="${HEIGHT}" xmlns="http://www.w3.org/2000/svg" font-family="sans-serif">
<rect x="${PAD.left}" y="${PAD.top}" width="${WIDTH - PAD.left - PAD.right}" height="${HEIGHT - PAD.top - PAD.bottom}" fill="none" stroke="#ccc"/>
${ticks.join('\n')}
${xTicks.join('\n')}
${faults.join('\n')}
${lines.map((l) => `<polyline points="${l}" fill="none" stroke="#1f77b4" stroke-width="1.5"/>`).join('\n')}
</svg>`;
}

export function renderPlot(report: SoakReport): string {
  const endMs = Math.max(report.settings.seconds * 1000, ...report.rss.map((p) => p.tMs), ...report.logBytes.map((p) => p.tMs));
  const slope = report.rssSlopeMbPerHour === null ? 'n/a' : `${report.rssSlopeMbPerHour.toFixed(1)} MB/h`;
  const legend = (Object.keys(FAULT_COLOURS) as FaultKind[]).map((k) => `<span style="color:${FAULT_COLOURS[k]}">- - ${k}</span>`).join(' &nbsp; ');
  return `<!doctype html>
<html><head><meta charset="utf-8"><title>recur bench soak</title></head>
<body style="font-family: sans-serif">
<h1>recur bench soak</h1>
<p>${report.settings.streams} streams at ${report.settings.rate} frames/s for ${report.settings.seconds} s; published ${report.published}, written ${report.written}
(${report.lost === 0 ? 'equal' : `lost ${report.lost}`}); RSS slope ${slope}; faults: ${legend}</p>
${chart({ label: 'recur RSS (MB)', points: report.rss.map((p) => ({ tMs: p.tMs, y: p.mb, segment: p.segment })), format: (v) => v.toFixed(0) }, report, endMs)}
${chart({ label: 'ingest log (bytes)', points: report.logBytes.map((p) => ({ tMs: p.tMs, y: p.bytes })), format: (v) => `${(v / 1e6).toFixed(1)} MB` }, report, endMs)}
</body></html>
`;
}
