import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as aq from 'arquero';
import { createRng } from '../../src/engine/random';
import {
  alternateDataset,
  comparisonHtml,
  comparisonTable,
  configDifferences,
  evolutionarySearch,
  experimentContext,
  experimentSettings,
  findMatchingRun,
  fmt,
  mean,
  nonDecreasing,
  parseScale,
  pct,
  randomSearch,
  rankMetrics,
  scaleFromEnv,
  settingsHash,
  signed,
  std,
  summarizeMutual,
  supportedSamplers,
  type ComparisonRow,
} from '../../src/experiments';
import { formatNb201, type Nb201Arch } from '../../src/spaces';
import type { CorrelationMatrix } from '../../src/analysis';

// ---- scales and context ----

test('scales: SUPERNET_LAB_SCALE picks the scale, bad names are named in the error', () => {
  const saved = process.env.SUPERNET_LAB_SCALE;
  try {
    delete process.env.SUPERNET_LAB_SCALE;
    assert.equal(scaleFromEnv(), 'laptop');
    process.env.SUPERNET_LAB_SCALE = 'smoke';
    assert.equal(scaleFromEnv(), 'smoke');
    process.env.SUPERNET_LAB_SCALE = 'huge';
    assert.throws(
      () => scaleFromEnv(),
      /SUPERNET_LAB_SCALE "huge" is not a scale \(known: smoke, laptop, paper\)/,
    );
  } finally {
    if (saved === undefined) delete process.env.SUPERNET_LAB_SCALE;
    else process.env.SUPERNET_LAB_SCALE = saved;
  }
  assert.throws(() => parseScale('Laptop', '--scale'), /--scale "Laptop" is not a scale/);
  const a = experimentSettings('smoke');
  a.scoredArchs = 1;
  assert.notEqual(experimentSettings('smoke').scoredArchs, 1, 'settings are copies');
  // The seed's settings at paper scale (seed 001 Table 2 and Appendix A).
  const p = experimentSettings('paper');
  assert.equal(p.base.epochs, 1000);
  assert.equal(p.base.batchSize, 256);
  assert.equal(p.base.calibrationBatches * p.base.calibrationBatchSize, 25 * 400);
  assert.equal(p.scoredArchs, 1000);
  assert.equal(p.k, 10);
  assert.equal(p.subspace.repeats, 3);
  assert.deepEqual(p.subspace.pruneFactors, [1, 2, 4, 8, 16, 32, 64, 128]);
});

test('experiment context: dataset and seed are checked', () => {
  const ctx = experimentContext({ scale: 'smoke', dataset: 'cifar10', runsDir: 'x', seed: 3 });
  assert.equal(ctx.kind, 'experiment-context');
  assert.equal(ctx.dataset, 'cifar10');
  assert.equal(ctx.runsDir, path.resolve('x'));
  assert.throws(
    () => experimentContext({ dataset: 'mnist' as 'cifar10' }),
    /dataset "mnist" is not a dataset \(known: fashion-mnist, cifar10, cifar100, cifar10-subset\)/,
  );
  assert.throws(
    () => experimentContext({ seed: -1 }),
    /seed must be a non-negative integer, got -1/,
  );
});

// ---- run matching ----

function fakeRun(
  runsDir: string,
  name: string,
  config: Record<string, unknown>,
  checkpoints: number[],
): string {
  const dir = path.join(runsDir, name);
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, 'config.json'), JSON.stringify(config));
  for (const e of checkpoints) {
    const c = path.join(dir, 'checkpoints', `epoch-${String(e).padStart(4, '0')}`);
    fs.mkdirSync(c, { recursive: true });
    fs.writeFileSync(path.join(c, 'manifest.json'), '{}');
  }
  return dir;
}

