import { escapeHtml, figureHtml, jsonForScript, reportPage } from '../html';
import type { Report, ReportFigure, ReportTable } from './types';

const CSS = `
nav.toc { font-size: 14px; margin: 8px 0 16px; }
nav.toc a { margin-right: 14px; }
table.report { border-collapse: collapse; margin: 8px 0 16px; font-size: 13px; }
table.report th, table.report td { border: 1px solid #d0d7de; padding: 3px 8px; }
table.report th { background: #f6f8fa; text-align: left; }
table.report td.num { text-align: right; font-variant-numeric: tabular-nums; }
table.report caption { caption-side: top; text-align: left; color: #59636e; padding: 4px 0; }
figure.report-figure { margin: 18px 0 28px; }
figure.report-figure figcaption { color: #59636e; font-size: 13px; }
.warnings { background: #fff8c5; border: 1px solid #d4a72c; border-radius: 6px; padding: 8px 14px; }
`;

function tableHtml(t: ReportTable): string {
  const head = t.columns.map((c) => `<th>${escapeHtml(c)}</th>`).join('');
  const cell = (v: string | number | null) =>
    typeof v === 'number'
      ? `<td class="num">${v}</td>`
      : `<td>${v === null ? '–' : escapeHtml(v)}</td>`;
  const body = t.rows.map((row) => `<tr>${row.map(cell).join('')}</tr>`).join('\n');
  return `<table class="report"><caption>${escapeHtml(t.caption)}</caption><thead><tr>${head}</tr></thead><tbody>\n${body}\n</tbody></table>`;
}

function figureBlock(f: ReportFigure): string {
  return [
    `<figure class="report-figure" id="figure-${f.id}">`,
    figureHtml(f.figure, { id: f.id }),
    `<figcaption><strong>${escapeHtml(f.title)}.</strong> ${escapeHtml(f.caption)}</figcaption>`,
    '</figure>',
  ].join('\n');
}

/** The report as one self-contained HTML page (plotly.js inlined once, no external files). */
export function reportHtml(report: Report): string {
  const toc = report.sections
    .map((s) => `<a href="#${escapeHtml(s.id)}">${escapeHtml(s.title)}</a>`)
    .join(' ');
  const parts: string[] = [`<h1>${escapeHtml(report.title)}</h1>`, `<nav class="toc">${toc}</nav>`];
  if (report.warnings.length > 0) {
    parts.push(
      `<div class="warnings"><strong>Warnings</strong><ul>${report.warnings
        .map((w) => `<li>${escapeHtml(w)}</li>`)
        .join('')}</ul></div>`,
    );
  }
  for (const s of report.sections) {
    parts.push(`<section id="${escapeHtml(s.id)}">`, `<h2>${escapeHtml(s.title)}</h2>`);
    for (const p of s.paragraphs) parts.push(`<p>${escapeHtml(p)}</p>`);
    for (const t of s.tables) parts.push(tableHtml(t));
    for (const f of s.figures) parts.push(figureBlock(f));
    parts.push('</section>');
  }
  const data = {
    title: report.title,
    createdAt: report.createdAt,
    numbers: report.numbers,
    sources: report.sources,
    warnings: report.warnings,
  };
  parts.push(
    `<script type="application/json" id="supernet-lab-report-data">${jsonForScript(data)}</script>`,
  );
  return reportPage({
    title: report.title,
    body: parts.join('\n'),
    css: CSS,
    plotly: report.sections.some((s) => s.figures.length > 0),
    footer: `Generated ${report.createdAt} by supernet-lab report.`,
  });
}

/** Every figure of the report, in page order. */
export function reportFigures(report: Report): ReportFigure[] {
  return report.sections.flatMap((s) => s.figures);
}
