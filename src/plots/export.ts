import * as fs from 'node:fs';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { writeFileAtomic } from '../runs/folder';
import { plotlySource, scriptSafe, validateFigure } from './html';
import type { PlotlyFigure } from './types';

/**
 * Figure export (SVG, PNG, PDF) and HTML checks through a headless Chromium driven by
 * playwright-core. Uses Debian's /usr/bin/chromium unless CHROMIUM_PATH names another binary.
 * Every page runs offline: requests that would leave the machine are aborted.
 */

export type ImageFormat = 'svg' | 'png' | 'pdf';
export const IMAGE_FORMATS: readonly ImageFormat[] = ['svg', 'png', 'pdf'];

export interface ExportOptions {
  /** Default: from the file extension (.svg, .png, .pdf). */
  format?: ImageFormat;
  /** Figure size in CSS pixels; defaults 800 x 500. */
  width?: number;
  height?: number;
  /** Pixel ratio of PNG output (a 800 x 500 figure at scale 2 is 1600 x 1000 pixels); default 1. */
  scale?: number;
}

export interface ExportJob {
  figure: PlotlyFigure;
  file: string;
  options?: ExportOptions;
}

/** Flags for a quiet, offline, sandbox-less headless Chromium (containers, CI). */
export const CHROMIUM_ARGS: readonly string[] = [
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-default-apps',
  '--disable-extensions',
  '--disable-dev-shm-usage',
  '--no-first-run',
  '--no-default-browser-check',
  '--mute-audio',
];

/** The Chromium binary: $CHROMIUM_PATH, else /usr/bin/chromium. Throws when it does not exist. */
export function chromiumExecutable(): string {
  const fromEnv = process.env['CHROMIUM_PATH'];
  const file = fromEnv && fromEnv.trim() !== '' ? fromEnv : '/usr/bin/chromium';
  let ok = false;
  try {
    fs.accessSync(file, fs.constants.X_OK);
    ok = fs.statSync(file).isFile();
  } catch {
    ok = false;
  }
  if (!ok) {
    throw new Error(
      `Chromium not found at ${JSON.stringify(file)}${fromEnv ? ' (from CHROMIUM_PATH)' : ''}: ` +
        "install Debian's chromium (apt-get install chromium, or npm run notebooks:setup) " +
        'or set CHROMIUM_PATH to a Chromium/Chrome binary',
    );
  }
  return file;
}

type Playwright = typeof import('playwright-core');

function playwright(): Playwright {
  try {
    return require('playwright-core') as Playwright;
  } catch (err) {
    throw new Error(`playwright-core is not installed (npm ci): ${(err as Error).message}`);
  }
}

/** Starts headless Chromium; close it with `browser.close()` (or use `withChromium`). */
export async function launchChromium(): Promise<Browser> {
  const executablePath = chromiumExecutable();
  return playwright().chromium.launch({
    executablePath,
    headless: true,
    chromiumSandbox: false,
    args: [...CHROMIUM_ARGS],
    timeout: 60_000,
  });
}

/** Runs `fn` with a fresh headless Chromium and always closes it. */
export async function withChromium<T>(fn: (browser: Browser) => Promise<T>): Promise<T> {
  const browser = await launchChromium();
  try {
    return await fn(browser);
  } finally {
    await browser.close();
  }
}

/** A context whose pages cannot reach the network; requests leaving the page are recorded. */
async function offlineContext(
  browser: Browser,
  allowUrl: (url: string) => boolean,
): Promise<{ context: BrowserContext; blocked: string[] }> {
  const context = await browser.newContext({ offline: true, javaScriptEnabled: true });
  const blocked: string[] = [];
  await context.route('**/*', async (route) => {
    const url = route.request().url();
    if (allowUrl(url)) {
      await route.continue();
    } else {
      blocked.push(url);
      await route.abort('blockedbyclient');
    }
  });
  return { context, blocked };
}

