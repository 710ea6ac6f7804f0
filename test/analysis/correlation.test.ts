import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  averageRanks,
  kendallCounts,
  kendallTauA,
  kendallTauB,
  sparseKendallTau,
  spearman,
  spearmanFromRanks,
  percentileRank,
} from '../../src/analysis';
import { close, correlatedNormals, naiveSpearman, naiveTauB, randomInts } from './helpers';

test('Kendall tau-b: hand-counted example with ties in x, in y and in both', () => {
  // pairs: C = 2, D = 6, tied in x: (12,12),(2,2); tied in y: (1,1) -> -4 / sqrt(8 * 9)
  const x = [12, 2, 1, 12, 2];
  const y = [1, 4, 7, 1, 0];
  const c = kendallCounts(x, y);
  assert.deepEqual(
    [c.concordant, c.discordant, c.tiesX, c.tiesY, c.tiesXY, c.pairs],
    [2, 6, 2, 1, 1, 10],
  );
  assert.ok(close(kendallTauB(x, y), -4 / Math.sqrt(72)));
  assert.ok(close(kendallTauB(x, y), -0.47140452079103173)); // value printed in textbooks/docs
  assert.ok(close(kendallTauA(x, y), -0.4));
});

test('Kendall tau-b and Spearman: small example computed by hand', () => {
  // C = 3, D = 1, one x tie, one y tie -> tau_b = 2 / 5; midranks give rho = 2.25 / 4.5
  const x = [1, 2, 2, 3];
  const y = [1, 3, 2, 2];
  assert.ok(close(kendallTauB(x, y), 0.4));
  assert.ok(close(spearman(x, y), 0.5, 1e-12));
  assert.deepEqual(averageRanks(x), [1, 2.5, 2.5, 4]);
});

test('Spearman with ties uses midranks: textbook example', () => {
  // y midranks 1, 2, 3.5, 5, 3.5 -> rho = 8 / sqrt(10 * 9.5)
  const r = spearman([1, 2, 3, 4, 5], [5, 6, 7, 8, 7]);
  assert.ok(close(r, 8 / Math.sqrt(95)));
  assert.ok(close(r, 0.8207826816681233));
  // the library result does not depend on the order of the pairs (ranks are not positional)
  assert.ok(close(spearman([5, 4, 3, 2, 1], [7, 8, 7, 6, 5]), r));
});

test('O(n log n) tau-b equals the O(n^2) definition on tie-heavy random data', () => {
  for (let seed = 1; seed <= 40; seed++) {
    const n = 2 + ((seed * 7) % 60);
    const x = randomInts(n, 1 + (seed % 6), seed);
    const y = randomInts(n, 1 + ((seed * 3) % 7), seed + 1000);
    const fast = kendallTauB(x, y);
    const slow = naiveTauB(x, y);
    if (Number.isNaN(slow)) assert.ok(Number.isNaN(fast), `seed ${seed}`);
    else assert.ok(close(fast, slow, 1e-12), `seed ${seed}: ${fast} vs ${slow}`);
  }
  const { x, y } = correlatedNormals(500, 0.5, 3);
  assert.ok(close(kendallTauB(x, y), naiveTauB(x, y), 1e-12));
});

test('Spearman (simple-statistics) equals an independent midrank implementation', () => {
  for (let seed = 1; seed <= 30; seed++) {
    const n = 3 + ((seed * 5) % 40);
    const x = randomInts(n, 2 + (seed % 5), seed);
    const y = randomInts(n, 3 + (seed % 4), seed + 500);
    const slow = naiveSpearman(x, y);
    if (Number.isNaN(slow)) continue;
    assert.ok(close(spearman(x, y), slow, 1e-12), `seed ${seed}`);
    assert.ok(close(spearmanFromRanks(x, y), slow, 1e-12), `seed ${seed}`);
  }
});

