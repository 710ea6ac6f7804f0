// The study summary on a hand-worked case of four architectures.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatSummary, summarize } from '../../src/study';

const scores = [1, 2, 3, 4].map((s, i) => ({ arch: `a${i}`, accuracy: s, loss: 0 }));
// Validation ranks 1 2 4 3 against score ranks 1 2 3 4: sum d^2 = 2, rho = 1 - 6*2/(4*15) = 0.8;
// one discordant pair of six: tau = (5 - 1) / 6. Parameters fall as the score rises.
const truth = [10, 20, 40, 30].map((v, i) => ({
  arch: `a${i}`,
  val_accuracy: v,
  test_accuracy: v + 1,
  params: 4 - i,
  flops: 0,
  epochs: 1,
  seconds: 0,
}));

test('summary: Spearman, Kendall, parameter baseline and size bias by hand', () => {
  const s = summarize(scores, truth, 7, [1, 2]);
  assert.equal(s.n, 4);
  assert.ok(Math.abs(s.spearman - 0.8) < 1e-12);
  assert.ok(Math.abs(s.kendall - 4 / 6) < 1e-12);
  assert.ok(Math.abs(s.spearmanParams + 0.8) < 1e-12);
  assert.ok(Math.abs(s.spearmanScoreParams + 1) < 1e-12);
  // top-1: the best score (a3) itself; top-2: a2 and a3, a2 has the better validation accuracy.
  assert.deepEqual(
    s.topK.map((t) => [t.k, t.arch, t.test]),
    [
      [1, 'a3', 31],
      [2, 'a2', 41],
    ],
  );
  assert.deepEqual(s.best, { arch: 'a2', val: 40, test: 41 });
  assert.match(
    formatSummary(s),
    /size bias: Spearman of supernet score vs parameter count -1\.000/,
  );
});
