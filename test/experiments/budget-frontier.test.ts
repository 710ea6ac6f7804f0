/**
 * The budget frontier (notebook 09): its budget arithmetic against hand-computed values, and a
 * smoke run on a tiny synthetic seed table (8 real NB-201 cells, 2-3 seeds each) whose every
 * statistic is recomputed here from the run folders' own score files with textbook formulas:
 * Spearman and Kendall tau-b by the O(n^2) oracles of test/analysis/helpers, top-k and random
 * top-k by enumerating every k-subset, the noise ceiling's seed agreement, images seen.
 */
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { initEngine } from '../../src/engine';
import {
  benchRate,
  budgetForValue,
  budgetFrontier,
  doublingTrend,
  frontierNeeds,
  frontierPlan,
  frontierReportHtml,
  frontierSettings,
  zeroCrossing,
  type FrontierPoint,
} from '../../src/experiments';
import { SEED_TABLE_HEADER } from '../../src/groundtruth/laptop';
import { readScores, scoresPath } from '../../src/runs/folder';
import { naiveSpearman, naiveTauB } from '../analysis/helpers';
import { FASHION, TINY_FRONTIER, writeSeedTable } from './seed-table';

before(async () => {
  await initEngine('auto');
});

// --- independent oracles -------------------------------------------------------------------

function subsets(n: number, k: number): number[][] {
  if (k === 0) return [[]];
  if (n < k) return [];
  return [...subsets(n - 1, k - 1).map((s) => [...s, n - 1]), ...subsets(n - 1, k)];
}

/** Test accuracy of the best-validation cell of a subset (no ties in these tables). */
const bestOf = (s: number[], val: number[], test: number[]) =>
  test[s.reduce((b, i) => (val[i] > val[b] ? i : b), s[0])];

// --- budget arithmetic ---------------------------------------------------------------------

test('zeroCrossing: log-linear interpolation, last sign change, clear intervals', () => {
  // -0.2 at 1000 images, +0.2 at 4000: zero at 2^(log2 1000 + 0.5 * 2) = 2000.
  const c = zeroCrossing([
    { x: 4000, y: 0.2, low: 0.05 },
    { x: 1000, y: -0.2, low: -0.4 },
    { x: 16000, y: 0.3, low: 0.1 },
  ]);
  assert.equal(c.kind, 'crosses');
  if (c.kind !== 'crosses') return;
  assert.equal(c.from, 1000);
  assert.equal(c.to, 4000);
  assert.ok(Math.abs(c.at - 2000) < 1e-9, `${c.at}`);
  assert.equal(c.firstClear, 4000);
  // Up, down, up again: the last crossing counts; the first clear budget is after the dip.
  const again = zeroCrossing([
    { x: 1, y: -0.1 },
    { x: 2, y: 0.1 },
    { x: 4, y: -0.3 },
    { x: 8, y: 0.1 },
  ]);
  assert.equal(again.kind, 'crosses');
  if (again.kind === 'crosses') {
    assert.deepEqual([again.from, again.to], [4, 8]);
    // -0.3 -> +0.1 over one doubling: zero 3/4 of the way, 4 * 2^0.75.
    assert.ok(Math.abs(again.at - 4 * 2 ** 0.75) < 1e-9);
    assert.equal(again.firstClear, 8);
  }
  assert.deepEqual(
    zeroCrossing([
      { x: 1, y: -0.1 },
      { x: 2, y: 0 },
    ]),
    { kind: 'never' },
  );
  // Above 0 early, below at the largest budget: no crossing for good.
  assert.deepEqual(
    zeroCrossing([
      { x: 1, y: 0.04 },
      { x: 2, y: 0.01 },
      { x: 4, y: -0.4 },
    ]),
    { kind: 'falls', lastPositive: 2 },
  );
  assert.deepEqual(
    zeroCrossing([
      { x: 1, y: 0.1, low: -0.1 },
      { x: 2, y: 0.2, low: 0.01 },
    ]),
    {
      kind: 'positive',
      firstClear: 2,
    },
  );
  assert.throws(() => zeroCrossing([{ x: 0, y: 1 }]), /needs a budget > 0/);
});

