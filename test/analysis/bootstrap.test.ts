import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as aq from 'arquero';
import { bootstrapCI, correlateColumns, correlationSummary } from '../../src/analysis';
import { correlatedNormals } from './helpers';

test('bootstrap CIs cover the population Spearman and Kendall on synthetic normal data', () => {
  // bivariate normal, rho = 0.6: Spearman = 6/pi asin(rho/2), Kendall = 2/pi asin(rho)
  const rho = 0.6;
  const trueSpearman = (6 / Math.PI) * Math.asin(rho / 2);
  const trueKendall = (2 / Math.PI) * Math.asin(rho);
  const datasets = 120;
  let coverS = 0;
  let coverK = 0;
  for (let d = 0; d < datasets; d++) {
    const { x, y } = correlatedNormals(80, rho, 1000 + d);
    const s = correlationSummary(x, y, { resamples: 300, seed: d });
    if (s.spearmanCI!.low <= trueSpearman && trueSpearman <= s.spearmanCI!.high) coverS++;
    if (s.kendallCI!.low <= trueKendall && trueKendall <= s.kendallCI!.high) coverK++;
  }
  // nominal 95%; the percentile bootstrap is slightly liberal at n = 80
  assert.ok(coverS / datasets >= 0.88, `Spearman coverage ${coverS / datasets}`);
  assert.ok(coverK / datasets >= 0.88, `Kendall coverage ${coverK / datasets}`);
  assert.ok(coverS / datasets <= 1 && coverK / datasets <= 1);
});

test('bootstrap is seeded: same seed, same interval; interval brackets the estimate', () => {
  const { x, y } = correlatedNormals(100, 0.5, 7);
  const a = correlationSummary(x, y, { seed: 3, resamples: 200 });
  const b = correlationSummary(x, y, { seed: 3, resamples: 200 });
  assert.deepEqual(a.spearmanCI, b.spearmanCI);
  assert.ok(a.spearmanCI!.low < a.spearman && a.spearman < a.spearmanCI!.high);
  assert.ok(a.kendallCI!.low < a.kendall && a.kendall < a.kendallCI!.high);
  assert.equal(a.spearmanCI!.valid, 200);
});

test('bootstrap CI of a mean matches the normal approximation', () => {
  const { x } = correlatedNormals(400, 0, 21);
  const ci = bootstrapCI(x.length, (idx) => idx.reduce((s, i) => s + x[i], 0) / idx.length, {
    resamples: 2000,
    seed: 1,
  });
  const mean = x.reduce((s, v) => s + v, 0) / x.length;
  const sd = Math.sqrt(x.reduce((s, v) => s + (v - mean) ** 2, 0) / (x.length - 1));
  const half = (1.96 * sd) / Math.sqrt(x.length);
  assert.ok(Math.abs(ci.low - (mean - half)) < 0.25 * half);
  assert.ok(Math.abs(ci.high - (mean + half)) < 0.25 * half);
});

test('correlateColumns: errors name the column, the row and the architecture', () => {
  const t = aq.table({ arch: ['a', 'b', 'c', 'd'], s: [1, 2, 3, 4], g: ['1', '2', 'abc', '4'] });
  assert.throws(
    () => correlateColumns(t, 's', 'gt'),
    /no column 'gt'; available columns: 'arch', 's', 'g'/,
  );
  assert.throws(
    () => correlateColumns(t, 's', 'g'),
    /column 'g' is not a finite number: "abc" at row 3 \(arch "c"\)/,
  );
  const withNaN = aq.table({ arch: ['a', 'b', 'c', 'd'], s: [1, NaN, 3, 4], g: [1, 2, 3, 4] });
  assert.throws(() => correlateColumns(withNaN, 's', 'g'), /column 's' .* at row 2 \(arch "b"\)/);
  const ok = correlateColumns(
    t.filter((r: { arch: string }) => r.arch !== 'c'),
    's',
    's',
    {
      noIntervals: true,
    },
  );
  assert.equal(ok.n, 3);
  assert.equal(ok.kendall, 1);
  assert.deepEqual(ok.provenance.columns, { x: 's', y: 's' });
});
