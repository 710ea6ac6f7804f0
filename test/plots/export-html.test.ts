import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { figureBundle, PLOTLY_MIME_TYPE, showFigure } from '../../src/plots/display';
import { renderHtmlInChromium, withChromium } from '../../src/plots/export';
import {
  EMBEDDED_PLOTLY_ATTRIBUTE,
  externalReferences,
  figureHtml,
  figuresPage,
  reportPage,
  stripEmbeddedPlotly,
  writeFileAtomic,
} from '../../src/plots/html';
import type { PlotlyFigure } from '../../src/plots/types';

const scatter: PlotlyFigure = {
  data: [{ type: 'scatter', x: [1, 2, 3], y: [3, 1, 2], name: 'tricky </script> <b>name</b>' }],
  layout: { title: { text: 'A & B' }, height: 320 },
};
const twoTraces: PlotlyFigure = {
  data: [
    { type: 'scatter', mode: 'lines', x: [0, 1], y: [0, 1] },
    { type: 'bar', x: [0, 1], y: [1, 2] },
  ],
  layout: {},
};

function countOf(haystack: string, needle: string): number {
  return haystack.split(needle).length - 1;
}

test('figureHtml keeps trace text from closing its script tag', () => {
  const html = figureHtml(scatter, { id: 'fig1' });
  assert.equal(countOf(html, '</script>'), 1, 'only the real closing tag');
  assert.match(
    html,
    /<div id="fig1" class="supernet-lab-figure" style="width:100%;min-height:320px">/,
  );
  assert.ok(!html.includes(EMBEDDED_PLOTLY_ATTRIBUTE), 'no plotly.js unless asked');
  assert.throws(() => figureHtml(scatter, { id: 'bad id"' }), /invalid element id "bad id\\""/);
  assert.throws(
    () => figureHtml({ data: [42 as unknown as Record<string, unknown>], layout: {} }),
    /figure\.data\[0\] must be a trace object, got 42/,
  );
});

test('figureBundle carries the plotly mime type, an HTML fallback and a text line', () => {
  const bundle = figureBundle(twoTraces);
  assert.deepEqual(bundle[PLOTLY_MIME_TYPE].data, twoTraces.data);
  assert.equal(bundle[PLOTLY_MIME_TYPE].config['displaylogo'], false);
  assert.match(bundle['text/html'], /class="supernet-lab-figure"/);
  assert.equal(bundle['text/plain'], 'Plotly figure: 2 traces (scatter, bar)');
  assert.equal(figureBundle(scatter)['text/plain'], 'Plotly figure: 1 trace (scatter) "A & B"');
  assert.ok(
    figureBundle(twoTraces, { embedPlotly: true })['text/html'].includes(EMBEDDED_PLOTLY_ATTRIBUTE),
  );
});

test('showFigure outside a notebook kernel explains what to use instead', () => {
  assert.throws(() => showFigure(twoTraces), /needs a running tslab notebook kernel.*exportFigure/);
});

test('reportPage inlines plotly.js exactly once, dropping copies carried by notebook outputs', () => {
  const body = [
    figureHtml(scatter, { embedPlotly: true }),
    figureHtml(twoTraces, { embedPlotly: true }),
  ].join('\n');
  assert.equal(countOf(body, EMBEDDED_PLOTLY_ATTRIBUTE), 2);
  assert.equal(countOf(stripEmbeddedPlotly(body), EMBEDDED_PLOTLY_ATTRIBUTE), 0);
  assert.equal(countOf(stripEmbeddedPlotly(body), 'class="supernet-lab-figure"'), 2);
  const page = reportPage({ title: 'T <1>', body });
  assert.equal(countOf(page, EMBEDDED_PLOTLY_ATTRIBUTE), 1);
  assert.ok(
    page.indexOf(EMBEDDED_PLOTLY_ATTRIBUTE) < page.indexOf('<body>'),
    'plotly.js in <head>',
  );
  assert.match(page, /<title>T &lt;1&gt;<\/title>/);
  assert.deepEqual(externalReferences(page), []);
  const noFigures = reportPage({ title: 'text only', body: '<p>hello</p>' });
  assert.equal(countOf(noFigures, EMBEDDED_PLOTLY_ATTRIBUTE), 0, 'no plotly.js without figures');
});

test('externalReferences finds loads of local files and network resources, not hyperlinks', () => {
  const html = [
    '<a href="https://example.org/paper">a paper</a>',
    '<img src="data:image/png;base64,AAAA">',
    '<img src="/home/user/figure.png">',
    "<script src='https://cdn.example.invalid/plotly.js'></script>",
    '<script>var u = "https://not-a-load.example";</script>',
    '<link rel="stylesheet" href="custom.css">',
    '<div style="background: url(file:///tmp/x.png)"></div>',
    '<style>@import "theme.css"; .a { background: url(data:image/gif;base64,R0l) }</style>',
  ].join('\n');
  assert.deepEqual(externalReferences(html).sort(), [
    '<img src="/home/user/figure.png">',
    '<link href="custom.css">',
    '<script src="https://cdn.example.invalid/plotly.js">',
    '@import theme.css',
    'file:///tmp/x.png',
    'url(file:///tmp/x.png)',
  ]);
});

test('writeFileAtomic replaces a file and leaves no temporary files behind', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'supernet-lab-atomic-'));
  try {
    const file = path.join(dir, 'sub', 'page.html');
    writeFileAtomic(file, 'one');
    writeFileAtomic(file, 'two');
    assert.equal(fs.readFileSync(file, 'utf8'), 'two');
    assert.deepEqual(fs.readdirSync(path.dirname(file)), ['page.html']);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('a figures page renders its plots offline in Chromium; outside loads are caught', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'supernet-lab-render-'));
  try {
    const good = path.join(dir, 'good.html');
    writeFileAtomic(good, figuresPage('two figures', [scatter, twoTraces]));
    const bad = path.join(dir, 'bad.html');
    writeFileAtomic(
      bad,
      '<html><body><img src="file:///etc/hostname"><script src="https://example.invalid/x.js"></script></body></html>',
    );
    await withChromium(async (browser) => {
      const ok = await renderHtmlInChromium(good, { browser });
      assert.equal(ok.figures, 2);
      assert.equal(ok.plots, 2);
      assert.deepEqual(ok.tracesPerPlot, [1, 2]);
      assert.equal(ok.traces, 3);
      assert.deepEqual(ok.errors, []);
      assert.deepEqual(ok.blockedRequests, []);

      const caught = await renderHtmlInChromium(bad, { browser });
      assert.deepEqual(caught.blockedRequests.sort(), [
        'file:///etc/hostname',
        'https://example.invalid/x.js',
      ]);
      assert.equal(caught.plots, 0);

      // Without plotly.js the container explains itself instead of hanging the check.
      const bare = path.join(dir, 'bare.html');
      writeFileAtomic(
        bare,
        reportPage({ title: 'no plotly', body: figureHtml(scatter), plotly: false }),
      );
      const started = Date.now();
      const none = await renderHtmlInChromium(bare, { browser });
      assert.equal(none.figures, 1);
      assert.equal(none.plots, 0);
      assert.ok(Date.now() - started < 30_000, 'returned without waiting for the timeout');
    });
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