test('run matching: same settings match whatever the engine, scale name or creation time', () => {
  const runs = fs.mkdtempSync(path.join(os.tmpdir(), 'match-runs-'));
  try {
    // Folders are read through the run-config reader (any schema, compared as schema 2), which
    // needs what every config.json written by this project has: `kind` and `space`. These are
    // schema-1 NB-201 (flat) configs.
    const wanted = {
      kind: 'supernet',
      space: 'nb201',
      dataset: 'cifar10',
      seed: 0,
      lr: 0.05,
      epochs: 4,
      checkpointEpochs: [1, 2, 4],
    };
    assert.equal(findMatchingRun(runs, wanted, [1, 2, 4]), null, 'empty folder');
    fakeRun(runs, 'other-lr', { ...wanted, lr: 0.1 }, [1, 2, 4]);
    fakeRun(runs, 'pruned', { ...wanted, spaceFactor: 8, spaceReduction: 'pruned' }, [1, 2, 4]);
    assert.equal(findMatchingRun(runs, wanted, [4]), null, 'different lr / a reduced space');
    const half = fakeRun(runs, 'half', { ...wanted, engine: 'native', scale: 'x' }, [1, 2]);
    const done = fakeRun(
      runs,
      'done',
      { ...wanted, engine: 'wasm', createdAt: 'then', library: {}, extraField: 1 },
      [1, 2, 4],
    );
    assert.equal(findMatchingRun(runs, wanted, [1, 2, 4]), done, 'the complete one first');
    fs.rmSync(done, { recursive: true });
    assert.equal(findMatchingRun(runs, wanted, [1, 2, 4]), half, 'else one to resume');
    // A finished run that did not keep a needed checkpoint (and has no scores for it) is useless.
    const pruned = fakeRun(runs, 'no-ep2', { ...wanted, checkpointEpochs: [4] }, [1, 4]);
    fs.rmSync(half, { recursive: true });
    assert.equal(findMatchingRun(runs, wanted, [2, 4]), null);
    fs.mkdirSync(path.join(pruned, 'scores'));
    fs.writeFileSync(path.join(pruned, 'scores', 'epoch-0002.csv'), 'arch,accuracy,loss\n');
    assert.equal(
      findMatchingRun(runs, wanted, [2, 4]),
      pruned,
      'scores stand in for the checkpoint',
    );
  } finally {
    fs.rmSync(runs, { recursive: true, force: true });
  }
  assert.deepEqual(configDifferences({ a: 1, b: 2 }, { a: 1, b: 3 }), ['b']);
  assert.deepEqual(configDifferences({ a: 1, spaceFactor: 4 }, { a: 1 }), ['spaceFactor']);
  assert.equal(
    settingsHash({ a: 1, b: [1, 2], engine: 'x', createdAt: 'now' }),
    settingsHash({ b: [1, 2], a: 1, engine: 'y' }),
    'key order, engine and creation time do not change the name',
  );
  assert.notEqual(settingsHash({ a: 1 }), settingsHash({ a: 2 }));
});

// ---- rank metrics, against hand-computed values ----

test('rankMetrics: Spearman, Kendall, top-k and exact random top-k of a small table', () => {
  // Supernet ranks 1..5 vs truth with one swap: d = (0, 1, 1, 0, 0) -> rho = 1 - 6*2/(5*24) = 0.9.
  // Kendall: 10 pairs, 1 discordant -> tau = (9 - 1) / 10 = 0.8.
  const table = aq.table({
    arch: ['a', 'b', 'c', 'd', 'e'],
    accuracy: [50, 40, 30, 20, 10],
    truth: [95, 92, 93, 91, 90],
  });
  const m = rankMetrics(table, 2);
  assert.ok(Math.abs(m.spearman - 0.9) < 1e-12, `spearman ${m.spearman}`);
  assert.ok(Math.abs(m.kendall - 0.8) < 1e-12, `kendall ${m.kendall}`);
  assert.equal(m.topK, 95, 'best truth among the 2 best by supernet (a, b)');
  assert.equal(m.topKArch, 'a');
  // Random top-2 of 5: P(max of 2 draws is the j-th smallest) = (j-1)/C(5,2):
  // truths ascending 90, 91, 92, 93, 95 -> (0*90 + 1*91 + 2*92 + 3*93 + 4*95) / 10 = 93.4.
  assert.ok(Math.abs(m.randomTopK - 93.4) < 1e-9, `random top-2 ${m.randomTopK}`);
  assert.equal(m.meanAccuracy, 30);
  assert.equal(m.meanTruth, 92.2);
});

// ---- search strategies, on a synthetic fitness with a known optimum ----

const convs = (a: Nb201Arch) => a.filter((o) => o === 'nor_conv_3x3').length;

test('random search: the best of `budget` distinct cells, trace of the best so far', () => {
  const seen: string[] = [];
  const r = randomSearch((a) => (seen.push(formatNb201(a)), convs(a)), 40, createRng(1));
  assert.equal(r.evaluated.length, 40);
  assert.equal(new Set(r.evaluated.map((e) => e.arch)).size, 40, 'distinct cells');
  assert.equal(seen.length, 40, 'the evaluator ran once per cell');
  assert.equal(r.bestScore, Math.max(...r.evaluated.map((e) => e.score)));
  assert.deepEqual(
    r.trace.map((t) => t.evaluations),
    Array.from({ length: 40 }, (_, i) => i + 1),
  );
  assert.ok(nonDecreasing(r.trace.map((t) => t.bestScore)));
  assert.throws(
    () => randomSearch(convs, 0, createRng(1)),
    /budget must be a positive integer, got 0/,
  );
});

