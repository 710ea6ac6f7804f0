// The regime sentences follow the numbers: sign, whether the interval includes 0, the ceiling and
// the seed's reference values.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { noiseCeiling } from '../../src/analysis/ceiling';
import { regimeSentences, type RegimeInput } from '../../src/study/regime';
import { SEED_001 } from '../../src/study/seed-reference';

const ceiling = noiseCeiling([1, 2, 3, 4, 5, 6, 7, 8], [1, 3, 2, 4, 5, 7, 6, 8], { seed: 1 });
const base: RegimeInput = {
  epoch: 30,
  spearman: -0.3,
  spearmanCI: { low: -0.42, high: -0.17 },
  scoreParams: -0.33,
  scoreParamsCI: { low: -0.45, high: -0.2 },
  truthParams: 0.41,
  ceiling,
  reference: SEED_001.nb201,
};

test('a negative size bias against the seed reads as the opposite of seed 001', () => {
  const [ranking, size, noise] = regimeSentences(base);
  assert.equal(
    ranking,
    'at this budget (30 supernet epochs) the supernet ranks cells in the reverse order of the ground truth: ' +
      'rho = -0.30 [-0.42, -0.17]; seed 001 reports rho 0.70 at 1000 epochs, above this run',
  );
  assert.equal(
    size,
    'at this budget the supernet prefers small, parameter-free cells: rho(score, params) = -0.33 ' +
      '[-0.45, -0.20] (rho(ground truth, params) = 0.41); seed 001 reports the opposite (weight ' +
      'sharing favours big models) at 1000 epochs',
  );
  // seeds agree at 0.952 (two swaps of neighbours in 8): a clear ceiling sentence
  assert.match(noise, /^noise ceiling: two trainings of the same cell agree at rho = 0\.95 \[/);
  assert.match(noise, /against the mean of 2\.0 seeds no estimator can exceed about rho 0\.9\d/);
});

test('intervals that include 0 read as chance / no preference; positive ones meet the ceiling', () => {
  const chance = regimeSentences({
    ...base,
    spearman: 0.05,
    spearmanCI: { low: -0.1, high: 0.2 },
    scoreParams: 0.1,
    scoreParamsCI: { low: -0.05, high: 0.24 },
  });
  assert.match(chance[0], /ranks cells no better than chance: rho = 0\.05 \[-0\.10, 0\.20\]/);
  assert.match(chance[1], /^no clear size preference: rho\(score, params\) = 0\.10/);
  const good = regimeSentences({
    ...base,
    spearman: 0.93,
    spearmanCI: { low: 0.9, high: 0.96 },
    scoreParams: 0.5,
    scoreParamsCI: { low: 0.4, high: 0.6 },
  });
  assert.match(good[0], /as well as the ground truth's noise allows: rho = 0\.93/);
  assert.match(good[0], /seed 001 reports rho 0\.70 at 1000 epochs, within reach of this run/);
  assert.match(good[1], /^the supernet prefers big cells: .*seed 001 reports the same/);
  const below = regimeSentences({ ...base, spearman: 0.4, spearmanCI: { low: 0.3, high: 0.5 } });
  const pct = Math.round((100 * 0.4) / ceiling.meanOfSeeds.spearman);
  assert.match(
    below[0],
    new RegExp(`better than chance but below the noise ceiling: .* \\(${pct} % of it\\)`),
  );
});

test('no ceiling and no seed reference: says so, and no seed comparison', () => {
  const [ranking, size, noise] = regimeSentences({ ...base, ceiling: null, reference: null });
  assert.doesNotMatch(ranking + size, /seed 001/);
  assert.match(noise, /^no noise ceiling: the ground truth has one training per cell/);
  const noisy = noiseCeiling([1, 2, 3, 4, 5, 6], [6, 5, 4, 3, 2, 1], { noIntervals: true });
  assert.match(
    regimeSentences({ ...base, ceiling: noisy })[2],
    /does not separate cells, so no correlation against it means anything/,
  );
});
