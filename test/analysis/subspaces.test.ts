import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as aq from 'arquero';
import {
  downscaledSpaces,
  prunedSpaces,
  scaledSpaceSummary,
  spaceMetrics,
} from '../../src/analysis';
import { close, correlatedNormals } from './helpers';

// valid 8..1 (row 0 best), test = valid + 0.5, score ranks the other way round
const t = aq.table({
  score: [1, 2, 3, 4, 5, 6, 7, 8],
  valid: [8, 7, 6, 5, 4, 3, 2, 1],
  test: [8.5, 7.5, 6.5, 5.5, 4.5, 3.5, 2.5, 1.5],
});
const cols = { score: 'score', valid: 'valid', test: 'test' };

test('pruned by ground truth: best half, hand-computed top-2 and random top-2', () => {
  const p = prunedSpaces(t, cols, { keepBy: 'truth', factors: [1, 2, 4, 8], k: 2 });
  assert.deepEqual(p.skipped, [4, 8]); // 2 and 1 architectures are too few
  const half = p.rows.find((r) => r.factor === 2)!;
  assert.equal(half.size, 4); // rows 0..3, validation 8, 7, 6, 5
  assert.equal(half.spearman, -1);
  assert.equal(half.best, 8.5);
  assert.equal(half.topK, 6.5); // top-2 by score = rows 3, 2 -> validation 6 wins
  // random 2 of 4: P(best = 8) = 1/2, P(7) = 1/3, P(6) = 1/6
  assert.ok(close(half.randomTopK, 0.5 * 8.5 + 7.5 / 3 + 6.5 / 6));
});

test('pruned by supernet estimate keeps the best-scored half', () => {
  const p = prunedSpaces(t, cols, { keepBy: 'estimate', factors: [2], k: 2 });
  const half = p.rows[0];
  assert.equal(half.best, 4.5); // rows 4..7
  assert.equal(half.topK, 2.5); // top-2 by score = rows 7, 6 -> validation 2 wins
});

test('down-scaled spaces: sizes, repetitions, bands, factor 1 = whole space', () => {
  const { x, y } = correlatedNormals(256, 0.7, 3);
  const big = aq.table({ score: x, valid: y, test: y });
  const d = downscaledSpaces(big, cols, { factors: [1, 4, 16], repetitions: 3, seed: 5, k: 5 });
  assert.equal(d.runs.length, 9);
  assert.deepEqual(
    d.summary.map((s) => [s.factor, s.size, s.count]),
    [
      [1, 256, 3],
      [4, 64, 3],
      [16, 16, 3],
    ],
  );
  const whole = spaceMetrics(big, cols, 5);
  assert.ok(close(d.summary[0].spearman.mean, whole.spearman));
  for (const s of d.summary) {
    assert.ok(s.spearman.min <= s.spearman.mean && s.spearman.mean <= s.spearman.max);
  }
  const again = downscaledSpaces(big, cols, { factors: [1, 4, 16], repetitions: 3, seed: 5, k: 5 });
  assert.deepEqual(again.runs, d.runs);
  const runs = scaledSpaceSummary(
    [
      { factor: 2, table: t },
      { factor: 2, table: t },
    ],
    cols,
    2,
  );
  assert.equal(runs.summary[0].count, 2);
  assert.equal(runs.summary[0].spearman.mean, -1);
});
