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
