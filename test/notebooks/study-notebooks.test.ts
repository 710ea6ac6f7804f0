import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { renderHtmlInChromium } from '../../src/plots/export';
import { EMBEDDED_PLOTLY_ATTRIBUTE, externalReferences } from '../../src/plots/html';

// CI: the nine study notebooks execute top to bottom at the smoke scale (real CIFAR-10 subset
// images, tiny supernets) through `npm run notebooks`, and every report opens offline in
// Chromium with all of its plots drawn and its "seed reports / we measure / scale" table and
// computed conclusion in place. Run folders go to the default runs folder (kernels-data/runs).
// Budget: 15 minutes for all nine on 2 idle cores (the time is printed); the timeout is wider
// because a loaded machine took 18+ minutes and a timeout would turn CI red for speed alone.
const root = path.join(__dirname, '..', '..');

/** Notebook -> the least number of plotly figures its report must draw. */
const STUDY_NOTEBOOKS: Record<string, number> = {
  '01-weight-sharing-basics': 3,
  '02-correlation-vs-epochs': 4,
  '03-sharing-density': 1,
  '04-consistent-bias': 2,
  '05-operator-and-size-bias': 5,
  '06-pruned-spaces': 1,
  '07-training-tricks': 1,
  '08-gaea-vs-darts': 3,
  // The budget frontier: the shipped laptop table, supernets on Fashion-MNIST (about 100 s).
  '09-budget-frontier': 4,
};

/** Notebooks whose figures are all heatmaps. */
const HEATMAPS_ONLY = new Set(['04-consistent-bias', '07-training-tricks']);

test(
  'the nine study notebooks execute at smoke scale and their reports render offline',
  { timeout: 40 * 60_000 },
  async () => {
    const out = fs.mkdtempSync(path.join(os.tmpdir(), 'supernet-lab-study-reports-'));
    try {
      const started = Date.now();
      const r = spawnSync(
        process.execPath,
        [
          '--import',
          'tsx',
          path.join(root, 'scripts', 'notebooks.ts'),
          ...Object.keys(STUDY_NOTEBOOKS),
          '--out-dir',
          out,
        ],
        {
          cwd: root,
          encoding: 'utf8',
          env: { ...process.env, SUPERNET_LAB_SCALE: 'smoke' },
          timeout: 38 * 60_000,
          maxBuffer: 64 * 1024 * 1024,
        },
      );
      const seconds = (Date.now() - started) / 1000;
      const timings = [...(r.stdout ?? '').matchAll(/notebooks\/(\S+)\.ipynb: ok in ([\d.]+) s/g)]
        .map((m) => `${m[1]} ${m[2]} s`)
        .join(', ');
      // Reported in the test log: the smoke-scale wall time of all nine (CI budget 15 min).
      console.log(`study notebooks at smoke scale: ${seconds.toFixed(0)} s in all (${timings})`);
      assert.equal(r.status, 0, `notebook run failed:\n${r.stdout}\n${r.stderr}`);
      assert.match(r.stdout, new RegExp(`${Object.keys(STUDY_NOTEBOOKS).length} ok, 0 failed`));

      for (const [name, minFigures] of Object.entries(STUDY_NOTEBOOKS)) {
        const report = path.join(out, `${name}.html`);
        const html = fs.readFileSync(report, 'utf8');
        assert.match(
          html,
          /<title>\d\d · [^<]+<\/title>/,
          `${name}: titled from its first heading`,
        );
        assert.equal(html.split(EMBEDDED_PLOTLY_ATTRIBUTE).length - 1, 1, `${name}: plotly once`);
        assert.deepEqual(externalReferences(html), [], `${name}: nothing outside the page`);
        assert.match(html, /SUPERNET_LAB_SCALE=smoke/, `${name}: the footer records the scale`);
        assert.match(html, /scale smoke, dataset /, `${name}: the first cell reports the scale`);
        assert.match(
          html,
          /Seed reports \/ we measure \/ scale \(filled from the runs of this notebook\)/,
          `${name}: the comparison table`,
        );
        assert.match(html, /<th[^>]*>we measure<\/th>/, `${name}: the comparison columns`);
        assert.match(html, /Conclusion \(written from the numbers above\)/, `${name}: conclusion`);
        const text = html.replace(/<script[\s\S]*?<\/script>/g, '');
        assert.doesNotMatch(text, /NaN|undefined/, `${name}: no unfilled numbers in the text`);

        const page = await renderHtmlInChromium(report);
        assert.deepEqual(page.blockedRequests, [], `${name}: asked for nothing outside itself`);
        assert.deepEqual(page.errors, [], `${name}: no page errors`);
        assert.ok(
          page.figures >= minFigures,
          `${name}: ${page.figures} figures, expected >= ${minFigures}`,
        );
        assert.equal(page.plots, page.figures, `${name}: every figure was drawn`);
        // Heatmaps (mutual correlation) draw no `g.trace` groups; every other plot has traces.
        if (HEATMAPS_ONLY.has(name)) {
          assert.match(html, /"type":\s*"heatmap"/, `${name}: its heatmaps are in the page`);
        } else {
          page.tracesPerPlot.forEach((t, i) =>
            assert.ok(t >= 1, `${name}: plot ${i + 1} has traces`),
          );
        }
      }
      const index = fs.readFileSync(path.join(out, 'index.html'), 'utf8');
      for (const name of Object.keys(STUDY_NOTEBOOKS)) {
        assert.match(index, new RegExp(`href="${name}\\.html"`), `index links ${name}`);
      }
    } finally {
      fs.rmSync(out, { recursive: true, force: true });
    }
  },
);
