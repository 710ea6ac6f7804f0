import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as aq from 'arquero';
import {
  mutualCorrelation,
  nb201EdgeOps,
  operatorBias,
  sizeBias,
  spearman,
  kendallTauB,
  entropyCurve,
  meanSimplexEntropy,
  meanStdByX,
  simplexEntropy,
  softmax,
} from '../../src/analysis';
import { close, nb201 } from './helpers';

const archs = [
  nb201('nor_conv_1x1', 'nor_conv_3x3'),
  nb201('nor_conv_1x1', 'nor_conv_3x3').replace('|nor_conv_1x1~0|+', '|avg_pool_3x3~0|+'),
  nb201('nor_conv_1x1', 'skip_connect'),
  nb201('nor_conv_1x1', 'skip_connect').replace('|nor_conv_1x1~0|+', '|avg_pool_3x3~0|+'),
];

test('NB-201 strings decode to ops per edge; malformed ones are named', () => {
  assert.deepEqual(nb201EdgeOps(archs[0]), [
    'nor_conv_1x1',
    'nor_conv_1x1',
    'nor_conv_1x1',
    'nor_conv_3x3',
    'nor_conv_1x1',
    'nor_conv_1x1',
  ]);
  assert.throws(
    () => nb201EdgeOps('|conv~0|+|none~0|none~1|+|none~0|none~1|none~2|'),
    /unknown op "conv"/,
  );
  assert.throws(() => nb201EdgeOps('|none~0|'), /expected 3 node groups/);
});

test('operator bias: hand-computed ranks for conv3x3 vs skip on edge 0-3', () => {
  // supernet favours conv3x3 on 0-3 (scores 4, 3), ground truth favours skip (truth 3, 4)
  const t = aq.table({ arch: archs, score: [4, 3, 2, 1], truth: [1, 2, 3, 4] });
  const b = operatorBias(t, { score: 'score', truth: 'truth', topFraction: 0.25 });
  assert.deepEqual(b.edges, ['0-1', '0-2', '1-2', '0-3', '1-3', '2-3']);
  const cell = (edge: string, op: string) => b.cells.find((c) => c.edge === edge && c.op === op)!;
  const conv = cell('0-3', 'nor_conv_3x3');
  // normalised ranks: score A 1, B 2/3, C 1/3, D 0; truth A 0, B 1/3, C 2/3, D 1
  assert.equal(conv.count, 2);
  assert.ok(close(conv.meanScoreRank, 5 / 6));
  assert.ok(close(conv.meanTruthRank, 1 / 6));
  assert.ok(close(conv.bias, 2 / 3));
  assert.ok(close(cell('0-3', 'skip_connect').bias, -2 / 3));
  assert.equal(conv.topShareScore, 1);
  assert.equal(conv.topShareTruth, 0);
  assert.equal(cell('0-3', 'skip_connect').topShareTruth, 1);
  // edge 0-1: avg_pool on B and D -> score ranks 2/3, 0; truth ranks 1/3, 1
  assert.ok(close(cell('0-1', 'avg_pool_3x3').bias, 1 / 3 - 2 / 3));
  assert.ok(close(cell('1-3', 'nor_conv_1x1').bias, 0));
  assert.equal(Math.abs(b.mostBiased.bias), 2 / 3);
  assert.equal(b.mostBiased.edge, '0-3');
  assert.equal(b.long.numRows(), 4 * 6);
  assert.deepEqual(conv.score, { mean: 3.5, median: 3.5, q25: 3.25, q75: 3.75, min: 3, max: 4 });
});

test('size bias: a supernet that ranks by size', () => {
  const params = [1.2, 0.9, 0.5, 0.3, 0.1];
  const score = [5, 4, 3, 2, 1];
  const truth = [3, 5, 4, 1, 2];
  const t = aq.table({ params, score, truth });
  const s = sizeBias(t, { score: 'score', truth: 'truth', params: 'params' });
  assert.ok(close(s.scoreVsParams.spearman, 1));
  assert.ok(close(s.scoreVsTruth.spearman, spearman(score, truth)));
  assert.ok(close(s.truthVsParams.kendall, kendallTauB(truth, params)));
  assert.equal(s.favoursSize, true);
});

