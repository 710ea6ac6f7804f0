// The noise ceiling against synthetic tables with known noise: latent quality T ~ N(0, s^2), each
// seed adds independent N(0, e^2). Oracles: the population Pearson between two seeds is
// r = s^2 / (s^2 + e^2), the population Spearman (6/pi) asin(r/2), Kendall (2/pi) asin(r); the
// ceiling against the mean of seeds is checked against Spearman(T, mean) computed directly from
// the latent T, and bootstrap intervals against the simulated sampling distribution.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spearman } from '../../src/analysis';
import {
  ceilingAgainstMean,
  effectiveSeeds,
  noiseCeiling,
  pearsonFromSpearman,
  spearmanBrown,
  spearmanFromPearson,
} from '../../src/analysis/ceiling';
import { quantileSorted } from '../../src/analysis/bootstrap';
import { createRng } from '../../src/engine/random';

const S = 1;
const E = 0.5;
const R = (S * S) / (S * S + E * E); // 0.8
const RHO = (6 / Math.PI) * Math.asin(R / 2); // 0.7858

/** n cells: latent quality and `seeds` noisy measurements of each. */
function table(n: number, seeds: number, seed: number) {
  const rng = createRng(seed);
  const latent: number[] = [];
  const measured: number[][] = Array.from({ length: seeds }, () => []);
  for (let i = 0; i < n; i++) {
    const t = rng.normal(0, S);
    latent.push(t);
    for (const m of measured) m.push(t + rng.normal(0, E));
  }
  return { latent, measured };
}

test('seed agreement on a large table matches the population Pearson, Spearman and Kendall', () => {
  const { measured } = table(20000, 2, 1);
  const c = noiseCeiling(measured[0], measured[1], { noIntervals: true });
  // standard errors at n = 20000: about 0.003 (Spearman) and 0.003 (Pearson)
  assert.ok(Math.abs(c.pearson - R) < 0.01, `Pearson ${c.pearson} vs ${R}`);
  assert.ok(Math.abs(c.spearman - RHO) < 0.01, `Spearman ${c.spearman} vs ${RHO}`);
  const tau = (2 / Math.PI) * Math.asin(R);
  assert.ok(Math.abs(c.kendall - tau) < 0.01, `Kendall ${c.kendall} vs ${tau}`);
  assert.equal(c.n, 20000);
  assert.equal(c.spearmanCI, null);
});

test('ceiling against the mean of 2 and 3 seeds equals Spearman(latent, mean) simulated', () => {
  const n = 20000;
  const { latent, measured } = table(n, 3, 2);
  // half the cells have 2 seeds, half 3 (like a table with a third seed for a subset)
  const k = latent.map((_, i) => (i % 2 === 0 ? 2 : 3));
  const mean = latent.map((_, i) => {
    let s = 0;
    for (let j = 0; j < k[i]; j++) s += measured[j][i];
    return s / k[i];
  });
  const direct = spearman(latent, mean); // the best estimator: the latent quality itself
  const c = noiseCeiling(measured[0], measured[1], { noIntervals: true, seedsPerCell: k });
  assert.ok(Math.abs(c.meanOfSeeds.k - 2.4) < 1e-12, `k ${c.meanOfSeeds.k}`);
  assert.ok(
    Math.abs(c.meanOfSeeds.spearman - direct) < 0.01,
    `ceiling ${c.meanOfSeeds.spearman} vs simulated ${direct}`,
  );
  // the ceiling sits above the seed agreement: the mean is less noisy than one seed
  assert.ok(c.meanOfSeeds.spearman > c.spearman + 0.1);
  // an estimator with its own noise (here: a fourth, unseen training) stays below the ceiling
  const rng = createRng(3);
  const other = latent.map((t) => t + rng.normal(0, E));
  assert.ok(spearman(other, mean) < c.meanOfSeeds.spearman);
});

test('closed forms: Spearman-Brown and the normal-model links', () => {
  assert.ok(Math.abs(spearmanBrown(0.5, 2) - 2 / 3) < 1e-12);
  assert.ok(Math.abs(spearmanBrown(0.8, 1) - 0.8) < 1e-12);
  assert.ok(Math.abs(spearmanFromPearson(0.5) - (6 / Math.PI) * Math.asin(0.25)) < 1e-12);
  assert.ok(Math.abs(spearmanFromPearson(1) - 1) < 1e-12);
  assert.ok(Math.abs(pearsonFromSpearman(spearmanFromPearson(0.37)) - 0.37) < 1e-12);
  // r = 0.8, k = 2: r_2 = 1.6 / 1.8, Pearson ceiling sqrt(8/9)
  const expected = (6 / Math.PI) * Math.asin(Math.sqrt(8 / 9) / 2);
  assert.ok(Math.abs(ceilingAgainstMean(RHO, 2) - expected) < 1e-12);
  assert.equal(ceilingAgainstMean(-0.2, 2), 0);
  assert.ok(Math.abs(effectiveSeeds([2, 2, 3, 3]) - 2.4) < 1e-12);
  assert.throws(() => effectiveSeeds([2, 0]), /a seed count is 0, not an integer >= 1/);
});

test('bootstrap interval of the seed agreement has the width of the sampling distribution', () => {
  const n = 200;
  // the simulated reference: Spearman of many fresh tables of n cells from the same population
  const fresh: number[] = [];
  for (let i = 0; i < 2000; i++) {
    const { measured } = table(n, 2, 1000 + i);
    fresh.push(spearman(measured[0], measured[1]));
  }
  fresh.sort((a, b) => a - b);
  const simulated = quantileSorted(fresh, 0.975) - quantileSorted(fresh, 0.025);
  // (about 0.12 wide at n = 200, rho 0.79)
  assert.ok(simulated > 0.08 && simulated < 0.16, `simulated width ${simulated}`);
  for (const seed of [7, 8, 9]) {
    const { measured } = table(n, 2, seed);
    const c = noiseCeiling(measured[0], measured[1], { resamples: 2000, seed });
    const width = c.spearmanCI!.high - c.spearmanCI!.low;
    assert.ok(
      Math.abs(width / simulated - 1) < 0.25,
      `bootstrap width ${width} vs simulated ${simulated} (table ${seed})`,
    );
  }
});

test('the mapped interval of the mean-of-seeds ceiling covers the population ceiling', () => {
  const population = ceilingAgainstMean(RHO, 2);
  const datasets = 40;
  let covered = 0;
  for (let d = 0; d < datasets; d++) {
    const { measured } = table(200, 2, 5000 + d);
    const c = noiseCeiling(measured[0], measured[1], { resamples: 300, seed: d });
    const ci = c.meanOfSeeds.spearmanCI!;
    assert.ok(ci.low <= c.meanOfSeeds.spearman && c.meanOfSeeds.spearman <= ci.high);
    if (ci.low <= population && population <= ci.high) covered++;
  }
  // nominal 95 %: at least 34 of 40 (the chance of fewer at 95 % coverage is below 2 %)
  assert.ok(covered >= 34, `covered ${covered} of ${datasets}`);
});
