import type { ColumnTable } from 'arquero';
import { AnalysisInputError, numericColumn } from '../analysis/columns';
import type { MeanStdPoint } from '../analysis/entropy';
import { hasColumn, numbersWithGaps, strings } from './columns';
import {
  axis,
  baseLayout,
  colorAt,
  finiteOrNull,
  OKABE_ITO,
  ROLE_COLORS,
  secondaryAxis,
  withAlpha,
} from './theme';
import type { PlotlyFigure } from './types';

export interface SeriesSpec {
  column: string;
  label: string;
  color?: string;
  dash?: string;
}

export interface MetricVsEpochsOptions {
  /** Epoch column (default 'epoch'). */
  epoch?: string;
  /** Rank correlations (left axis, unitless in [-1, 1]); default: spearman, kendall if present. */
  correlations?: SeriesSpec[];
  /** Accuracies (right axis, %); default: topK, randomTopK, meanAccuracy if present. */
  accuracies?: SeriesSpec[];
  /** k of top-k in the default accuracies' labels (default: 'top-k'). */
  k?: number;
  /** Column naming the architecture picked by top-k at each epoch (hover text). */
  archColumn?: string;
  /** Best ground truth of the space (green dash-dot line, seed Fig. 1). */
  bestGroundTruth?: number;
  /** Average ground truth (dotted line, seed Fig. 8). */
  meanGroundTruth?: number;
  accuracyTitle?: string;
  title?: string;
  /** Log-scale epoch axis (the seed varies epochs exponentially). */
  logEpochs?: boolean;
}

const DEFAULT_CORRELATIONS: SeriesSpec[] = [
  { column: 'spearman', label: 'Spearman ρ', color: ROLE_COLORS.correlation },
  { column: 'kendall', label: 'Kendall τ-b', color: ROLE_COLORS.correlation, dash: 'dot' },
];
const defaultAccuracies = (k: number | string = 'k'): SeriesSpec[] => [
  { column: 'topK', label: `top-${k} (weight sharing)`, color: ROLE_COLORS.weightSharing },
  { column: 'randomTopK', label: `random top-${k}`, color: ROLE_COLORS.random },
  {
    column: 'meanAccuracy',
    label: 'mean supernet accuracy',
    color: OKABE_ITO.orange,
    dash: 'dash',
  },
];

/**
 * Correlation and top-k / random top-k / supernet accuracy against training epochs, with the
 * best (and mean) ground truth as reference lines - seed 001 Fig. 1 and Fig. 8. Input: one row
 * per evaluated epoch.
 */
export function metricVsEpochsFigure(
  table: ColumnTable,
  options: MetricVsEpochsOptions = {},
): PlotlyFigure {
  const what = 'metric-vs-epochs table';
  const epochCol = options.epoch ?? 'epoch';
  const x = numericColumn(table, epochCol, { what });
  const correlations =
    options.correlations ?? DEFAULT_CORRELATIONS.filter((s) => hasColumn(table, s.column));
  const accuracies =
    options.accuracies ?? defaultAccuracies(options.k).filter((s) => hasColumn(table, s.column));
  if (correlations.length + accuracies.length === 0) {
    throw new AnalysisInputError(
      `${what}: nothing to plot; expected columns such as spearman, kendall, topK, randomTopK, ` +
        `meanAccuracy; available: ${table.columnNames().join(', ')}`,
    );
  }
  const arch = options.archColumn ? strings(table, options.archColumn, what) : null;
  const accAxis = correlations.length > 0 ? 'y2' : 'y';
  const seriesLine = (s: SeriesSpec, color: string, yaxis: string) => ({
    type: 'scatter',
    mode: 'lines+markers',
    name: s.label,
    x,
    y: numbersWithGaps(table, s.column, what),
    yaxis,
    line: { color: s.color ?? color, dash: s.dash ?? 'solid', width: 2 },
  });
  const data: Record<string, unknown>[] = [];
  correlations.forEach((s, i) => {
    data.push({
      ...seriesLine(s, colorAt(i), 'y'),
      hovertemplate: `${s.label}: %{y:.3f}<br>epoch %{x}<extra></extra>`,
    });
  });
  accuracies.forEach((s, i) => {
    const isTopK = s.column === 'topK';
    data.push({
      ...seriesLine(s, colorAt(i + 2), accAxis),
      ...(isTopK && arch ? { text: arch } : {}),
      hovertemplate:
        `${s.label}: %{y:.2f}%<br>epoch %{x}` +
        (isTopK && arch ? '<br>architecture: %{text}' : '') +
        '<extra></extra>',
    });
  });
  const refLine = (value: number, label: string, color: string, dash: string) => ({
    type: 'scatter',
    mode: 'lines',
    name: label,
    x: [Math.min(...x), Math.max(...x)],
    y: [value, value],
    yaxis: accAxis,
    line: { color, dash, width: 2 },
    hovertemplate: `${label}: ${value.toFixed(2)}%<extra></extra>`,
  });
  if (options.bestGroundTruth !== undefined) {
    data.push(
      refLine(options.bestGroundTruth, 'best ground truth', ROLE_COLORS.bestGroundTruth, 'dashdot'),
    );
  }
  if (options.meanGroundTruth !== undefined) {
    data.push(
      refLine(options.meanGroundTruth, 'mean ground truth', ROLE_COLORS.meanGroundTruth, 'dot'),
    );
  }
  const accTitle = options.accuracyTitle ?? 'accuracy (%)';
  const xaxis = axis('supernet training epochs', options.logEpochs ? { type: 'log' } : {});
  const layout =
    correlations.length > 0
      ? baseLayout(options.title ?? 'Ranking quality over supernet training', {
          xaxis,
          yaxis: axis('rank correlation (unitless)', { range: [-1, 1], dtick: 0.5 }),
          ...(accuracies.length > 0 || options.bestGroundTruth !== undefined
            ? { yaxis2: secondaryAxis(accTitle) }
            : {}),
        })
      : baseLayout(options.title ?? 'Accuracy over supernet training', {
          xaxis,
          yaxis: axis(accTitle),
        });
  return { data, layout };
}