test('properties: identity, reversal, symmetry, monotone invariance', () => {
  const { x, y } = correlatedNormals(200, 0.7, 11);
  const neg = x.map((v) => -v);
  for (const f of [kendallTauB, spearman]) {
    assert.ok(close(f(x, x), 1));
    assert.ok(close(f(x, neg), -1));
    assert.ok(close(f(x, y), f(y, x)));
    const monotone = x.map((v) => Math.exp(3 * v) + v ** 3);
    assert.ok(close(f(monotone, y), f(x, y)));
    assert.ok(
      close(
        f(
          x,
          y.map((v) => -v),
        ),
        -f(x, y),
      ),
    );
  }
  // with ties too
  const t = randomInts(100, 5, 2);
  assert.ok(close(kendallTauB(t, t), 1));
  assert.ok(
    close(
      kendallTauB(
        t,
        t.map((v) => 10 - 2 * v),
      ),
      -1,
    ),
  );
});

test('constant input gives NaN (undefined), bad input throws naming it', () => {
  assert.ok(Number.isNaN(kendallTauB([1, 1, 1], [1, 2, 3])));
  assert.ok(Number.isNaN(spearman([1, 2, 3], [4, 4, 4])));
  assert.throws(() => kendallTauB([1, 2], [1]), /x has 2 values but y has 1/);
  assert.throws(() => spearman([1, NaN, 3], [1, 2, 3]), /x\[1\] is not a finite number/);
});

test('sparse Kendall tau: hand-counted, threshold ties are not transitive', () => {
  // truth 90 and 90.05 tie at threshold 0.1: C = 2, D = 3, Ty = 1 -> -1 / sqrt(6 * 5)
  const est = [1, 2, 3, 4];
  const truth = [90, 90.05, 91, 89];
  assert.ok(close(sparseKendallTau(est, truth, 0.1), -1 / Math.sqrt(30)));
  assert.ok(close(sparseKendallTau(est, truth, 0), 0)); // C = 3, D = 3
  // 0 ~ 0.06 ~ 0.12 but 0 and 0.12 differ by more than 0.1: C = 1, Ty = 2
  assert.ok(close(sparseKendallTau([1, 2, 3], [0, 0.06, 0.12], 0.1), 1 / Math.sqrt(3)));
  // a difference of exactly the threshold is not a tie, despite floating point (93.5-93.4)
  assert.ok(close(sparseKendallTau([1, 2], [93.4, 93.5], 0.1), 1));
});

test('sparse Kendall tau equals the O(n^2) definition and reduces to tau-b at threshold 0', () => {
  for (let seed = 1; seed <= 25; seed++) {
    const n = 2 + ((seed * 11) % 80);
    const est = randomInts(n, 3 + (seed % 9), seed);
    const truth = randomInts(n, 50, seed + 99).map((v) => 90 + v / 10);
    for (const th of [0, 0.05, 0.1, 0.3, 1]) {
      const fast = sparseKendallTau(est, truth, th);
      const slow = naiveTauB(est, truth, th);
      if (Number.isNaN(slow)) assert.ok(Number.isNaN(fast));
      else assert.ok(close(fast, slow, 1e-12), `seed ${seed} th ${th}: ${fast} vs ${slow}`);
    }
    assert.ok(
      close(sparseKendallTau(est, truth, 0), kendallTauB(est, truth), 1e-12) ||
        Number.isNaN(kendallTauB(est, truth)),
    );
  }
  assert.throws(() => sparseKendallTau([1, 2], [1, 2], -1), /threshold must be >= 0/);
});

test('percentile rank of a chosen architecture', () => {
  const p = percentileRank([1, 2, 3, 4], 3);
  assert.deepEqual(p, { percentile: 62.5, betterPercent: 25, rank: 2, n: 4 });
  assert.equal(percentileRank([10, 20, 30], 30).rank, 1);
  assert.equal(percentileRank([10, 20, 30], 10, false).rank, 1); // lower is better (perplexity)
  assert.equal(percentileRank([5, 5, 5, 5], 5).percentile, 50);
});