function formatOf(file: string, options: ExportOptions): ImageFormat {
  const ext = path.extname(file).slice(1).toLowerCase() as ImageFormat;
  const format = options.format ?? ext;
  if (!IMAGE_FORMATS.includes(format)) {
    throw new Error(
      `exportFigure: cannot tell the image format of ${JSON.stringify(file)}; ` +
        `use a .svg, .png or .pdf file name or options.format`,
    );
  }
  return format;
}

function dimension(value: number | undefined, fallback: number, name: string): number {
  const v = value ?? fallback;
  if (!Number.isFinite(v) || v < 10 || v > 10_000) {
    throw new Error(`exportFigure: ${name} must be between 10 and 10000 pixels, got ${v}`);
  }
  return Math.round(v);
}

async function exportPage(browser: Browser): Promise<Page> {
  const { context } = await offlineContext(browser, (url) => /^(data:|about:)/.test(url));
  const page = await context.newPage();
  await page.setContent(
    [
      '<!DOCTYPE html><html><head><meta charset="utf-8">',
      '<style>html,body{margin:0;padding:0;background:#fff}</style>',
      `<script>${scriptSafe(plotlySource())}</script>`,
      '</head><body><div id="figure"></div></body></html>',
    ].join(''),
    { waitUntil: 'load', timeout: 120_000 },
  );
  const hasPlotly = await page.evaluate(() => typeof (window as { Plotly?: unknown }).Plotly);
  if (hasPlotly !== 'object') throw new Error('plotly.js did not load in Chromium');
  return page;
}

interface BrowserPlotly {
  toImage(
    fig: unknown,
    opts: { format: string; width: number; height: number; scale: number },
  ): Promise<string>;
  newPlot(el: Element, data: unknown, layout: unknown, config: unknown): Promise<unknown>;
  purge(el: Element): void;
}

interface ResolvedJob {
  fig: PlotlyFigure;
  file: string;
  format: ImageFormat;
  width: number;
  height: number;
  scale: number;
}

/** Checks a job completely (before any browser starts) and fills in the defaults. */
function resolveJob(job: ExportJob): ResolvedJob {
  const options = job.options ?? {};
  validateFigure(job.figure, `figure for ${job.file}`);
  const format = formatOf(job.file, options);
  const width = dimension(options.width, 800, 'width');
  const height = dimension(options.height, 500, 'height');
  const scale = options.scale ?? 1;
  if (!Number.isFinite(scale) || scale <= 0 || scale > 10) {
    throw new Error(`exportFigure: scale must be in (0, 10], got ${scale}`);
  }
  const fig = JSON.parse(JSON.stringify(job.figure)) as PlotlyFigure;
  return { fig, file: path.resolve(job.file), format, width, height, scale };
}

async function exportOne(page: Page, job: ResolvedJob): Promise<string> {
  const { fig, file, format, width, height, scale } = job;
  let bytes: Uint8Array;
  if (format === 'pdf') {
    await page.evaluate(
      async ({ fig, width, height }) => {
        const Plotly = (window as unknown as { Plotly: BrowserPlotly }).Plotly;
        const el = document.getElementById('figure') as HTMLElement;
        Plotly.purge(el);
        el.style.width = `${width}px`;
        el.style.height = `${height}px`;
        await Plotly.newPlot(
          el,
          fig.data,
          { ...fig.layout, width, height },
          { ...(fig.config ?? {}), staticPlot: true, responsive: false },
        );
      },
      { fig, width, height },
    );
    bytes = await page.pdf({
      width: `${width}px`,
      height: `${height}px`,
      printBackground: true,
      margin: { top: '0', right: '0', bottom: '0', left: '0' },
      pageRanges: '1',
    });
  } else {
    const url = await page.evaluate(
      async ({ fig, format, width, height, scale }) => {
        const Plotly = (window as unknown as { Plotly: BrowserPlotly }).Plotly;
        return Plotly.toImage(fig, { format, width, height, scale });
      },
      { fig, format, width, height, scale },
    );
    const comma = url.indexOf(',');
    const header = url.slice(0, comma);
    const payload = url.slice(comma + 1);
    bytes = header.endsWith(';base64')
      ? Buffer.from(payload, 'base64')
      : Buffer.from(decodeURIComponent(payload), 'utf8');
  }
  writeFileAtomic(file, bytes);
  return file;
}

