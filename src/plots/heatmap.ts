import type { CorrelationMatrix } from '../analysis/mutual';
import { axis, baseLayout, CORRELATION_COLORSCALE, finiteOrNull } from './theme';
import type { PlotlyFigure } from './types';

/**
 * Mutual correlation heatmap between rankings (supernets, params, ground truth) with the value
 * in every cell - seed 001 Fig. 3 and Fig. 7. Colour scale fixed to [-1, 1].
 */
export function correlationHeatmap(
  m: CorrelationMatrix,
  options: { title?: string } = {},
): PlotlyFigure {
  const n = m.labels.length;
  const z = m.matrix.map((row) => finiteOrNull(row));
  const annotations = [];
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      const v = m.matrix[i][j];
      annotations.push({
        x: m.labels[j],
        y: m.labels[i],
        text: Number.isFinite(v) ? v.toFixed(2) : '–',
        showarrow: false,
        font: { size: n > 10 ? 9 : 12, color: Math.abs(v) > 0.8 ? '#ffffff' : '#222222' },
      });
    }
  }
  const method = m.method === 'spearman' ? 'Spearman ρ' : 'Kendall τ-b';
  const size = Math.max(380, Math.min(900, 120 + 55 * n));
  return {
    data: [
      {
        type: 'heatmap',
        x: m.labels,
        y: m.labels,
        z,
        zmin: -1,
        zmax: 1,
        colorscale: CORRELATION_COLORSCALE.map(([a, c]) => [a, c]),
        colorbar: { title: { text: `${method} (unitless)` } },
        customdata: m.counts,
        hovertemplate: `%{y} vs %{x}<br>${method} %{z:.3f}<br>n = %{customdata} architectures<extra></extra>`,
      },
    ],
    layout: baseLayout(options.title ?? `Mutual rank correlation (${method})`, {
      xaxis: axis('ranking', { type: 'category', showgrid: false, tickangle: -30 }),
      yaxis: axis('ranking', { type: 'category', showgrid: false, autorange: 'reversed' }),
      annotations,
      height: size,
      width: size + 120,
    }),
  };
}
