/**
 * The budget frontier's outputs outside a notebook (`supernet-lab study --frontier`): the points
 * as text lines and table rows, a self-contained HTML report, and the JSON summary.
 */
import { escapeHtml, figureHtml, reportPage } from '../plots/html';
import type { BudgetFrontierResult, FrontierPoint } from './budget-frontier';
import { imagesText } from './budget-frontier-budget';
import { comparisonHtml, conclusionHtml, fmt, htmlTable, pct } from './report';

export const FRONTIER_COLUMNS = [
  'series',
  'C',
  'epoch / schedule',
  'images seen',
  'Spearman ρ [95 %]',
  'Kendall τ-b [95 %]',
  'size bias ρ(score, params) [95 %]',
  'top-k / random top-k',
  'mean supernet accuracy',
] as const;

const ci = (x: number, lo: number, hi: number) => `${fmt(x, 3)} [${fmt(lo, 2)}, ${fmt(hi, 2)}]`;

/** One row of the points table, as text cells in FRONTIER_COLUMNS order. */
export function frontierRow(p: FrontierPoint): string[] {
  return [
    p.series,
    String(p.channels),
    `${p.epoch} / ${p.scheduleEpochs}`,
    imagesText(p.imagesSeen),
    ci(p.spearman, p.spearmanLow, p.spearmanHigh),
    ci(p.kendall, p.kendallLow, p.kendallHigh),
    ci(p.sizeBias, p.sizeBiasLow, p.sizeBiasHigh),
    `${pct(p.topK)} / ${pct(p.randomTopK)}`,
    pct(p.meanScore),
  ];
}

/** The points table as HTML. */
export function frontierTableHtml(r: BudgetFrontierResult): string {
  return htmlTable(
    [...FRONTIER_COLUMNS],
    r.points.map(frontierRow),
    `${r.cells.length} cells of ${r.table.file}; top-${r.settings.k} selects by the table's validation accuracy and reports its test accuracy`,
  );
}

/** What the CLI prints: the points, the crossing, the budget needs and the conclusion. */
export function formatFrontier(r: BudgetFrontierResult): string {
  const rows = [[...FRONTIER_COLUMNS], ...r.points.map(frontierRow)];
  const widths = FRONTIER_COLUMNS.map((_, j) => Math.max(...rows.map((row) => row[j].length)));
  const line = (row: string[]) =>
    row
      .map((c, j) => c.padEnd(widths[j]))
      .join('  ')
      .trimEnd();
  const ceiling = r.ceiling
    ? `noise ceiling of the table: seeds agree at ρ = ${fmt(r.ceiling.spearman)} over ${r.ceiling.n} cells; ` +
      `against the mean of seeds no estimator exceeds ρ ≈ ${fmt(r.ceiling.meanOfSeeds.spearman)}`
    : 'noise ceiling: none (the table has one seed per cell)';
  return [
    `Budget frontier (${r.scale}): ${r.cells.length} cells of ${r.table.file}, top-${r.settings.k}`,
    ...rows.map(line),
    ceiling,
    '',
    'What a larger budget would need:',
    ...r.needs.lines.map((l) => `  ${l}`),
    '',
    'Conclusion:',
    ...r.conclusion.map((c) => `  - ${c}`),
  ].join('\n');
}

/** A self-contained HTML report: figures, the points table, comparison and conclusion. */
export function frontierReportHtml(r: BudgetFrontierResult, footer?: string): string {
  const body = [
    `<h1>${escapeHtml(r.title)}</h1>`,
    `<p>${escapeHtml(`Scale ${r.scale}; ${r.cells.length} cells of ${r.table.file}; runs: ${r.runs.join(', ')}; ${r.seconds.toFixed(0)} s.`)}</p>`,
    frontierTableHtml(r),
    ...r.figures.flatMap((f) => [
      `<h2>${escapeHtml(f.title)}</h2>`,
      `<p>${escapeHtml(f.caption)}</p>`,
      figureHtml(f.figure),
    ]),
    '<h2>What a larger budget would need</h2>',
    `<ul>${r.needs.lines.map((l) => `<li>${escapeHtml(l)}</li>`).join('')}</ul>`,
    '<h2>Seed reports / we measure / scale</h2>',
    comparisonHtml(r.comparison),
    conclusionHtml(r.conclusion),
  ].join('\n');
  return reportPage({ title: r.title, body, footer });
}

/** The JSON summary (everything but the figures and the table's rows). */
export function frontierJson(r: BudgetFrontierResult): Record<string, unknown> {
  return {
    scale: r.scale,
    table: r.table.file,
    cells: r.cells.length,
    settings: r.settings,
    ceiling: r.ceiling,
    reference: r.reference,
    truthVsParams: r.truthVsParams,
    points: r.points,
    crossing: r.crossing,
    needs: r.needs,
    regime: r.regime,
    comparison: r.comparison,
    conclusion: r.conclusion,
    runs: r.runs,
    seconds: r.seconds,
  };
}