export interface TrainingCurveOptions {
  epoch?: string;
  loss?: string;
  accuracy?: string;
  title?: string;
  /** Row label used in hover text, e.g. the run name. */
  run?: string;
}

/** Training loss (left) and accuracy (right, %) per epoch from a run's log.jsonl rows. */
export function trainingCurvesFigure(
  table: ColumnTable,
  options: TrainingCurveOptions = {},
): PlotlyFigure {
  const what = 'training log';
  const x = numericColumn(table, options.epoch ?? 'epoch', { what });
  const lossCol = options.loss ?? 'loss';
  const accCol = options.accuracy ?? 'accuracy';
  const run = options.run ? `${options.run}<br>` : '';
  const data: Record<string, unknown>[] = [];
  const series = [
    [lossCol, 'training loss', OKABE_ITO.blue, 'loss %{y:.4f}'],
    [accCol, 'training accuracy', OKABE_ITO.vermillion, 'accuracy %{y:.2f}%'],
  ] as const;
  series.forEach(([column, name, color, hover], i) => {
    if (!hasColumn(table, column)) return;
    data.push({
      type: 'scatter',
      mode: 'lines+markers',
      name,
      x,
      y: numbersWithGaps(table, column, what),
      // accuracy goes on the right-hand axis when the loss is on the left one
      ...(i === 1 ? { yaxis: data.length > 0 ? 'y2' : 'y' } : {}),
      line: { color, width: 2 },
      hovertemplate: `${run}epoch %{x}<br>${hover}<extra></extra>`,
    });
  });
  if (data.length === 0) {
    throw new AnalysisInputError(
      `${what}: no '${lossCol}' or '${accCol}' column; available: ${table.columnNames().join(', ')}`,
    );
  }
  const two = data.length === 2;
  return {
    data,
    layout: baseLayout(options.title ?? 'Training curves', {
      xaxis: axis('epoch'),
      yaxis: axis(hasColumn(table, lossCol) ? 'cross-entropy loss (nats)' : 'accuracy (%)'),
      ...(two ? { yaxis2: secondaryAxis('accuracy (%)') } : {}),
    }),
  };
}

export interface MeanStdSeries {
  label: string;
  points: readonly MeanStdPoint[];
  color?: string;
}

/** Lines with a +/- 1 std band per series (GAEA figures: entropy or accuracy over epochs). */
export function meanStdFigure(
  series: readonly MeanStdSeries[],
  options: { title?: string; xTitle?: string; yTitle?: string } = {},
): PlotlyFigure {
  if (series.length === 0) throw new AnalysisInputError('meanStdFigure: no series');
  const data: Record<string, unknown>[] = [];
  series.forEach((s, i) => {
    const color = s.color ?? colorAt(i);
    const x = s.points.map((p) => p.x);
    const hi = s.points.map((p) => p.mean + p.std);
    const lo = s.points.map((p) => p.mean - p.std);
    data.push({
      type: 'scatter',
      mode: 'lines',
      name: `${s.label} ± std`,
      x: [...x, ...[...x].reverse()],
      y: finiteOrNull([...hi, ...[...lo].reverse()]),
      fill: 'toself',
      fillcolor: withAlpha(color, 0.18),
      line: { width: 0, color },
      hoverinfo: 'skip',
      showlegend: false,
      legendgroup: s.label,
    });
    data.push({
      type: 'scatter',
      mode: 'lines+markers',
      name: s.label,
      x,
      y: finiteOrNull(s.points.map((p) => p.mean)),
      customdata: s.points.map((p) => [p.std, p.n]),
      line: { color, width: 2 },
      legendgroup: s.label,
      hovertemplate: `${s.label}<br>%{x}: %{y:.4f} ± %{customdata[0]:.4f} (n=%{customdata[1]})<extra></extra>`,
    });
  });
  return {
    data,
    layout: baseLayout(options.title ?? 'Mean ± std across seeds', {
      xaxis: axis(options.xTitle ?? 'epoch'),
      yaxis: axis(options.yTitle ?? 'value'),
    }),
  };
}

/** Mean entropy of the architecture-weight simplices over epochs, mean ± std per method. */
export function entropyFigure(
  series: readonly MeanStdSeries[],
  options: { title?: string; normalized?: boolean } = {},
): PlotlyFigure {
  return meanStdFigure(series, {
    title: options.title ?? 'Sparsity of architecture weights',
    xTitle: 'search epoch',
    yTitle: options.normalized
      ? 'mean normalised entropy per edge (0 = one-hot, 1 = uniform)'
      : 'mean entropy per edge (nats)',
  });
}
