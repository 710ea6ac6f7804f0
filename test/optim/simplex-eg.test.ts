import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  argmaxRows,
  entropy,
  exponentiatedGradientStep,
  GaeaArchOptimizer,
  meanEntropy,
  softmaxRows,
} from '../../src/optim';
import { lcg } from './tiny-model';

function close(a: number, b: number, tol: number, what: string): void {
  assert.ok(Math.abs(a - b) <= tol, `${what}: ${a} vs ${b} (tol ${tol})`);
}

test('EG step on hand-computed cases', () => {
  // theta * exp(-eta g) with eta = ln 2: [0.5, 0.25, 0.25] * [1/2, 1, 2] = [0.25, 0.25, 0.5] (sum 1).
  const a = exponentiatedGradientStep([[0.5, 0.25, 0.25]], [[1, 0, -1]], Math.LN2);
  [0.25, 0.25, 0.5].forEach((v, i) => close(a[0][i], v, 1e-15, `case 1 entry ${i}`));
  // eta = ln 3, uniform start, gradient on the first op: [1/9, 1/3, 1/3] / (7/9) = [1/7, 3/7, 3/7].
  const b = exponentiatedGradientStep([[1 / 3, 1 / 3, 1 / 3]], [[1, 0, 0]], Math.log(3));
  [1 / 7, 3 / 7, 3 / 7].forEach((v, i) => close(b[0][i], v, 1e-15, `case 2 entry ${i}`));
  // A constant gradient shift does not move theta; a zero entry stays zero.
  const c = exponentiatedGradientStep(
    [
      [0.2, 0.3, 0.5],
      [1, 0, 0],
    ],
    [
      [7, 7, 7],
      [5, -5, 0],
    ],
    0.1,
  );
  [0.2, 0.3, 0.5].forEach((v, i) => close(c[0][i], v, 1e-15, `case 3 entry ${i}`));
  assert.deepEqual(c[1], [1, 0, 0]);
});

test('GAEA optimizer: uniform start and one EG step of size 0.1', () => {
  const opt = GaeaArchOptimizer.init(6, 5);
  assert.equal(opt.eta, 0.1);
  opt.weights().forEach((row) => row.forEach((v) => close(v, 0.2, 1e-15, 'uniform')));
  const grad = Array.from({ length: 6 }, () => [1, 0, 0, 0, 0]);
  opt.step(grad);
  // [e^-0.1, 1, 1, 1, 1] / (e^-0.1 + 4)
  const z = Math.exp(-0.1) + 4;
  opt.weights().forEach((row) => {
    close(row[0], Math.exp(-0.1) / z, 1e-15, 'op 0');
    close(row[1], 1 / z, 1e-15, 'op 1');
  });
  assert.deepEqual(opt.state(), { kind: 'gaea-eg', theta: opt.weights(), eta: 0.1, steps: 1 });
});

const EXTREMES = [
  0,
  1e-300,
  -1e-300,
  1e300,
  -1e300,
  Number.MAX_VALUE,
  -Number.MAX_VALUE,
  3.4e38,
  -3.4e38,
  745,
  -745,
  1e4,
  -1e4,
];

function randomSimplexRow(r: () => number, ops: number): number[] {
  const kind = Math.floor(((r() + 1) / 2) * 4);
  let row: number[];
  if (kind === 0) row = new Array<number>(ops).fill(1 / ops);
  else if (kind === 1) {
    // one-hot with exact zeros
    const k = Math.floor(((r() + 1) / 2) * ops);
    row = Array.from({ length: ops }, (_, o) => (o === k ? 1 : 0));
  } else if (kind === 2) {
    // extremely peaked: tiny entries near the float64 limit
    row = Array.from({ length: ops }, () => Math.exp(-700 * ((r() + 1) / 2)));
  } else row = Array.from({ length: ops }, () => (r() + 1) / 2 + 1e-12);
  const s = row.reduce((a, b) => a + b, 0);
  return row.map((v) => v / s);
}

function randomGrad(r: () => number): number {
  const u = (r() + 1) / 2;
  if (u < 0.4) return EXTREMES[Math.floor(((r() + 1) / 2) * EXTREMES.length)];
  if (u < 0.7) return r() * 10 ** (1 + Math.floor(((r() + 1) / 2) * 12));
  return r();
}

