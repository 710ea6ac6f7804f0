/** A plotly figure as plain JSON: what plotly.newPlot / Plotly.toImage take. */
export interface PlotlyFigure {
  data: Record<string, unknown>[];
  layout: Record<string, unknown>;
  config?: Record<string, unknown>;
}
