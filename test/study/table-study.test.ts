// The study against a seed table, at smoke scale through the CLI: every cell of a tiny synthetic
// table is scored on a real (tiny) supernet, nothing is trained stand-alone, and the summary's
// numbers match values computed here from the scores file and the table, independently of the
// library (O(n^2) rank statistics from the definitions, the mean over seeds by hand).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { readScores, scoresPath } from '../../src/runs/folder';
import { naiveSpearman, naiveTauB, nb201 } from '../analysis/helpers';

const root = path.join(__dirname, '..', '..');
const FASHION = '/usr/share/datasets/fashion-mnist';

function cli(...args: string[]) {
  return spawnSync(
    process.execPath,
    ['--import', 'tsx', path.join(root, 'src/cli/run.ts'), ...args],
    { cwd: root, encoding: 'utf8', env: { ...process.env, SUPERNET_LAB_ENGINE: 'wasm' } },
  );
}

// 8 valid NB-201 cells; seeds 1 and 2 for all, seed 3 for the first two.
const cells = ['skip_connect', 'nor_conv_1x1', 'nor_conv_3x3', 'avg_pool_3x3'].flatMap((op) =>
  ['none', 'nor_conv_3x3'].map((op03) => nb201(op, op03)),
);
const val = (i: number, seed: number) => 60 + 3 * i + [0, 1.5, -1.2, 0.4][seed] * ((i % 3) - 1);
const rows = cells.flatMap((arch, i) =>
  [1, 2, ...(i < 2 ? [3] : [])].map((seed) => ({
    arch,
    seed,
    val: val(i, seed),
    test: val(i, seed) - 1,
    params: 1000 * ((i * 5) % 8),
  })),
);
const header = 'arch,seed,val_accuracy,test_accuracy,val_loss,params,flops,epochs,seconds';
const csv =
  header +
  '\n' +
  rows.map((r) => `${r.arch},${r.seed},${r.val},${r.test},0.5,${r.params},0,1,1`).join('\n') +
  '\n';

test(
  'study --table: scores every cell, no stand-alone training, numbers checked independently',
  { skip: fs.existsSync(FASHION) ? false : 'dataset-fashion-mnist is not installed' },
  () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'table-study-'));
    const table = path.join(dir, 'ground-truth.csv');
    fs.writeFileSync(table, csv);
    const out = path.join(dir, 'study');
    const r = cli(
      'study',
      '--scale',
      'smoke',
      '--table',
      table,
      '--out',
      out,
      '--workers',
      '2',
      '--epochs',
      '1',
      '--train-images',
      '192',
      '--valid-images',
      '96',
      '--no-report',
    );
    assert.equal(r.status, 0, r.stderr);
    assert.ok(!fs.existsSync(path.join(out, 'groundtruth')), 'nothing trained stand-alone');
    const summary = JSON.parse(fs.readFileSync(path.join(out, 'summary.json'), 'utf8'));
    const s = summary.summary;
    const scores = readScores(scoresPath(path.join(out, 'supernet'), 1));
    assert.deepEqual(scores.map((x) => x.arch).sort(), [...cells].sort());

    // The mean over seeds, by hand, in the scores' order.
    const meanVal = (arch: string) => {
      const v = rows.filter((x) => x.arch === arch).map((x) => x.val);
      return v.reduce((a, b) => a + b, 0) / v.length;
    };
    const score = scores.map((x) => x.accuracy);
    const truth = scores.map((x) => meanVal(x.arch));
    const params = scores.map((x) => rows.find((y) => y.arch === x.arch)!.params);
    const close = (a: number, b: number, what: string) =>
      assert.ok(Math.abs(a - b) < 1e-9, `${what}: summary ${a}, expected ${b}`);
    assert.equal(s.n, 8);
    close(s.spearman, naiveSpearman(score, truth), 'Spearman');
    close(s.kendall, naiveTauB(score, truth), 'Kendall');
    close(s.spearmanScoreParams, naiveSpearman(score, params), 'size bias');
    close(s.spearmanParams, naiveSpearman(params, truth), 'params baseline');
    assert.ok(s.spearmanCI.low <= s.spearman && s.spearman <= s.spearmanCI.high);
    assert.ok(s.spearmanCI.high > s.spearmanCI.low);
    // The noise ceiling: seed 1 vs seed 2 over the 8 cells; k = harmonic mean of 3, 3, 2 x 6.
    const seed = (k: number) =>
      cells.map((a) => rows.find((x) => x.arch === a && x.seed === k)!.val);
    close(s.ceiling.spearman, naiveSpearman(seed(1), seed(2)), 'seed agreement');
    close(s.ceiling.meanOfSeeds.k, 8 / (2 / 3 + 6 / 2), 'effective seeds');
    const rel = 2 * Math.sin((Math.PI * s.ceiling.spearman) / 6);
    const k = s.ceiling.meanOfSeeds.k;
    const cap = (6 / Math.PI) * Math.asin(Math.sqrt((k * rel) / (1 + (k - 1) * rel)) / 2);
    close(s.ceiling.meanOfSeeds.spearman, cap, 'ceiling against the mean');
    // top-1: the test accuracy (mean over seeds) of the best supernet score; ties go to the
    // cell listed first in the table.
    const top = Math.max(...score);
    const first = cells.find((a) => scores.find((x) => x.arch === a)!.accuracy === top)!;
    const meanTest = rows.filter((x) => x.arch === first).map((x) => x.test);
    const top1 = s.topK.find((t: { k: number }) => t.k === 1);
    assert.equal(top1.arch, first);
    close(top1.test, meanTest.reduce((a, b) => a + b, 0) / meanTest.length, 'top-1');
    assert.equal(s.regime.length, 3);
    assert.equal(summary.groundtruth.cells, 8);
    assert.equal(summary.groundtruth.rows, 18);
    // stdout shows the ceiling and the regime
    assert.match(r.stdout, /noise ceiling: seed vs seed Spearman \d\.\d{3}/);
    assert.match(r.stdout, /Spearman rho\s+-?\d\.\d{3}\s+95% CI \[/);
    assert.match(r.stdout, /Regime:\n {2}- at this budget \(1 supernet epoch\)/);
    fs.rmSync(dir, { recursive: true, force: true });
  },
);

test('study rejects --gt-archs with a table and a missing --table, naming the flag', () => {
  const missing = cli('study', '--scale', 'smoke', '--table', 'no-such-table.csv');
  assert.equal(missing.status, 2, missing.stderr);
  assert.match(missing.stderr, /--table no-such-table\.csv does not exist/);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'table-flags-'));
  const table = path.join(dir, 't.csv');
  fs.writeFileSync(table, csv);
  const both = cli('study', '--scale', 'smoke', '--table', table, '--gt-archs', '3');
  assert.equal(both.status, 2, both.stderr);
  assert.match(
    both.stderr,
    /--gt-archs trains ground truth, but .* is the ground truth: add --train-groundtruth/,
  );
  const train = cli('study', '--scale', 'smoke', '--table', table, '--train-groundtruth');
  assert.equal(train.status, 2, train.stderr);
  assert.match(train.stderr, /give --table FILE or --train-groundtruth, not both/);
  fs.rmSync(dir, { recursive: true, force: true });
});
