import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { renderHtmlInChromium } from '../../src/plots/export';
import { EMBEDDED_PLOTLY_ATTRIBUTE, externalReferences } from '../../src/plots/html';

// CI: notebook 02 (correlation vs epochs, parameterised by space) executes at the smoke scale with one
// non-NB-201 space chosen by its one parameter (SUPERNET_LAB_SPACE=proxyless: supernet with
// checkpoints, scores, stand-alone ground truth, all on real Fashion-MNIST images) and its report
// renders offline with every figure, the seed table and the computed conclusion. Run folders go
// to a temporary folder (SUPERNET_LAB_RUNS). About 20-30 s on 2 cores.
const root = path.join(__dirname, '..', '..');
const NAME = '02-correlation-vs-epochs';

test(
  `${NAME} executes with SPACE=proxyless at smoke scale and its report renders offline`,
  {
    timeout: 10 * 60_000,
    skip: fs.existsSync('/usr/share/datasets/fashion-mnist')
      ? false
      : 'dataset-fashion-mnist is not installed',
  },
  async () => {
    const out = fs.mkdtempSync(path.join(os.tmpdir(), 'supernet-lab-any-space-'));
    try {
      const r = spawnSync(
        process.execPath,
        ['--import', 'tsx', path.join(root, 'scripts', 'notebooks.ts'), NAME, '--out-dir', out],
        {
          cwd: root,
          encoding: 'utf8',
          env: {
            ...process.env,
            SUPERNET_LAB_SCALE: 'smoke',
            SUPERNET_LAB_SPACE: 'proxyless',
            SUPERNET_LAB_RUNS: path.join(out, 'runs'),
          },
          timeout: 9 * 60_000,
          maxBuffer: 64 * 1024 * 1024,
        },
      );
      assert.equal(r.status, 0, `notebook run failed:\n${r.stdout}\n${r.stderr}`);
      assert.match(r.stdout, /1 ok, 0 failed/);
      const report = path.join(out, `${NAME}.html`);
      const html = fs.readFileSync(report, 'utf8');
      assert.match(html, /<title>02 · [^<]+<\/title>/);
      assert.equal(html.split(EMBEDDED_PLOTLY_ATTRIBUTE).length - 1, 1, 'plotly once');
      assert.deepEqual(externalReferences(html), []);
      assert.match(html, /SUPERNET_LAB_SCALE=smoke/);
      assert.match(html, /space proxyless, scale smoke, dataset fashion-mnist/);
      assert.match(html, /Spearman ρ with stand-alone ground truth \(ProxylessNAS\)/);
      assert.match(
        html,
        /Seed reports \/ we measure \/ scale \(filled from the runs of this notebook\)/,
      );
      assert.match(html, /Conclusion \(written from the numbers above\)/);
      const text = html.replace(/<script[\s\S]*?<\/script>/g, '');
      assert.doesNotMatch(text, /NaN|undefined/, 'no unfilled numbers in the text');
      // The run folders the notebook wrote.
      const runs = fs.readdirSync(path.join(out, 'runs')).sort();
      assert.deepEqual(runs, [
        'groundtruth-proxyless-fashion-mnist-smoke-seed0',
        'supernet-proxyless-fashion-mnist-smoke-seed0',
      ]);
      const page = await renderHtmlInChromium(report);
      assert.deepEqual(page.blockedRequests, []);
      assert.deepEqual(page.errors, []);
      assert.ok(page.figures >= 4, `${page.figures} figures, expected >= 4`);
      assert.equal(page.plots, page.figures, 'every figure was drawn');
      page.tracesPerPlot.forEach((t, i) => assert.ok(t >= 1, `plot ${i + 1} has traces`));
    } finally {
      fs.rmSync(out, { recursive: true, force: true });
    }
  },
);