test('doublingTrend and budgetForValue: an exact line in log2(images)', () => {
  // y = -0.5 + 0.1 * log2(x): 0 at 2^5 = 32, 0.7 at 2^12 = 4096.
  const pts = [4, 16, 64, 256].map((x) => ({ x, y: -0.5 + 0.1 * Math.log2(x) }));
  const t = doublingTrend(pts);
  assert.ok(Math.abs(t.slope - 0.1) < 1e-12);
  assert.ok(Math.abs(t.intercept + 0.5) < 1e-12);
  assert.ok(Math.abs(budgetForValue(t, 0)! - 32) < 1e-9);
  assert.ok(Math.abs(budgetForValue(t, 0.7)! - 4096) < 1e-6);
  assert.equal(budgetForValue({ slope: -0.1, intercept: 0, points: 2 }, 0.7), null);
  assert.throws(() => doublingTrend([{ x: 2, y: 1 }]), /two different budgets/);
});

test("bench rates and what the seed's budget needs: hours by hand from a bench report", () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'frontier-bench-'));
  try {
    const row = (config: string, engine: string, metric: string, ours: number) => ({
      config,
      metric,
      engine,
      ours,
      pytorch: 10_000,
    });
    const file = path.join(dir, 'bench-full.json');
    fs.writeFileSync(
      file,
      JSON.stringify({
        comparisons: [
          row('laptop-c8-n1-fmnist', 'native', 'train', 900),
          row('laptop-c8-n1-fmnist', 'native', 'eval', 5000),
          row('laptop-c8-n1-fmnist', 'native', 'train-multiprocess', 1500),
          row('laptop-c8-n1-fmnist', 'wasm', 'train', 300),
          row('laptop-c8-n1-fmnist', 'wasm', 'eval', 1000),
          row('nb201-c16-n5-cifar', 'native', 'train', 125),
          row('nb201-c16-n5-cifar', 'native', 'eval', 300),
        ],
      }),
    );
    assert.equal(benchRate('laptop', 'native', file)!.imagesPerSecond, 900);
    assert.equal(benchRate('laptop', 'wasm', file)!.imagesPerSecond, 300);
    // An engine the bench did not measure: the fastest of ours (PyTorch's rate is not ours).
    assert.deepEqual(
      [
        benchRate('laptop', 'webgpu', file)!.engine,
        benchRate('laptop', 'webgpu', file)!.imagesPerSecond,
      ],
      ['native', 900],
    );
    assert.equal(benchRate('paper', 'native', file)!.config, 'nb201-c16-n5-cifar');
    assert.equal(benchRate('paper', 'native', path.join(dir, 'missing.json')), null);

    const point = {
      imagesSeen: 4 * 6000,
      trainImages: 6000,
      epoch: 4,
      spearman: -0.2,
      imagesPerSecond: 450,
    };
    const reference = {
      epochs: 1000,
      spearman: { value: 0.7, where: '' },
      sizeBias: { sign: 1 as const, where: '' },
    };
    const needs = frontierNeeds({
      images: [{ ...point, imagesSeen: 6000, epoch: 1, spearman: -0.4 }, point] as FrontierPoint[],
      reference,
      ceiling: null,
      engine: 'native',
      net: { channels: 8, cellsPerStage: 1, inputChannels: 1, imageSize: 28 },
      benchFile: file,
    });
    // 1000 epochs x (50000 CIFAR-100 images, half held out) = 25M images.
    assert.equal(needs.seedImages, 25_000_000);
    // 25e6 / 125 / 3600 = 55.6 h = 2.3 days; 25e6 / 900 / 3600 = 7.7 h.
    assert.match(needs.lines[0], /25M images seen/);
    assert.match(needs.lines[0], /2\.3 days/);
    assert.match(needs.lines[1], /4167 epochs of its 6000 images, 7\.7 h at 900 images\/s/);
    // rho -0.4 -> -0.2 over 2 doublings: +0.1 per doubling; 0 after 2 more (96k images),
    // 0.7 after 9 more doublings (24000 * 2^9 = 12.3M images).
    assert.ok(Math.abs(needs.trend!.slope - 0.1) < 1e-12);
    assert.ok(Math.abs(needs.zeroImages! - 96_000) < 1e-6);
    assert.ok(Math.abs(needs.seedRhoImages! - 24_000 * 2 ** 9) < 1e-3);
    assert.match(needs.lines[2], /ρ = 0 would come at 96k images seen \(16 epochs of 6000/);
    // Another width: the bench never ran it, so the run's own logged rate counts
    // (25e6 / 450 / 3600 = 15.4 h).
    const wide = frontierNeeds({
      images: [point] as FrontierPoint[],
      reference,
      ceiling: null,
      engine: 'native',
      net: { channels: 16, cellsPerStage: 1, inputChannels: 1, imageSize: 28 },
      benchFile: file,
    });
    assert.match(wide.lines[1], /15\.4 h at 450 images\/s, the rate its largest run logged/);
    assert.equal(wide.trend, null);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('frontierPlan: shared runs are trained once and feed every series they belong to', () => {
  const s = { ...frontierSettings('laptop'), checkpoints: [2, 4, 8, 16, 32], widths: [4, 8, 16] };
  const plan = frontierPlan(s);
  assert.deepEqual(
    plan.map((p) => [p.channels, p.epochs, p.checkpoints.join(',')]),
    [
      [8, 32, '2,4,8,16,32'],
      [8, 8, '8'],
      [4, 8, '8'],
      [16, 8, '8'],
    ],
  );
  // The C=8, 8-epoch run is both an epochs point and a width point.
  assert.deepEqual(
    plan[1].series.map((x) => x.series),
    ['epochs', 'width'],
  );
  assert.equal(plan[0].series.filter((x) => x.series === 'images').length, 5);
  // Checkpoints null: powers of two, and the last epoch is always scored.
  assert.deepEqual(
    frontierPlan({ ...s, epochs: 12, checkpoints: null })[0].checkpoints,
    [1, 2, 4, 8, 12],
  );
  assert.deepEqual(frontierPlan({ ...s, epochs: 12, checkpoints: [3] })[0].checkpoints, [3, 12]);
  assert.deepEqual(
    plan[0].series.filter((x) => x.series === 'epochs'),
    [{ series: 'epochs', epoch: 32 }],
  );
});

// --- smoke run on a synthetic table -------------------------------------------------------

test(
  'smoke frontier on a synthetic table: every statistic recomputed from the score files',
  {
    timeout: 10 * 60_000,
    skip: fs.existsSync(FASHION) ? false : 'dataset-fashion-mnist is not installed',
  },
  async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'frontier-'));
    try {
      const { table, archs, params, acc, val, test } = writeSeedTable(dir);
      const runsDir = path.join(dir, 'runs');
      const log: string[] = [];
      const settings = TINY_FRONTIER;
      const options = { scale: 'smoke' as const, runsDir, log: (l: string) => log.push(l) };
      const r = await budgetFrontier(options, { table, settings });

      assert.equal(r.cells.length, 8);
      assert.deepEqual(
        r.points.map((p) => [p.series, p.channels, p.epoch, p.scheduleEpochs]),
        [
          ['images', 4, 1, 2],
          ['images', 4, 2, 2],
          ['epochs', 4, 1, 1],
          ['epochs', 4, 2, 2],
          ['width', 2, 1, 1],
          ['width', 4, 1, 1],
        ],
      );
      assert.equal(new Set(r.points.map((p) => p.run)).size, 3, 'three distinct runs');
      const subsetsOf3 = subsets(8, 3);
      const randomOracle =
        subsetsOf3.reduce((s, sub) => s + bestOf(sub, val, test), 0) / subsetsOf3.length;
      for (const p of r.points) {
        const what = `${p.series} C=${p.channels} epoch ${p.epoch}/${p.scheduleEpochs}`;
        const file = scoresPath(path.join(runsDir, p.run), p.epoch);
        const byArch = new Map(readScores(file).map((row) => [row.arch, row.accuracy]));
        const score = archs.map((a) => byArch.get(a)!);
        assert.equal(p.n, 8);
        assert.equal(p.trainImages, 128, what);
        assert.equal(p.imagesSeen, p.epoch * 128, what);
        assert.ok(Math.abs(p.spearman - naiveSpearman(score, val)) < 1e-12, what);
        assert.ok(Math.abs(p.kendall - naiveTauB(score, val)) < 1e-12, what);
        assert.ok(Math.abs(p.sizeBias - naiveSpearman(score, params)) < 1e-12, what);
        for (const [lo, hi] of [
          [p.spearmanLow, p.spearmanHigh],
          [p.kendallLow, p.kendallHigh],
          [p.sizeBiasLow, p.sizeBiasHigh],
        ]) {
          assert.ok(-1 <= lo && lo <= hi && hi <= 1, `${what}: interval [${lo}, ${hi}]`);
        }
        // top-3 by score (ties broken by table order), best validation among them, its test.
        const top = archs
          .map((_, i) => i)
          .sort((a, b) => score[b] - score[a] || a - b)
          .slice(0, 3);
        assert.equal(p.topK, bestOf(top, val, test), what);
        assert.ok(Math.abs(p.randomTopK - randomOracle) < 1e-9, what);
        assert.ok(Math.abs(p.meanScore - score.reduce((a, b) => a + b, 0) / 8) < 1e-9, what);
      }
      // The complete 2-epoch run is the images run itself; the C=4 width run is the 1-epoch run.
      const at = (series: string, c: number, e: number) =>
        r.points.find(
          (p) => p.series === series && p.channels === c && p.scheduleEpochs === e && p.epoch === e,
        )!;
      assert.equal(at('epochs', 4, 2).run, r.points[1].run);
      assert.equal(at('width', 4, 1).run, at('epochs', 4, 1).run);
      assert.equal(at('width', 4, 1).spearman, at('epochs', 4, 1).spearman);

      // Ground truth is the mean over seeds; the ceiling compares seeds 1 and 2 of every cell.
      assert.ok(Math.abs(r.truthVsParams - naiveSpearman(val, params)) < 1e-12);
      assert.ok(r.ceiling);
      assert.equal(r.ceiling.n, 8);
      assert.deepEqual(r.ceiling.seeds, [1, 2]);
      const agree = naiveSpearman(
        archs.map((_, i) => acc(i, 1)),
        archs.map((_, i) => acc(i, 2)),
      );
      assert.ok(Math.abs(r.ceiling.spearman - agree) < 1e-12);

      // Figures, comparison and conclusion are filled; the report has no unfilled numbers.
      assert.deepEqual(
        r.figures.map((f) => f.id),
        [
          'frontier-correlation-vs-images',
          'frontier-size-bias-vs-images',
          'frontier-width',
          'frontier-score-vs-truth',
        ],
      );
      assert.ok(r.comparison.length >= 5);
      assert.ok(
        r.conclusion.some((c) => /crosses zero|does not cross zero|above 0 at every/.test(c)),
      );
      const html = frontierReportHtml(r).replace(/<script[\s\S]*?<\/script>/g, '');
      assert.doesNotMatch(html, /NaN|undefined/);

      // A second call trains and scores nothing: the same numbers from the same folders.
      const again: string[] = [];
      const r2 = await budgetFrontier(
        { ...options, log: (l: string) => again.push(l) },
        { table, settings },
      );
      assert.ok(
        !again.some((l) => /^training |scored \d+ architectures/.test(l)),
        again.join('\n'),
      );
      assert.deepEqual(
        r2.points.map((p) => p.spearman),
        r.points.map((p) => p.spearman),
      );
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  },
);

