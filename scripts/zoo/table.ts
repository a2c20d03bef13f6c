// The zoo's result table: one row per example, its figures, its wall time.
import type { Figures } from './figures';

export interface TableRow {
  readonly name: string;
  readonly figures: Figures;
  readonly wallSeconds: number;
}

function show(v: number | string): string {
  if (typeof v === 'string') return v;
  if (!Number.isFinite(v)) return String(v);
  return Math.abs(v) >= 100 ? v.toFixed(1) : v.toFixed(4);
}

function duration(s: number): string {
  const m = Math.floor(s / 60);
  return m > 0
    ? `${m}m${Math.round(s - 60 * m)
        .toString()
        .padStart(2, '0')}s`
    : `${s.toFixed(1)}s`;
}

/** A Markdown table (it reads as plain text too), ready to paste into docs/zoo.md. */
export function formatTable(rows: readonly TableRow[]): string {
  const lines = ['| example | figures | training wall time |', '|---|---|---|'];
  for (const r of rows) {
    const figures = Object.entries(r.figures)
      .map(([k, v]) => `${k} ${show(v)}`)
      .join(', ');
    lines.push(`| ${r.name} | ${figures} | ${duration(r.wallSeconds)} |`);
  }
  return `${lines.join('\n')}\n`;
}
