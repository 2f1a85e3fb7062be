/**
 * Hand-written SVG charts of a benchmark report (no browser, no chart library).
 */
import type { BenchReport, CaseResult } from './report';

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
const SERVICE = '#2f6fdf';
const BASELINE = '#9aa4b2';
const FONT = 'font-family="system-ui, -apple-system, Segoe UI, Helvetica, Arial, sans-serif"';

function fmt(n: number): string {
  return n >= 10_000 ? `${(n / 1000).toFixed(1)}k` : n.toFixed(0);
}

function legend(x: number, y: number): string {
  return [
    `<rect x="${x}" y="${y - 10}" width="12" height="12" fill="${SERVICE}"/>`,
    `<text x="${x + 18}" y="${y}" font-size="12" ${FONT}>service (NestJS + Fastify + TypeORM)</text>`,
    `<rect x="${x + 250}" y="${y - 10}" width="12" height="12" fill="${BASELINE}"/>`,
    `<text x="${x + 268}" y="${y}" font-size="12" ${FONT}>bare baseline (node:http + driver)</text>`,
  ].join('\n');
}

/** Requests/s of service vs baseline for each case, one panel per database; ratio and p99 on the right. */
export function throughputChart(report: BenchReport): string {
  const width = 1060;
  const labelW = 190;
  const barMax = 500;
  const rowH = 44;
  const parts: string[] = [];
  let y = 30;
  parts.push(
    `<text x="20" y="${y}" font-size="16" font-weight="600" ${FONT}>Requests per second, service vs bare baseline (${report.meta.connections} connections)</text>`,
  );
  y += 22;
  parts.push(legend(20, y));
  y += 14;
  const dbs = [...new Set(report.cases.map((c) => c.db))];
  for (const db of dbs) {
    const cases = report.cases.filter((c) => c.db === db);
    const max = Math.max(1, ...cases.flatMap((c) => [c.service.rps, c.baseline.rps]));
    y += 26;
    parts.push(
      `<text x="20" y="${y}" font-size="14" font-weight="600" ${FONT}>${esc(db === 'sqlite' ? 'SQLite' : 'PostgreSQL')}</text>`,
    );
    parts.push(
      `<text x="${labelW + barMax + 75}" y="${y}" font-size="11" fill="#555" ${FONT}>req/s service ÷ baseline · p99 ms · CPU µs per request</text>`,
    );
    y += 8;
    for (const c of cases) {
      const sw = Math.max(1, (c.service.rps / max) * barMax);
      const bw = Math.max(1, (c.baseline.rps / max) * barMax);
      parts.push(`<text x="20" y="${y + 20}" font-size="12" ${FONT}>${esc(c.label)}</text>`);
      parts.push(`<rect x="${labelW}" y="${y + 4}" width="${sw.toFixed(1)}" height="15" fill="${SERVICE}"/>`);
      parts.push(`<text x="${labelW + sw + 5}" y="${y + 16}" font-size="11" ${FONT}>${fmt(c.service.rps)}</text>`);
      parts.push(`<rect x="${labelW}" y="${y + 21}" width="${bw.toFixed(1)}" height="15" fill="${BASELINE}"/>`);
      parts.push(`<text x="${labelW + bw + 5}" y="${y + 33}" font-size="11" ${FONT}>${fmt(c.baseline.rps)}</text>`);
      const ok = c.target === undefined || c.ratio >= c.target;
      parts.push(
        `<text x="${labelW + barMax + 75}" y="${y + 20}" font-size="13" font-weight="600" fill="${ok ? '#1b7f3b' : '#b3261e'}" ${FONT}>${(c.ratio * 100).toFixed(0)}%${c.target !== undefined ? ` (target ≥ ${(c.target * 100).toFixed(0)}%)` : ''}</text>`,
      );
      parts.push(
        `<text x="${labelW + barMax + 75}" y="${y + 34}" font-size="11" fill="#555" ${FONT}>p99 ${c.service.p99.toFixed(1)} vs ${c.baseline.p99.toFixed(1)} · CPU ${c.service.cpuUsPerRequest.toFixed(0)} vs ${c.baseline.cpuUsPerRequest.toFixed(0)}</text>`,
      );
      y += rowH;
    }
  }
  y += 10;
  parts.push(
    `<text x="20" y="${y}" font-size="10" fill="#666" ${FONT}>${esc(`${report.meta.when} · node ${report.meta.node} · ${report.meta.cpus} · ${report.meta.durationSeconds} s per case per server, alternating · ${report.meta.note}`)}</text>`,
  );
  y += 12;
  return svg(width, y, parts);
}

/** How latency grows with the table: p50/p99 of each scale case at each size. */
export function scaleChart(report: BenchReport): string {
  const width = 1060;
  const labelW = 320;
  const barMax = 480;
  const parts: string[] = [];
  let y = 30;
  parts.push(
    `<text x="20" y="${y}" font-size="16" font-weight="600" ${FONT}>Latency as the tenant grows (service; p50 bar, p99 tick; ms)</text>`,
  );
  const dbs = [...new Set(report.scale.map((c) => c.db))];
  for (const db of dbs) {
    const cases = report.scale.filter((c) => c.db === db);
    const max = Math.max(1, ...cases.map((c) => c.service.p99));
    y += 30;
    parts.push(
      `<text x="20" y="${y}" font-size="14" font-weight="600" ${FONT}>${esc(db === 'sqlite' ? 'SQLite' : 'PostgreSQL')}</text>`,
    );
    y += 6;
    for (const c of cases) {
      const w50 = Math.max(1, (c.service.p50 / max) * barMax);
      const x99 = labelW + (c.service.p99 / max) * barMax;
      parts.push(
        `<text x="20" y="${y + 15}" font-size="12" ${FONT}>${esc(`${c.label} @ ${c.rows?.toLocaleString('en-US')} rows`)}</text>`,
      );
      parts.push(`<rect x="${labelW}" y="${y + 4}" width="${w50.toFixed(1)}" height="14" fill="${SERVICE}"/>`);
      parts.push(
        `<line x1="${x99.toFixed(1)}" y1="${y + 1}" x2="${x99.toFixed(1)}" y2="${y + 21}" stroke="#b3261e" stroke-width="2"/>`,
      );
      parts.push(
        `<text x="${labelW + barMax + 20}" y="${y + 15}" font-size="11" ${FONT}>${c.service.p50.toFixed(1)} / ${c.service.p99.toFixed(1)} · ${fmt(c.service.rps)} req/s</text>`,
      );
      y += 26;
    }
  }
  y += 12;
  return svg(width, y, parts);
}

function svg(width: number, height: number, parts: string[]): string {
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}">`,
    `<rect width="100%" height="100%" fill="#ffffff"/>`,
    ...parts,
    '</svg>',
    '',
  ].join('\n');
}

export type { CaseResult };