test('mutual correlation matrix: symmetric, unit diagonal, entries are pairwise correlations', () => {
  const t = aq.table({
    e10: [1, 2, 3, 4, 5, 6],
    e100: [2, 1, 3, 5, 4, 6],
    gt: [6, 5, 4, 3, 2, 1],
    p: [1, 1, 2, 2, 3, 3],
  });
  const m = mutualCorrelation(t, ['e10', 'e100', 'gt', 'p'], { labels: ['10', '100', 'GT', 'P'] });
  assert.deepEqual(m.labels, ['10', '100', 'GT', 'P']);
  for (let i = 0; i < 4; i++) {
    assert.equal(m.matrix[i][i], 1);
    for (let j = 0; j < 4; j++) assert.equal(m.matrix[i][j], m.matrix[j][i]);
  }
  assert.ok(close(m.matrix[0][1], 1 - (6 * 4) / (6 * 35))); // d^2 = 4, n = 6
  assert.ok(close(m.matrix[0][2], -1));
  const k = mutualCorrelation(t, ['e10', 'p'], { method: 'kendall' });
  assert.ok(close(k.matrix[0][1], kendallTauB([1, 2, 3, 4, 5, 6], [1, 1, 2, 2, 3, 3])));
  assert.throws(() => mutualCorrelation(t, ['e10', 'missing']), /no column 'missing'/);
  const holes = aq.table({ a: [1, 2, 3, null], b: [1, 2, 3, 4] });
  assert.throws(() => mutualCorrelation(holes, ['a', 'b']), /column 'a' is missing at row 4/);
  assert.equal(mutualCorrelation(holes, ['a', 'b'], { skipMissing: true }).counts[0][1], 3);
});

test('entropy of architecture-weight simplices', () => {
  assert.ok(close(simplexEntropy([0.2, 0.2, 0.2, 0.2, 0.2]), Math.log(5)));
  assert.equal(simplexEntropy([0, 1, 0, 0, 0]), 0);
  assert.ok(close(simplexEntropy([0.5, 0.5, 0, 0], true), Math.log(2) / Math.log(4)));
  assert.ok(close(simplexEntropy([0.25, 0.75]), -(0.25 * Math.log(0.25) + 0.75 * Math.log(0.75))));
  assert.deepEqual(softmax([0, 0]), [0.5, 0.5]);
  assert.ok(
    close(
      meanSimplexEntropy(
        [
          [0, 0],
          [100, -100],
        ],
        { fromLogits: true },
      ),
      Math.log(2) / 2,
      1e-12,
    ),
  );
  assert.throws(() => simplexEntropy([0.5, 0.6]), /sum to 1.1/);
  assert.throws(() => simplexEntropy([1.5, -0.5]), /weight 1 is -0.5/);
  const curve = entropyCurve([
    {
      epoch: 1,
      simplices: [
        [0.5, 0.5],
        [1, 0],
      ],
    },
    {
      epoch: 2,
      simplices: [
        [1, 0],
        [1, 0],
      ],
    },
  ]);
  assert.ok(close(curve[0].meanEntropy, Math.log(2) / 2));
  assert.equal(curve[1].meanEntropy, 0);
  const ms = meanStdByX([
    [
      { x: 1, y: 1 },
      { x: 2, y: 4 },
    ],
    [
      { x: 1, y: 3 },
      { x: 2, y: 4 },
    ],
  ]);
  assert.deepEqual(ms, [
    { x: 1, mean: 2, std: Math.SQRT2, n: 2 },
    { x: 2, mean: 4, std: 0, n: 2 },
  ]);
});
