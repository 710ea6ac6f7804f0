/**
 * What every study notebook ends with: a table "seed reports / we measure / scale" filled from the
 * numbers the notebook just produced, and a conclusion written by code from the same numbers.
 */
import * as aq from 'arquero';
import type { ColumnTable } from 'arquero';
import { escapeHtml } from '../plots/html';
import type { PlotlyFigure } from '../plots/types';

export interface ComparisonRow {
  /** What is compared, e.g. 'Spearman ρ with ground truth, longest budget'. */
  quantity: string;
  /** What the seed reports (quoted or paraphrased, with the figure/table it comes from). */
  seed: string;
  /** What this run measured (text built from numbers), or why it was not measured. */
  measured: string;
  /** The scale and settings behind `measured`. */
  scale: string;
  /**
   * Whether the measurement agrees with the seed's claim (decided by code from the numbers);
   * null when the claim cannot be checked at this scale or the row was not measured.
   */
  agrees: boolean | null;
  /** How `agrees` was decided, e.g. 'ρ within 0.15 of 0.70' (shown next to it). */
  rule?: string;
}

/** A comparison row before comparisonRows: `scale` defaults to the table's, `agrees` to null. */
export type ComparisonInput = Omit<ComparisonRow, 'scale' | 'agrees'> &
  Partial<Pick<ComparisonRow, 'scale' | 'agrees'>>;

/** The rows with the table's scale text where a row gives none (fields in ComparisonRow order). */
export function comparisonRows(scale: string, rows: readonly ComparisonInput[]): ComparisonRow[] {
  return rows.map((r) => ({
    quantity: r.quantity,
    seed: r.seed,
    measured: r.measured,
    scale: r.scale ?? scale,
    agrees: r.agrees ?? null,
    ...('rule' in r ? { rule: r.rule } : {}),
  }));
}

/** A figure a notebook shows and `npm run figures` exports (id = file base name). */
export interface StudyFigure {
  id: string;
  title: string;
  caption: string;
  figure: PlotlyFigure;
}

/** The common part of every notebook's result. */
export interface StudyResult {
  /** Which notebook / seed figure this is. */
  title: string;
  figures: StudyFigure[];
  comparison: ComparisonRow[];
  conclusion: string[];
  /** Names of the run folders read or written (in the runs folder). */
  runs: string[];
  /** Wall time of this call (s). */
  seconds: number;
}

/** Fixed-point text of a number ('–' when it is not finite). */
export function fmt(x: number | null | undefined, digits = 3): string {
  return x === null || x === undefined || !Number.isFinite(x) ? '–' : x.toFixed(digits);
}

/** Signed fixed-point text: '+0.120' / '-0.050'. */
export function signed(x: number, digits = 3): string {
  if (!Number.isFinite(x)) return '–';
  const s = x.toFixed(digits);
  return x >= 0 && !s.startsWith('-') ? `+${s}` : s;
}

/** Percent text of an accuracy given in percent: '93.45%'. */
export function pct(x: number | null | undefined, digits = 2): string {
  return x === null || x === undefined || !Number.isFinite(x) ? '–' : `${x.toFixed(digits)}%`;
}

function agreesText(r: Pick<ComparisonRow, 'agrees' | 'rule'>): string {
  const word = r.agrees === null ? 'n/a' : r.agrees ? 'yes' : 'no';
  return r.rule ? `${word} (${r.rule})` : word;
}

/** The comparison as an arquero table (columns: quantity, seed reports, we measure, scale, agrees). */
export function comparisonTable(rows: readonly ComparisonRow[]): ColumnTable {
  return aq.table({
    quantity: rows.map((r) => r.quantity),
    'seed reports': rows.map((r) => r.seed),
    'we measure': rows.map((r) => r.measured),
    scale: rows.map((r) => r.scale),
    agrees: rows.map((r) => agreesText(r)),
  });
}

const TABLE_CSS =
  'border-collapse:collapse;font-size:13px;margin:8px 0;' +
  'font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif';
const CELL_CSS = 'border:1px solid #ccc;padding:4px 8px;vertical-align:top;text-align:left';

/** An HTML table of any rows (escaped), for tslab.display.html and reports. */
export function htmlTable(
  columns: readonly string[],
  rows: ReadonlyArray<ReadonlyArray<string | number | null>>,
  caption?: string,
): string {
  const head = columns.map(
    (c) => `<th style="${CELL_CSS};background:#f3f3f3">${escapeHtml(c)}</th>`,
  );
  const body = rows.map(
    (r) =>
      `<tr>${r
        .map((v) => `<td style="${CELL_CSS}">${escapeHtml(v === null ? '–' : String(v))}</td>`)
        .join('')}</tr>`,
  );
  return (
    `<table style="${TABLE_CSS}">` +
    (caption
      ? `<caption style="caption-side:top;text-align:left;padding:4px 0">${escapeHtml(caption)}</caption>`
      : '') +
    `<thead><tr>${head.join('')}</tr></thead><tbody>${body.join('')}</tbody></table>`
  );
}

/** The comparison table as HTML. */
export function comparisonHtml(rows: readonly ComparisonRow[], caption?: string): string {
  return htmlTable(
    ['quantity', 'seed reports', 'we measure', 'scale', 'agrees'],
    rows.map((r) => [r.quantity, r.seed, r.measured, r.scale, agreesText(r)]),
    caption ?? 'Seed reports / we measure / scale (filled from the runs of this notebook)',
  );
}

/** The conclusion sentences as an HTML list. */
export function conclusionHtml(sentences: readonly string[]): string {
  return (
    '<div style="font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;font-size:14px">' +
    '<strong>Conclusion (written from the numbers above):</strong><ul>' +
    sentences.map((s) => `<li>${escapeHtml(s)}</li>`).join('') +
    '</ul></div>'
  );
}

/** An arquero table as HTML with numbers rounded to `digits`. */
export function tableHtml(table: ColumnTable, digits = 3, caption?: string): string {
  const cols = table.columnNames();
  const rows = table.objects().map((o) =>
    cols.map((c) => {
      const v = (o as Record<string, unknown>)[c];
      if (typeof v === 'number') {
        if (!Number.isFinite(v)) return null;
        return Number.isInteger(v) ? v : Number(v.toFixed(digits));
      }
      return v === null || v === undefined ? null : String(v);
    }),
  );
  return htmlTable(cols, rows, caption);
}

/** mean of finite values (NaN when there are none). */
export function mean(values: readonly number[]): number {
  const v = values.filter((x) => Number.isFinite(x));
  return v.length ? v.reduce((a, b) => a + b, 0) / v.length : NaN;
}

/** Sample standard deviation (0 for one value, NaN for none). */
export function std(values: readonly number[]): number {
  const v = values.filter((x) => Number.isFinite(x));
  if (v.length === 0) return NaN;
  if (v.length === 1) return 0;
  const m = mean(v);
  return Math.sqrt(v.reduce((a, b) => a + (b - m) ** 2, 0) / (v.length - 1));
}

/** Index of the largest value (first on ties). */
export function argmax(values: readonly number[]): number {
  let best = 0;
  values.forEach((v, i) => {
    if (v > values[best]) best = i;
  });
  return best;
}
