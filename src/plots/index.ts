/** Plots: plotly figure specs (pure JSON), notebook display, HTML pages, SVG/PNG/PDF export. */
export type { PlotlyFigure } from './types';
export { figureBundle, inNotebook, showFigure, PLOTLY_MIME_TYPE } from './display';
export type { MimeBundle, ShowFigureOptions } from './display';
export {
  escapeHtml,
  externalReferences,
  figureHtml,
  figuresPage,
  plotlySource,
  reportPage,
  stripEmbeddedPlotly,
  validateFigure,
} from './html';
export type { FigureHtmlOptions, ReportPageOptions } from './html';
export {
  chromiumExecutable,
  exportFigure,
  exportFigures,
  launchChromium,
  renderHtmlInChromium,
  withChromium,
} from './export';
export type { ExportJob, ExportOptions, ImageFormat, RenderedPage } from './export';
// Figure builders (pure plotly JSON) and their theme.
export {
  axis,
  baseLayout,
  colorAt,
  CORRELATION_COLORSCALE,
  OKABE_ITO,
  PALETTE,
  ROLE_COLORS,
  secondaryAxis,
} from './theme';
export { entropyFigure, meanStdFigure, metricVsEpochsFigure, trainingCurvesFigure } from './epochs';
export type {
  MeanStdSeries,
  MetricVsEpochsOptions,
  SeriesSpec,
  TrainingCurveOptions,
} from './epochs';
export { factorFigure } from './factor';
export type { FactorFigureOptions } from './factor';
export { correlationHeatmap } from './heatmap';
export { scoreVsTruthFigure } from './scatter';
export type { ScoreVsTruthOptions } from './scatter';
export { operatorBiasFigure, operatorRankFigure } from './bias';
export { methodComparisonFigure } from './compare';
export type { MethodResult } from './compare';
export {
  buildReport,
  reportFigures,
  reportHtml,
  resolveGroundTruth,
  groundTruthFromTable,
} from './report';
export type {
  GroundTruthSource,
  Report,
  ReportFigure,
  ReportNumber,
  ReportOptions,
  ReportSection,
  ReportTable,
} from './report';