/** Exports several figures with one browser; returns the absolute paths written, in order. */
export async function exportFigures(jobs: ExportJob[]): Promise<string[]> {
  if (jobs.length === 0) return [];
  const resolved = jobs.map(resolveJob);
  return withChromium(async (browser) => {
    const page = await exportPage(browser);
    const written: string[] = [];
    for (const job of resolved) written.push(await exportOne(page, job));
    return written;
  });
}

/**
 * Writes a figure as SVG (vector, via Plotly.toImage), PNG (raster, via Plotly.toImage) or PDF
 * (vector, Chromium's print to PDF, page size = figure size). Returns the absolute path.
 */
export async function exportFigure(
  fig: PlotlyFigure,
  file: string,
  options: ExportOptions = {},
): Promise<string> {
  const [written] = await exportFigures([{ figure: fig, file, options }]);
  return written;
}

/** What a page showed after loading in headless Chromium without network. */
export interface RenderedPage {
  /** Plot containers the page asked for (`.supernet-lab-figure`). */
  figures: number;
  /** Plotly plots drawn (`.js-plotly-plot` with an SVG inside). */
  plots: number;
  /** Data traces drawn in plotly SVGs (`.main-svg g.trace`), all plots together. */
  traces: number;
  /** Traces per drawn plot, in page order. */
  tracesPerPlot: number[];
  /** Uncaught page errors and console errors. */
  errors: string[];
  /** Requests the page tried to make to anything but itself (all were blocked). */
  blockedRequests: string[];
}

/**
 * Opens an HTML file in headless Chromium with the network cut off, waits until every figure
 * container has been drawn (or `timeoutMs` passed) and counts plotly plots and SVG traces.
 */
export async function renderHtmlInChromium(
  file: string,
  options: { timeoutMs?: number; browser?: Browser } = {},
): Promise<RenderedPage> {
  const timeoutMs = options.timeoutMs ?? 60_000;
  const absolute = path.resolve(file);
  if (!fs.existsSync(absolute)) throw new Error(`renderHtmlInChromium: no such file ${absolute}`);
  const pageUrl = pathToFileURL(absolute).href;
  const run = async (browser: Browser): Promise<RenderedPage> => {
    const { context, blocked } = await offlineContext(
      browser,
      (url) => url === pageUrl || /^(data:|about:|blob:)/.test(url),
    );
    try {
      const page = await context.newPage();
      const errors: string[] = [];
      const requests: string[] = [];
      page.on('pageerror', (err) => errors.push(`pageerror: ${err.message}`));
      page.on('console', (msg) => {
        if (msg.type() === 'error') errors.push(`console: ${msg.text()}`);
      });
      page.on('request', (req) => {
        const url = req.url();
        if (url !== pageUrl && !/^(data:|about:|blob:)/.test(url)) requests.push(url);
      });
      await page.goto(pageUrl, { waitUntil: 'load', timeout: timeoutMs });
      await page
        .waitForFunction(
          // Every figure container is either drawn or shows the "plotly.js is not loaded" note.
          () =>
            Array.from(document.querySelectorAll('.supernet-lab-figure')).every(
              (el) => el.querySelector('.main-svg') !== null || (el.textContent ?? '') !== '',
            ),
          undefined,
          { timeout: timeoutMs, polling: 100 },
        )
        .catch(() => undefined);
      const counts = await page.evaluate(() => {
        const plots = Array.from(document.querySelectorAll('.js-plotly-plot')).filter(
          (el) => el.querySelector('.main-svg') !== null,
        );
        const tracesPerPlot = plots.map((el) => el.querySelectorAll('.main-svg g.trace').length);
        return {
          figures: document.querySelectorAll('.supernet-lab-figure').length,
          plots: plots.length,
          tracesPerPlot,
        };
      });
      return {
        ...counts,
        traces: counts.tracesPerPlot.reduce((a, b) => a + b, 0),
        errors,
        blockedRequests: [...new Set([...blocked, ...requests])],
      };
    } finally {
      await context.close();
    }
  };
  return options.browser ? run(options.browser) : withChromium(run);
}
