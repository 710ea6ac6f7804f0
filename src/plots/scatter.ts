import type { ColumnTable } from 'arquero';
import { numericColumn } from '../analysis/columns';
import { strings } from './columns';
import { axis, baseLayout, OKABE_ITO, withAlpha } from './theme';
import type { PlotlyFigure } from './types';

export interface ScoreVsTruthOptions {
  /** Supernet estimate column (x). */
  score: string;
  /** Ground-truth column (y). */
  truth: string;
  /** Architecture column for hover text (default 'arch'). */
  arch?: string;
  xTitle?: string;
  yTitle?: string;
  title?: string;
  /** Shown in the corner, e.g. 'Spearman ρ = 0.71, Kendall τ-b = 0.53'. */
  note?: string;
}

/**
 * Supernet estimate vs ground truth, one marker per architecture (hover names it), with
 * marginal histograms of both on the top and right.
 */
export function scoreVsTruthFigure(table: ColumnTable, options: ScoreVsTruthOptions): PlotlyFigure {
  const what = 'score-vs-truth table';
  const x = numericColumn(table, options.score, { what });
  const y = numericColumn(table, options.truth, { what });
  const arch = strings(table, options.arch ?? 'arch', what);
  const xTitle = options.xTitle ?? `supernet ${options.score} (%)`;
  const yTitle = options.yTitle ?? `ground truth ${options.truth} (%)`;
  return {
    data: [
      {
        type: 'scatter',
        mode: 'markers',
        name: 'architectures',
        x,
        y,
        text: arch,
        marker: {
          color: withAlpha(OKABE_ITO.blue, 0.6),
          size: 6,
          line: { width: 0.5, color: OKABE_ITO.blue },
        },
        hovertemplate: `%{text}<br>${xTitle}: %{x:.2f}<br>${yTitle}: %{y:.2f}<extra></extra>`,
      },
      {
        type: 'histogram',
        name: `${options.score} distribution`,
        x,
        yaxis: 'y2',
        marker: { color: withAlpha(OKABE_ITO.blue, 0.7) },
        showlegend: false,
        hovertemplate: `${xTitle}: %{x}<br>%{y} architectures<extra></extra>`,
      },
      {
        type: 'histogram',
        name: `${options.truth} distribution`,
        y,
        xaxis: 'x2',
        marker: { color: withAlpha(OKABE_ITO.bluishGreen, 0.7) },
        showlegend: false,
        hovertemplate: `${yTitle}: %{y}<br>%{x} architectures<extra></extra>`,
      },
    ],
    layout: baseLayout(options.title ?? 'Supernet estimate vs ground truth', {
      xaxis: axis(xTitle, { domain: [0, 0.8] }),
      yaxis: axis(yTitle, { domain: [0, 0.8] }),
      xaxis2: axis('count', { domain: [0.82, 1], showgrid: false }),
      yaxis2: axis('count', { domain: [0.82, 1], showgrid: false }),
      bargap: 0.05,
      showlegend: false,
      height: 560,
      ...(options.note
        ? {
            annotations: [
              {
                xref: 'paper',
                yref: 'paper',
                x: 0,
                y: 0.79,
                xanchor: 'left',
                yanchor: 'top',
                text: options.note,
                showarrow: false,
                bgcolor: 'rgba(255,255,255,0.8)',
              },
            ],
          }
        : {}),
    }),
  };
}
