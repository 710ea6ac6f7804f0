import { DEFAULT_PLOTLY_CONFIG, figureHtml, optionalModule, validateFigure } from './html';
import type { PlotlyFigure } from './types';

/** The plotly mime type: JupyterLab (with the plotly extension) and VS Code render it natively. */
export const PLOTLY_MIME_TYPE = 'application/vnd.plotly.v1+json';

/** A Jupyter display bundle: one entry per mime type, most specific first. */
export interface MimeBundle {
  [PLOTLY_MIME_TYPE]: Required<PlotlyFigure>;
  'text/html': string;
  'text/plain': string;
}

export interface ShowFigureOptions {
  /**
   * Put plotly.js (about 4.8 MB) into this output so the text/html fallback can draw in a
   * notebook front-end that has no plotly renderer. Default: only for the first figure shown in
   * this kernel session. Report pages drop these copies and inline plotly.js once.
   */
  embedPlotly?: boolean;
}

let plotlyEmbedded = false;

function describe(fig: PlotlyFigure): string {
  const types = [
    ...new Set(fig.data.map((t) => (typeof t['type'] === 'string' ? t['type'] : 'scatter'))),
  ];
  const title = fig.layout['title'];
  const text = typeof title === 'string' ? title : (title as { text?: unknown } | null)?.text;
  const n = fig.data.length;
  return `Plotly figure: ${n} trace${n === 1 ? '' : 's'} (${types.join(', ') || 'none'})${typeof text === 'string' && text ? ` "${text}"` : ''}`;
}

/**
 * The display bundle of a figure: the plotly JSON for front-ends that render it, an HTML
 * fallback (a div and a script calling Plotly.newPlot) that survives nbconvert's HTML export,
 * and a one-line text description.
 */
export function figureBundle(fig: PlotlyFigure, options: ShowFigureOptions = {}): MimeBundle {
  validateFigure(fig);
  const payload = JSON.parse(JSON.stringify(fig)) as PlotlyFigure;
  return {
    [PLOTLY_MIME_TYPE]: {
      data: payload.data,
      layout: payload.layout,
      config: { ...DEFAULT_PLOTLY_CONFIG, ...(payload.config ?? {}) },
    },
    'text/html': figureHtml(fig, { embedPlotly: options.embedPlotly === true }),
    'text/plain': describe(fig),
  };
}

interface TslabJupyter {
  lastWriteDisplayData:
    | ((
        data: {
          data: Record<string, unknown>;
          metadata: Record<string, unknown>;
          transient: Record<string, unknown>;
        },
        update: boolean,
      ) => void)
    | null;
}

// The same module instance the running tslab kernel uses (tslab is a dependency of this
// package, and the kernel is started from this package's node_modules/.bin/tslab).
const tslabJupyter = () => optionalModule<TslabJupyter>('tslab/dist/jupyter');

/**
 * Shows a plotly figure in a tslab notebook cell. The output carries the plotly mime type plus
 * an HTML fallback, so it renders in JupyterLab, the classic Notebook, VS Code and in the HTML
 * reports of `npm run notebooks`. Throws outside a notebook (use exportFigure or figuresPage).
 */
export function showFigure(fig: PlotlyFigure, options: ShowFigureOptions = {}): void {
  const jupyter = tslabJupyter();
  const write = jupyter?.lastWriteDisplayData;
  if (typeof write !== 'function') {
    throw new Error(
      'showFigure needs a running tslab notebook kernel; outside notebooks use exportFigure() or figuresPage()',
    );
  }
  const embedPlotly = options.embedPlotly ?? !plotlyEmbedded;
  write({ data: { ...figureBundle(fig, { embedPlotly }) }, metadata: {}, transient: {} }, false);
  if (embedPlotly) plotlyEmbedded = true;
}