test('evolutionary search finds the all-conv3x3 cell that random search misses at equal budget', () => {
  const budget = 120;
  const evo = evolutionarySearch(convs, { budget, population: 12, parents: 3 }, createRng(2));
  assert.equal(evo.evaluated.length, budget);
  assert.equal(new Set(evo.evaluated.map((e) => e.arch)).size, budget);
  assert.equal(evo.bestScore, 6);
  assert.equal(
    evo.bestArch,
    '|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|nor_conv_3x3~0|nor_conv_3x3~1|nor_conv_3x3~2|',
  );
  // 1 cell in 15284 has six conv3x3 edges: 120 uniform draws find it with probability < 1%.
  const rnd = randomSearch(convs, budget, createRng(2));
  assert.ok(rnd.bestScore < 6);
  assert.throws(
    () => evolutionarySearch(convs, { budget: 5, population: 4, parents: 4 }, createRng(0)),
    /parents must be an integer in \[1, population\), got 4/,
  );
  assert.throws(
    () => evolutionarySearch(convs, { budget: 5, population: 1, parents: 1 }, createRng(0)),
    /population must be an integer >= 2, got 1/,
  );
});

// ---- comparison tables and text helpers ----

test('comparison table: columns, agreement with its rule, HTML escaped', () => {
  const rows: ComparisonRow[] = [
    {
      quantity: 'ρ <GT>',
      seed: '0.7',
      measured: '0.5',
      scale: 'smoke',
      agrees: false,
      rule: 'within 0.15',
    },
    { quantity: 'x', seed: 's', measured: 'not measured', scale: 'smoke', agrees: null },
  ];
  const t = comparisonTable(rows);
  assert.deepEqual(t.columnNames(), ['quantity', 'seed reports', 'we measure', 'scale', 'agrees']);
  assert.deepEqual(t.array('agrees'), ['no (within 0.15)', 'n/a']);
  const html = comparisonHtml(rows);
  assert.match(html, /ρ &lt;GT&gt;/);
  assert.doesNotMatch(html, /<GT>/);
  assert.match(html, /<th[^>]*>we measure<\/th>/);
  assert.equal(fmt(NaN), '–');
  assert.equal(fmt(0.12345), '0.123');
  assert.equal(signed(0.1), '+0.100');
  assert.equal(signed(-0.05, 2), '-0.05');
  assert.equal(pct(93.456), '93.46%');
  assert.equal(mean([1, 2, 3, NaN]), 2);
  assert.ok(Math.abs(std([2, 4, 4, 4, 5, 5, 7, 9]) - Math.sqrt(32 / 7)) < 1e-12);
  assert.equal(std([3]), 0);
  assert.ok(nonDecreasing([1, 1, 2]));
  assert.ok(!nonDecreasing([1, 0.9, 2]));
  assert.ok(nonDecreasing([1, 0.9, 2], 0.2));
});

test('mutual-correlation summary: means over supernet pairs, with GT and with P', () => {
  const m: CorrelationMatrix = {
    method: 'spearman',
    columns: ['a', 'b', 'c', 'GT', 'P'],
    labels: ['a', 'b', 'c', 'GT', 'P'],
    matrix: [
      [1, 0.9, 0.8, 0.3, 0.5],
      [0.9, 1, 0.7, 0.2, 0.4],
      [0.8, 0.7, 1, 0.1, 0.6],
      [0.3, 0.2, 0.1, 1, 0.7],
      [0.5, 0.4, 0.6, 0.7, 1],
    ],
    counts: [],
    provenance: { sources: [], columns: {} },
  };
  const s = summarizeMutual(m);
  assert.ok(Math.abs(s.supernetPairs - 0.8) < 1e-12);
  assert.ok(Math.abs(s.supernetVsTruth - 0.2) < 1e-12);
  assert.ok(Math.abs(s.supernetVsParams - 0.5) < 1e-12);
  assert.equal(s.truthVsParams, 0.7);
  assert.equal(s.pairs, 3);
});

test('training tricks: samplers come from the trainer exports; dataset rows pair datasets', () => {
  assert.deepEqual(supportedSamplers({ SCALES: ['smoke', 'laptop'], other: 1 }), ['uniform']);
  assert.deepEqual(supportedSamplers({ SUPERNET_SAMPLERS: ['uniform', 'fairnas', 'multi-path'] }), [
    'uniform',
    'fairnas',
    'multi-path',
  ]);
  assert.equal(alternateDataset('cifar10'), 'cifar100');
  assert.equal(alternateDataset('cifar100'), 'cifar10');
  assert.equal(alternateDataset('cifar10-subset'), 'fashion-mnist');
  assert.equal(alternateDataset('fashion-mnist'), null);
});
