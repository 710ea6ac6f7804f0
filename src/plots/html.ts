import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { packageRoot } from '../info';
import { writeFileAtomic } from '../runs/folder';
import type { PlotlyFigure } from './types';

/**
 * HTML building blocks for figures and self-contained report pages: plotly.js inlined once per
 * page, no references to local files or network resources, so a page opens offline anywhere.
 */

/** Marks the <script> that carries plotly.js inside a notebook output (see `stripEmbeddedPlotly`). */
export const EMBEDDED_PLOTLY_ATTRIBUTE = 'data-supernet-lab-plotly';

/** Default plotly config of displayed figures: resizes with the page, no plotly logo. */
export const DEFAULT_PLOTLY_CONFIG: Readonly<Record<string, unknown>> = {
  responsive: true,
  displaylogo: false,
};

let plotlyCache: string | null = null;

function plotlyDistFile(): string {
  try {
    return require.resolve('plotly.js-dist/plotly.js', { paths: [packageRoot] });
  } catch {
    throw new Error(
      "plotly.js-dist is not installed (needed to inline plotly.js into HTML); run 'npm ci'",
    );
  }
}

interface Minifier {
  transformSync(code: string, options: Record<string, unknown>): { code: string };
}

/** A module resolved from this package's node_modules, or null where it is not installed. */
export function optionalModule<T>(name: string): T | null {
  try {
    return require(require.resolve(name, { paths: [packageRoot] })) as T;
  } catch {
    return null;
  }
}

/**
 * The plotly.js browser bundle as a string, minified with esbuild when it is available
 * (10 MB -> about 4.8 MB) and cached in memory and under kernels-data/cache/.
 */
export function plotlySource(): string {
  if (plotlyCache !== null) return plotlyCache;
  const file = plotlyDistFile();
  const pkg = fs.readFileSync(path.join(path.dirname(file), 'package.json'), 'utf8');
  const { version } = JSON.parse(pkg) as { version: string };
  const cacheFile = path.join(packageRoot, 'kernels-data', 'cache', `plotly-${version}.min.js`);
  if (fs.existsSync(cacheFile)) {
    plotlyCache = fs.readFileSync(cacheFile, 'utf8');
    return plotlyCache;
  }
  const source = fs.readFileSync(file, 'utf8');
  // esbuild comes with the dev tools (tsx); without it the unminified bundle is inlined.
  const minifier = optionalModule<Minifier>('esbuild');
  if (minifier === null) {
    plotlyCache = source;
    return plotlyCache;
  }
  plotlyCache = minifier.transformSync(source, { minify: true, legalComments: 'none' }).code;
  try {
    writeFileAtomic(cacheFile, plotlyCache);
  } catch {
    // A read-only install still works; it just minifies again next time.
  }
  return plotlyCache;
}