test('bad input: a missing table and impossible settings get one clear line', async () => {
  await assert.rejects(
    budgetFrontier({ scale: 'smoke' }, { table: '/nonexistent/table.csv' }),
    /ground-truth table \/nonexistent\/table\.csv does not exist/,
  );
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'frontier-bad-'));
  try {
    const table = path.join(dir, 'ground-truth.csv');
    fs.writeFileSync(table, SEED_TABLE_HEADER.join(',') + '\n');
    await assert.rejects(
      budgetFrontier({ scale: 'smoke' }, { table, settings: { widths: [0] } }),
      /budget frontier: every widths entry must be a positive integer, got 0/,
    );
    await assert.rejects(
      budgetFrontier({ scale: 'smoke' }, { table, settings: { epochs: 4, checkpoints: [8] } }),
      /budget frontier: checkpoint 8 is past the run's 4 epochs/,
    );
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('study --frontier: --help describes it; another space or a missing table is one line, exit 2', () => {
  const root = path.join(__dirname, '..', '..');
  const cli = (...args: string[]) =>
    spawnSync(process.execPath, ['--import', 'tsx', path.join(root, 'src/cli/run.ts'), ...args], {
      cwd: root,
      encoding: 'utf8',
    });
  const help = cli('study', '--help');
  assert.equal(help.status, 0);
  assert.match(help.stdout, /--frontier runs the budget frontier instead \(notebook 09\)/);
  const space = cli('study', '--frontier', '--space', 'darts', '--scale', 'smoke');
  assert.equal(space.status, 2);
  assert.equal(
    space.stderr.split('\n')[0],
    'supernet-lab study: --frontier ranks NAS-Bench-201 cells of a seed table, got --space darts: drop --space',
  );
  const table = cli('study', '--frontier', '--scale', 'smoke', '--table', '/nonexistent/t.csv');
  assert.equal(table.status, 2);
  assert.match(table.stderr, /^supernet-lab study: --table \/nonexistent\/t\.csv does not exist/);
  for (const r of [space, table]) assert.doesNotMatch(r.stderr, /^ {4}at /m, 'no stack');
});
