import { AnalysisInputError } from '../analysis/columns';
import type { Band, FactorSummary } from '../analysis/subspaces';
import { axis, baseLayout, secondaryAxis, finiteOrNull, ROLE_COLORS, withAlpha } from './theme';
import type { PlotlyFigure } from './types';

export interface FactorFigureOptions {
  /** 'downscaled': randomly down-scaled spaces (Fig. 2); 'pruned': best subsets (Fig. 5). */
  kind?: 'downscaled' | 'pruned';
  /** k of top-k, for labels (default 10). */
  k?: number;
  title?: string;
  /** Correlation shown on the right axis (default spearman). */
  correlation?: 'spearman' | 'kendall';
  accuracyTitle?: string;
}

/** A metric's min-max region and its mean line over the factors. */
function bandTraces(
  summary: readonly FactorSummary[],
  metric: 'topK' | 'randomTopK',
  label: string,
  color: string,
  hover: string,
): Record<string, unknown>[] {
  const x = summary.map((s) => s.factor);
  const bands = summary.map((s) => s[metric]);
  const yaxis = 'y';
  return [
    {
      type: 'scatter',
      mode: 'lines',
      name: `${label} (min-max)`,
      x: [...x, ...[...x].reverse()],
      y: finiteOrNull([...bands.map((b) => b.max), ...[...bands].reverse().map((b) => b.min)]),
      fill: 'toself',
      fillcolor: withAlpha(color, 0.2),
      line: { width: 0, color },
      hoverinfo: 'skip',
      showlegend: false,
      legendgroup: label,
      yaxis,
    },
    {
      type: 'scatter',
      mode: 'lines+markers',
      name: label,
      x,
      y: finiteOrNull(bands.map((b) => b.mean)),
      customdata: bands.map((b) => [b.min, b.max]),
      line: { color, width: 2 },
      legendgroup: label,
      yaxis,
      hovertemplate: `${label}<br>${hover}: %{x}×<br>mean %{y:.3f} (min %{customdata[0]:.3f}, max %{customdata[1]:.3f})<extra></extra>`,
    },
  ];
}

/**
 * top-k (weight sharing, blue) and random top-k (vermillion) with min/max regions, and the rank
 * correlation (black, right axis, min/max error bars) against the factor by which the space was
 * reduced - seed 001 Fig. 2 (down-scaled) and Fig. 5 (pruned). Log2 x axis.
 */
export function factorFigure(
  summary: readonly FactorSummary[],
  options: FactorFigureOptions = {},
): PlotlyFigure {
  if (summary.length === 0) throw new AnalysisInputError('factorFigure: no factors to plot');
  const kind = options.kind ?? 'downscaled';
  const k = options.k ?? 10;
  const corr = options.correlation ?? 'spearman';
  const x = summary.map((s) => s.factor);
  const hover = kind === 'pruned' ? 'pruned' : 'down-scaled';
  const data = [
    ...bandTraces(summary, 'topK', `top-${k} (weight sharing)`, ROLE_COLORS.weightSharing, hover),
    ...bandTraces(summary, 'randomTopK', `random top-${k}`, ROLE_COLORS.random, hover),
  ];
  const c = summary.map((s) => s[corr]);
  data.push({
    type: 'scatter',
    mode: 'lines+markers',
    name: corr === 'spearman' ? 'Spearman ρ' : 'Kendall τ-b',
    x,
    y: finiteOrNull(c.map((b) => b.mean)),
    error_y: {
      type: 'data',
      symmetric: false,
      array: finiteOrNull(c.map((b) => b.max - b.mean)),
      arrayminus: finiteOrNull(c.map((b) => b.mean - b.min)),
      color: ROLE_COLORS.correlation,
    },
    customdata: summary.map((s) => [s.size, s.count]),
    line: { color: ROLE_COLORS.correlation, width: 2 },
    yaxis: 'y2',
    hovertemplate: `correlation %{y:.3f}<br>${hover} %{x}×: %{customdata[0]} architectures, %{customdata[1]} runs<extra></extra>`,
  });
  const xTitle =
    kind === 'pruned'
      ? 'prune factor (space kept: best 1/factor, ×)'
      : 'down-scaling factor (space size / factor, ×)';
  return {
    data,
    layout: baseLayout(
      options.title ??
        (kind === 'pruned'
          ? 'Weight sharing vs random search on pruned spaces'
          : 'Weight sharing vs random search on down-scaled spaces'),
      {
        xaxis: axis(xTitle, { type: 'log', tickvals: x, ticktext: x.map((f) => `${f}×`) }),
        yaxis: axis(options.accuracyTitle ?? `top-${k} test accuracy (%)`),
        yaxis2: secondaryAxis('rank correlation (unitless)', {
          range: [-1.05, 1.05],
          tickmode: 'linear',
          tick0: -1,
          dtick: 0.5,
        }),
      },
    ),
  };
}
