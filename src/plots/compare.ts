import { AnalysisInputError } from '../analysis/columns';
import { axis, baseLayout, colorAt, OKABE_ITO } from './theme';
import type { PlotlyFigure } from './types';

export interface MethodResult {
  method: string;
  /** Series (e.g. dataset); one colour each. */
  group?: string;
  mean: number;
  std: number;
  /** Runs (seeds) behind mean and std. */
  n?: number;
}

/**
 * Final accuracy per method as mean ± std error bars, optional optimum line - the GAEA
 * comparison figures (NAS-Bench-201, DARTS space).
 */
export function methodComparisonFigure(
  results: readonly MethodResult[],
  options: { optimum?: number; title?: string; yTitle?: string } = {},
): PlotlyFigure {
  if (results.length === 0) throw new AnalysisInputError('methodComparisonFigure: no results');
  results.forEach((r) => {
    if (!Number.isFinite(r.mean) || !Number.isFinite(r.std)) {
      throw new AnalysisInputError(
        `methodComparisonFigure: method '${r.method}' has mean ${r.mean}, std ${r.std}`,
      );
    }
  });
  const groups = [...new Set(results.map((r) => r.group ?? ''))];
  const methods = [...new Set(results.map((r) => r.method))];
  const data: Record<string, unknown>[] = groups.map((g, i) => {
    const rs = results.filter((r) => (r.group ?? '') === g);
    return {
      type: 'scatter',
      mode: 'markers',
      name: g || 'mean ± std',
      x: rs.map((r) => r.method),
      y: rs.map((r) => r.mean),
      customdata: rs.map((r) => [r.std, r.n ?? null]),
      error_y: { type: 'data', array: rs.map((r) => r.std), visible: true, color: colorAt(i) },
      marker: { color: colorAt(i), size: 9 },
      hovertemplate: `%{x}${g ? ` (${g})` : ''}<br>%{y:.2f} ± %{customdata[0]:.2f} (n=%{customdata[1]})<extra></extra>`,
    };
  });
  if (options.optimum !== undefined) {
    data.push({
      type: 'scatter',
      mode: 'lines',
      name: 'optimum of the space',
      x: [methods[0], methods[methods.length - 1]],
      y: [options.optimum, options.optimum],
      line: { color: OKABE_ITO.black, dash: 'dash', width: 1.5 },
      hovertemplate: `optimum ${options.optimum.toFixed(2)}<extra></extra>`,
    });
  }
  return {
    data,
    layout: baseLayout(options.title ?? 'Method comparison (mean ± std over seeds)', {
      xaxis: axis('method', { type: 'category', categoryorder: 'array', categoryarray: methods }),
      yaxis: axis(options.yTitle ?? 'test accuracy (%)'),
    }),
  };
}
