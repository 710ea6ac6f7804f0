import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as aq from 'arquero';
import {
  randomTopK,
  sampledTopK,
  simulateRandomTopK,
  topK,
  topKFromTable,
  withSources,
} from '../../src/analysis';
import { close, correlatedNormals } from './helpers';

const score = [0.9, 0.8, 0.7, 0.6, 0.5];
const valid = [70, 72, 71, 75, 60];
const testAcc = [69, 71.5, 70.5, 74, 59];

test('top-k as seed 001 defines it: best validation among the k best scores, report test', () => {
  const a = { score, valid, test: testAcc };
  assert.equal(topK(a, 1).test, 69); // only row 0
  assert.equal(topK(a, 3).test, 71.5); // rows 0,1,2 -> best validation 72 is row 1
  assert.equal(topK(a, 3).index, 1);
  assert.deepEqual(topK(a, 3).chosen, [0, 1, 2]);
  assert.equal(topK(a, 5).test, 74); // whole space -> row 3 (validation 75)
  assert.throws(() => topK(a, 0), /k must be an integer in \[1, 5\]/);
  assert.throws(() => topK(a, 6), /k must be an integer/);
});

test('top-k reports ties at the cut', () => {
  const r = topK({ score: [3, 2, 2, 2], valid: [1, 2, 3, 4], test: [1, 2, 3, 4] }, 2);
  assert.equal(r.tiedAtCut, 2);
  assert.deepEqual(r.chosen, [0, 1]);
});

test('random top-k: exact expectation enumerated by hand', () => {
  // k = 2 of 3: {0,1} -> 20, {0,2} -> 30, {1,2} -> 30
  assert.ok(close(randomTopK([1, 2, 3], [10, 20, 30], 2).mean, 80 / 3));
  // tie in validation between rows 1 and 2: {1,2} reports 20 or 40 with equal chance
  const tied = randomTopK([1, 2, 2], [10, 20, 40], 2);
  assert.ok(close(tied.mean, (20 + 40 + 30) / 3));
  assert.ok(
    close(
      tied.probability.reduce((s, p) => s + p, 0),
      1,
    ),
  );
  // k = 1 is the plain mean; k = n is the best validation's test value
  assert.ok(close(randomTopK([1, 2, 3], [10, 20, 30], 1).mean, 20));
  assert.ok(close(randomTopK([1, 2, 3], [10, 20, 30], 3).mean, 30));
  // variance for k = 2 of 3: values 20 (1/3), 30 (2/3)
  const r = randomTopK([1, 2, 3], [10, 20, 30], 2);
  assert.ok(close(r.std, Math.sqrt((1 / 3) * (20 - 80 / 3) ** 2 + (2 / 3) * (30 - 80 / 3) ** 2)));
});

test('random top-k: simulation agrees with the exact expectation', () => {
  const { x, y } = correlatedNormals(300, 0.8, 5);
  const v = x.map((a) => 70 + 3 * a);
  const t = y.map((a) => 70 + 3 * a);
  const exact = randomTopK(v, t, 10);
  const sim = simulateRandomTopK(v, t, 10, { repetitions: 4000, seed: 1 });
  assert.ok(
    exact.mean >= sim.meanCI.low - 0.05 && exact.mean <= sim.meanCI.high + 0.05,
    `exact ${exact.mean} vs simulated ${JSON.stringify(sim.meanCI)}`,
  );
  assert.ok(exact.q05 <= exact.mean && exact.mean <= exact.q95);
});

test('topKFromTable names the architecture and carries provenance', () => {
  const t = withSources(
    aq.table({ arch: ['a', 'b', 'c', 'd', 'e'], s: score, v: valid, te: testAcc }),
    [{ kind: 'run', path: 'runs/x', detail: 'scores/epoch-0003.csv' }],
  );
  const r = topKFromTable(t, { score: 's', valid: 'v', test: 'te' }, 3);
  assert.equal(r.arch, 'b');
  assert.equal(r.test, 71.5);
  assert.equal(r.provenance.sources[0].detail, 'scores/epoch-0003.csv');
  assert.deepEqual(r.provenance.columns, { score: 's', valid: 'v', test: 'te', arch: 'arch' });
  assert.throws(
    () => topKFromTable(t, { score: 'nope', test: 'te' }, 3),
    /no column 'nope'; available columns: 'arch', 's', 'v', 'te'/,
  );
});

test('sampledTopK: sampling 1000 of a bigger space, seeded and repeatable', () => {
  const { x, y } = correlatedNormals(3000, 0.6, 9);
  const t = aq.table({ s: x, v: y, te: y });
  const a = sampledTopK(
    t,
    { score: 's', test: 'te', valid: 'v' },
    { k: 10, repetitions: 3, seed: 4 },
  );
  const b = sampledTopK(
    t,
    { score: 's', test: 'te', valid: 'v' },
    { k: 10, repetitions: 3, seed: 4 },
  );
  assert.deepEqual(a.runs, b.runs);
  assert.equal(a.sampleSize, 1000);
  assert.equal(a.runs.length, 3);
  assert.ok(a.topK.min <= a.topK.mean && a.topK.mean <= a.topK.max);
  // a 0.6-correlated score beats random selection of 10 on average
  assert.ok(a.topK.mean > a.randomTopK.mean);
});