test('property: every EG step stays on the simplices, even with extreme gradients', () => {
  const r = lcg(20240607);
  const etas = [0, 1e-8, 0.1, 1, 10, 1e3, 1e300];
  for (let trial = 0; trial < 400; trial++) {
    const ops = 2 + Math.floor(((r() + 1) / 2) * 6);
    const edges = 1 + Math.floor(((r() + 1) / 2) * 6);
    let theta = Array.from({ length: edges }, () => randomSimplexRow(r, ops));
    const eta = etas[trial % etas.length];
    for (let step = 0; step < 25; step++) {
      const grad = theta.map((row) => row.map(() => randomGrad(r)));
      const next = exponentiatedGradientStep(theta, grad, eta);
      assert.equal(next.length, edges);
      next.forEach((row, e) => {
        assert.equal(row.length, ops);
        let sum = 0;
        row.forEach((v, o) => {
          assert.ok(Number.isFinite(v), `trial ${trial} step ${step}: [${e}][${o}] = ${v}`);
          assert.ok(v >= 0, `trial ${trial} step ${step}: negative [${e}][${o}] = ${v}`);
          // the multiplicative update never revives an exact zero
          if (theta[e][o] === 0) assert.equal(v, 0);
          sum += v;
        });
        close(sum, 1, 1e-12, `trial ${trial} step ${step} row ${e} sum`);
        // moderate gradients: the ratio rule theta'_a / theta'_b = theta_a / theta_b e^{-eta (g_a - g_b)}
        const [ga, gb] = [grad[e][0], grad[e][1]];
        const [ta, tb] = [theta[e][0], theta[e][1]];
        const logRatio = Math.log(ta / tb) - eta * (ga - gb);
        const magnitude =
          Math.abs(eta * ga) + Math.abs(eta * gb) + Math.abs(Math.log(ta)) + Math.abs(Math.log(tb));
        const unclamped = Math.abs(eta * ga) < 1e299 && Math.abs(eta * gb) < 1e299;
        if (ta > 0 && tb > 0 && unclamped && Math.abs(logRatio) < 30 && row[0] > 1e-250) {
          close(Math.log(row[0] / row[1]), logRatio, 1e-14 * magnitude + 1e-12, 'ratio');
        }
      });
      theta = next;
    }
  }
});

test('EG rejects non-finite gradients and bad inputs with a clear message', () => {
  assert.throws(() => exponentiatedGradientStep([[0.5, 0.5]], [[NaN, 0]], 0.1), /grad\[0\]\[0\]/);
  assert.throws(() => exponentiatedGradientStep([[0.5, 0.5]], [[Infinity, 0]], 0.1), /not finite/);
  assert.throws(() => exponentiatedGradientStep([[0.7, 0.7]], [[0, 0]], 0.1), /sums to/);
  assert.throws(() => exponentiatedGradientStep([[1.5, -0.5]], [[0, 0]], 0.1), /negative/);
  assert.throws(() => exponentiatedGradientStep([[0.5, 0.5]], [[0, 0, 0]], 0.1), /shape/);
  assert.throws(() => exponentiatedGradientStep([[0.5, 0.5]], [[0, 0]], NaN), /step size/);
});

test('entropy: uniform over 5 ops is ln 5, one-hot is 0, mean over edges', () => {
  close(entropy([0.2, 0.2, 0.2, 0.2, 0.2]), Math.log(5), 1e-15, 'uniform');
  assert.equal(entropy([0, 1, 0, 0, 0]), 0);
  // H(1/2, 1/2) = ln 2; mean with a one-hot edge = ln 2 / 2
  close(
    meanEntropy([
      [0.5, 0.5, 0],
      [0, 0, 1],
    ]),
    Math.LN2 / 2,
    1e-15,
    'mean',
  );
  assert.throws(() => meanEntropy([[0.5, 0.6]]), /sums to/);
});

test('softmax rows and argmax', () => {
  const w = softmaxRows([
    [0, 0, Math.log(2)],
    [1000, 0, -1000],
  ]);
  [0.25, 0.25, 0.5].forEach((v, i) => close(w[0][i], v, 1e-15, 'softmax'));
  assert.deepEqual(w[1], [1, 0, 0]);
  assert.deepEqual(argmaxRows(w), [2, 0]);
  assert.deepEqual(argmaxRows([[0.3, 0.3, 0.2]]), [0]); // first on ties
});
