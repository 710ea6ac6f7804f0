import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { renderHtmlInChromium, withChromium } from '../../src/plots/export';
import { syntheticSpace, writeSearchRun, writeSupernetRun } from './synthetic-runs';

const root = path.join(__dirname, '..', '..');
const cli = (...args: string[]) =>
  spawnSync(process.execPath, ['--import', 'tsx', path.join(root, 'src/cli/run.ts'), ...args], {
    cwd: root,
    encoding: 'utf8',
  });

test('report CLI: self-contained HTML rendered in headless Chromium shows every trace', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'report-e2e-'));
  try {
    const space = syntheticSpace(50, 7);
    const run = writeSupernetRun(path.join(dir, 'runs', 'sn'), space, {
      epochs: [1, 3],
      seed: 1,
      groundTruth: true,
    });
    const search = writeSearchRun(path.join(dir, 'runs', 'gaea'), 'gaea', 2);
    const out = path.join(dir, 'report.html');

    assert.equal(cli('report', '--run', run).status, 2); // --out missing
    const bad = cli('report', '--run', path.join(dir, 'nope'), '--out', out);
    assert.equal(bad.status, 1);
    assert.match(bad.stderr, /run folder .*nope does not exist/);

    const r = cli(
      'report',
      '--run',
      run,
      '--run',
      search,
      '--out',
      out,
      '--resamples',
      '50',
      '--format',
      'svg',
    );
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /wrote .*report\.html \(\d+ sections, (\d+) figures/);
    const figures = Number(/(\d+) figures/.exec(r.stdout)![1]);
    const svgs = fs.readdirSync(path.join(dir, 'report-figures')).filter((f) => f.endsWith('.svg'));
    assert.equal(svgs.length, figures);
    for (const f of svgs) {
      assert.match(
        fs.readFileSync(path.join(dir, 'report-figures', f), 'utf8').slice(0, 200),
        /<svg/,
      );
    }

    const html = fs.readFileSync(out, 'utf8');
    const specs = [...html.matchAll(/var fig = (\{[\s\S]*?\});\n/g)].map(
      (m) => JSON.parse(m[1]) as { data: { type?: string }[] },
    );
    assert.equal(specs.length, figures);
    const page = await renderHtmlInChromium(out);
    assert.deepEqual(page.errors, []);
    assert.deepEqual(page.blockedRequests, []);
    assert.equal(page.figures, figures);
    assert.equal(page.plots, figures);
    // every non-heatmap trace of every spec is drawn as an SVG trace group
    assert.deepEqual(
      page.tracesPerPlot,
      specs.map((s) => s.data.filter((t) => t.type !== 'heatmap').length),
    );

    // the scatter shows one point per architecture; the heatmap is drawn; hover names archs
    const found = await withChromium(async (browser) => {
      const p = await browser.newPage();
      await p.goto(`file://${out}`);
      await p.waitForFunction(
        () => document.querySelectorAll('.js-plotly-plot .main-svg').length > 0,
      );
      return p.evaluate(() => {
        const scatter = document.getElementById('sn-scatter') as
          | (HTMLElement & { data?: { text?: string[] }[] })
          | null;
        return {
          points: scatter?.querySelectorAll('g.trace.scatter g.points path.point').length ?? 0,
          hover: scatter?.data?.[0]?.text?.[0] ?? '',
          heatmaps: document.querySelectorAll('#sn-mutual g.hm, #sn-mutual .hm image').length,
        };
      });
    });
    assert.equal(found.points, space.archs.length);
    assert.ok(space.archs.includes(found.hover));
    assert.ok(found.heatmaps > 0);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