/** Escapes text for HTML element content and attribute values. */
export function escapeHtml(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

/** Makes JavaScript source safe to place inside an inline <script> element. */
export function scriptSafe(js: string): string {
  return js.replace(/<\/(script)/gi, '<\\/$1').replace(/<!--/g, '<\\!--');
}

/** JSON that can be pasted into an inline script (no `</script>`, no line separators). */
export function jsonForScript(value: unknown): string {
  const json = JSON.stringify(value);
  if (json === undefined) throw new Error('jsonForScript: value is not JSON-serialisable');
  return json
    .replace(/</g, '\\u003c')
    .replace(/>/g, '\\u003e')
    .replace(/&/g, '\\u0026')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
}

/** An inline <script> with plotly.js, marked so that report pages can drop duplicates. */
export function plotlyScriptTag(): string {
  return `<script type="text/javascript" ${EMBEDDED_PLOTLY_ATTRIBUTE}="1">${scriptSafe(plotlySource())}</script>`;
}

export interface FigureHtmlOptions {
  /** Element id of the plot div (default: a random one). */
  id?: string;
  /** Put plotly.js itself in front of the figure (a page or notebook that has no plotly yet). */
  embedPlotly?: boolean;
}

function figureHeight(fig: PlotlyFigure): number {
  const h = fig.layout['height'];
  return typeof h === 'number' && h > 0 ? h : 450;
}

/** Checks the figure's shape and that it survives JSON (no NaN hidden in typed arrays etc.). */
export function validateFigure(fig: PlotlyFigure, what = 'figure'): void {
  if (fig === null || typeof fig !== 'object') throw new Error(`${what} must be an object`);
  if (!Array.isArray(fig.data)) throw new Error(`${what}.data must be an array of traces`);
  fig.data.forEach((trace, i) => {
    if (trace === null || typeof trace !== 'object' || Array.isArray(trace)) {
      throw new Error(`${what}.data[${i}] must be a trace object, got ${JSON.stringify(trace)}`);
    }
  });
  if (fig.layout === null || typeof fig.layout !== 'object' || Array.isArray(fig.layout)) {
    throw new Error(`${what}.layout must be an object`);
  }
}

/**
 * A <div> plus an inline script that draws the figure with `window.Plotly` (waiting a few
 * seconds for it to appear, then writing a short explanation into the div instead).
 */
export function figureHtml(fig: PlotlyFigure, options: FigureHtmlOptions = {}): string {
  validateFigure(fig);
  const id = options.id ?? `supernet-lab-fig-${randomBytes(6).toString('hex')}`;
  if (!/^[A-Za-z][\w-]*$/.test(id))
    throw new Error(`figureHtml: invalid element id ${JSON.stringify(id)}`);
  const payload = {
    data: fig.data,
    layout: fig.layout,
    config: { ...DEFAULT_PLOTLY_CONFIG, ...(fig.config ?? {}) },
  };
  const draw = [
    '(function () {',
    `  var el = document.getElementById(${JSON.stringify(id)});`,
    `  var fig = ${jsonForScript(payload)};`,
    '  var tries = 0;',
    '  function draw() {',
    '    if (window.Plotly) { window.Plotly.newPlot(el, fig.data, fig.layout, fig.config); return; }',
    '    if (tries++ < 100) { setTimeout(draw, 50); return; }',
    "    el.textContent = 'plotly.js is not loaded on this page, so the figure cannot be drawn. ' +",
    "      'Re-run the cell (the first figure of a kernel session carries plotly.js), or view ' +",
    "      'the HTML report written by npm run notebooks.';",
    '  }',
    '  draw();',
    '})();',
  ].join('\n');
  return [
    options.embedPlotly ? plotlyScriptTag() : '',
    `<div id="${id}" class="supernet-lab-figure" style="width:100%;min-height:${figureHeight(fig)}px"></div>`,
    `<script type="text/javascript">\n${scriptSafe(draw)}\n</script>`,
  ].join('\n');
}

/**
 * Removes every plotly.js script tag that `plotlyScriptTag` produced (notebook outputs carry one
 * per kernel session); the report page inlines plotly.js once in its <head> instead.
 */
export function stripEmbeddedPlotly(html: string): string {
  const marker = `${EMBEDDED_PLOTLY_ATTRIBUTE}="1"`;
  let out = '';
  let from = 0;
  for (;;) {
    const at = html.indexOf(marker, from);
    if (at < 0) break;
    const start = html.lastIndexOf('<script', at);
    const endTag = html.indexOf('</script>', at);
    if (start < from || endTag < 0) break;
    out += html.slice(from, start);
    from = endTag + '</script>'.length;
  }
  return out + html.slice(from);
}

export interface ReportPageOptions {
  title: string;
  /** Page content (HTML). Embedded plotly.js copies in it are removed. */
  body: string;
  /** Extra CSS (e.g. code highlighting styles). */
  css?: string;
  /** Inline plotly.js in <head>; default: only when the body contains a plotly figure. */
  plotly?: boolean;
  /** Shown in the footer, e.g. "executed 2026-01-01 12:00 UTC, scale smoke". */
  footer?: string;
}

const PAGE_CSS = `
:root { color-scheme: light; }
body { font: 15px/1.55 system-ui, -apple-system, "Segoe UI", Roboto, Helvetica, Arial, sans-serif;
  color: #1f2328; background: #fff; margin: 0; }
main { max-width: 1100px; margin: 0 auto; padding: 24px 28px 48px; }
h1, h2, h3 { line-height: 1.25; }
a { color: #0969da; }
pre, code { font: 13px/1.45 ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; }
.cell { margin: 10px 0; }
.prompt { display: none; }
.input_area, .text_cell_render pre { background: #f6f8fa; border: 1px solid #d0d7de;
  border-radius: 6px; }
.input_area pre, .text_cell_render pre { margin: 0; padding: 10px 12px; overflow-x: auto; }
.output_area { margin: 6px 0 6px 0; overflow-x: auto; }
.output_area pre { margin: 0; padding: 6px 12px; white-space: pre-wrap; }
.output_stderr pre, .output_error pre { background: #fff5f5; color: #82071e; }
.output_html table, .text_cell_render table { border-collapse: collapse; margin: 6px 0; }
.output_html th, .output_html td, .text_cell_render th, .text_cell_render td {
  border: 1px solid #d0d7de; padding: 3px 8px; text-align: right; }
.output_png img, .output_svg svg { max-width: 100%; }
.anchor-link { display: none; }
footer { color: #59636e; font-size: 12px; border-top: 1px solid #d0d7de; margin-top: 32px;
  padding-top: 8px; }
`;

/** A complete, self-contained HTML page: inline CSS, plotly.js inlined at most once. */
export function reportPage(options: ReportPageOptions): string {
  const body = stripEmbeddedPlotly(options.body);
  const wantPlotly = options.plotly ?? /window\.Plotly|class="supernet-lab-figure"/.test(body);
  const head = [
    '<!DOCTYPE html>',
    '<html lang="en">',
    '<head>',
    '<meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>${escapeHtml(options.title)}</title>`,
    `<style>${PAGE_CSS}${options.css ? `\n${options.css.replace(/<\/style/gi, '<\\/style')}` : ''}</style>`,
    wantPlotly ? plotlyScriptTag() : '',
    '</head>',
  ];
  const footer = options.footer ? `<footer>${escapeHtml(options.footer)}</footer>` : '';
  return [...head, '<body>', '<main>', body, footer, '</main>', '</body>', '</html>', ''].join(
    '\n',
  );
}

/** A page that shows figures one below the other (used by exports and tests). */
export function figuresPage(title: string, figures: PlotlyFigure[]): string {
  return reportPage({
    title,
    body: figures.map((fig) => figureHtml(fig)).join('\n'),
    plotly: true,
  });
}

/**
 * Resources the page would load from elsewhere: src/href/poster/data attributes of elements
 * that fetch (script, link, img, iframe, ...) and CSS url(...) values that are not inline data,
 * plus any file: reference. Hyperlinks (<a href>) to web pages are not loads and are ignored.
 * Inline script bodies are skipped (plotly.js mentions URLs it never fetches here).
 */
export function externalReferences(html: string): string[] {
  const markup = html.replace(/<script\b[^>]*>[\s\S]*?<\/script>/gi, (tag) =>
    tag.slice(0, tag.indexOf('>') + 1),
  );
  const found: string[] = [];
  const isInline = (url: string) => /^(data:|#|about:blank|javascript:)/i.test(url.trim());
  const tagRe =
    /<(script|link|img|iframe|frame|embed|object|source|video|audio|track|input|image|use)\b([^>]*)>/gi;
  for (const m of markup.matchAll(tagRe)) {
    const tag = m[1].toLowerCase();
    for (const a of m[2].matchAll(
      /\b(src|href|xlink:href|data|poster|srcset)\s*=\s*("([^"]*)"|'([^']*)'|([^\s>]+))/gi,
    )) {
      const url = a[3] ?? a[4] ?? a[5] ?? '';
      if (tag === 'use' && url.startsWith('#')) continue;
      if (!isInline(url)) found.push(`<${tag} ${a[1]}="${url}">`);
    }
  }
  const styleText = [...markup.matchAll(/<style\b[^>]*>([\s\S]*?)<\/style>/gi)]
    .map((m) => m[1])
    .concat([...markup.matchAll(/\bstyle\s*=\s*"([^"]*)"/gi)].map((m) => m[1]))
    .join('\n');
  for (const m of styleText.matchAll(/url\(\s*['"]?([^'")]+)['"]?\s*\)/gi)) {
    if (!isInline(m[1])) found.push(`url(${m[1]})`);
  }
  for (const m of styleText.matchAll(/@import\s+['"]([^'"]+)['"]/gi)) found.push(`@import ${m[1]}`);
  for (const m of markup.matchAll(/\bfile:\/\/[^\s"'<>)]*/gi)) found.push(m[0]);
  return [...new Set(found)];
}

/** Atomic file writes are the run folders' (re-exported for the report and notebook scripts). */
export { writeFileAtomic };
