// Gradients of every candidate op, of the reduction/stem/head primitives and of the whole (tiny)
// network against finite differences. tfjs has no float64, so the nets are small and the steps
// moderate (float32 rounding of the loss is ~1e-6 / eps).
// - Primitives: every input element, central differences.
// - Networks: directional derivatives per variable, along the analytic gradient of that variable
//   (unit norm) and along a random unit direction, compared with g . d. A step along a unit
//   direction moves each element by eps / sqrt(n), so few ReLU inputs cross zero, and the signal
//   (|g| along the gradient) is large against rounding.
// Networks are piecewise smooth: a step that carries a ReLU input across zero bends the secant,
// so a check passes when the central, forward or backward difference at one of two steps
// agrees; on at least one side of a kink the function is smooth, and a wrong gradient agrees
// with none of them.
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { initEngine } from '../../src/engine';
import { createRng, type Rng } from '../../src/engine/random';
import type { Nb201Arch, Nb201Op } from '../../src/spaces/nb201/definition';
import { createStandalone, createSupernet, ops, type Nb201Skeleton } from '../../src/supernet';

before(async () => {
  await initEngine('cpu');
});

const STEPS: Array<{ eps: number; atol: number }> = [
  { eps: 3e-3, atol: 4e-4 },
  { eps: 1e-3, atol: 1e-3 },
];

const RTOL = 2e-2;

/**
 * Directional derivatives of `loss` w.r.t. variable `v` along grad/|grad| and a random unit
 * direction, compared with grad . d (see the file comment).
 */
function checkDirectional(
  loss: () => number,
  v: tf.Variable,
  grad: Float32Array,
  rng: Rng,
  what: string,
) {
  const base = (v.dataSync() as Float32Array).slice();
  const unit = (d: Float32Array) => {
    const norm = Math.hypot(...d);
    return norm > 0 ? d.map((e) => e / norm) : d;
  };
  const set = (data: Float32Array) => tf.tidy(() => v.assign(tf.tensor(data, v.shape)));
  const mid = loss();
  const directions = [unit(grad.slice()), unit(rng.fillNormal(new Float32Array(base.length)))];
  directions.forEach((d, k) => {
    let expected = 0;
    for (let i = 0; i < d.length; i++) expected += grad[i] * d[i];
    const seen: string[] = [];
    const ok = [1e-3, 3e-4, 1e-4].some((eps) => {
      set(base.map((b, i) => b + eps * d[i]));
      const up = loss();
      set(base.map((b, i) => b - eps * d[i]));
      const down = loss();
      set(base);
      const estimates = [(up - down) / (2 * eps), (up - mid) / eps, (mid - down) / eps];
      seen.push(`${estimates.map((e) => e.toPrecision(4)).join('/')} (eps ${eps})`);
      const atol = 2e-7 / eps + 1e-4;
      return estimates.some((fd) => Math.abs(expected - fd) <= atol + 3e-2 * Math.abs(expected));
    });
    const dir = k === 0 ? 'along its gradient' : 'along a random direction';
    assert.ok(ok, `${what} ${dir}: analytic ${expected} vs finite differences ${seen.join(', ')}`);
  });
}

/** Central differences of `loss` w.r.t. chosen elements of `v`, compared with `grad`. */
function checkVariable(
  loss: () => number,
  v: tf.Variable,
  grad: Float32Array,
  rng: Rng,
  what: string,
  samples = 4,
) {
  const base = (v.dataSync() as Float32Array).slice();
  const picks = new Set<number>();
  while (picks.size < Math.min(samples, base.length)) picks.add(rng.int(base.length));
  const set = (data: Float32Array) => tf.tidy(() => v.assign(tf.tensor(data, v.shape)));
  const mid = loss();
  for (const i of picks) {
    const seen: string[] = [];
    const ok = STEPS.some(({ eps, atol }) => {
      const probe = base.slice();
      probe[i] = base[i] + eps;
      set(probe);
      const up = loss();
      probe[i] = base[i] - eps;
      set(probe);
      const down = loss();
      set(base);
      const estimates = [(up - down) / (2 * eps), (up - mid) / eps, (mid - down) / eps];
      seen.push(`${estimates.map((e) => e.toPrecision(4)).join('/')} (eps ${eps})`);
      return estimates.some(
        (numeric) => Math.abs(grad[i] - numeric) <= atol + RTOL * Math.abs(numeric),
      );
    });
    assert.ok(ok, `${what}[${i}]: analytic ${grad[i]} vs finite differences ${seen.join(', ')}`);
  }
}

function randomTensor(shape: number[], rng: Rng, std = 1): tf.Tensor {
  return tf.tensor(
    rng.fillNormal(new Float32Array(shape.reduce((a, b) => a * b, 1)), 0, std),
    shape,
  );
}

/** Checks d/dx sum(R * f(x)) for a primitive, on every element of a small input. */
function checkPrimitive(
  f: (x: tf.Tensor4D) => tf.Tensor,
  shape: [number, number, number, number],
  seed: number,
  what: string,
) {
  const rng = createRng(seed);
  const x = tf.variable(randomTensor(shape, rng) as tf.Tensor4D);
  const r = tf.tidy(() => randomTensor(f(x).shape, rng));
  const lossT = () => tf.sum(tf.mul(f(x), r)) as tf.Scalar;
  const loss = () => tf.tidy(() => lossT().dataSync()[0]);
  const { grads } = tf.variableGrads(lossT, [x]);
  const g = grads[x.name].dataSync() as Float32Array;
  checkVariable(loss, x, g, rng, what, x.size);
  tf.dispose([x, r, grads[x.name]]);
}

test('avg_pool_3x3 (padding excluded) has the right gradient at borders: engine path and fallback', () => {
  checkPrimitive((x) => ops.avgPool3x3(x), [2, 4, 5, 2], 1, 'avgPool3x3');
  checkPrimitive((x) => ops.avgPool3x3Composite(x), [2, 4, 5, 2], 2, 'avgPool3x3Composite');
  // Forward oracle: the corner of a 3x3 all-ones-except-one input averages 4 in-image pixels.
  const x = tf.tensor4d([1, 2, 3, 4, 5, 6, 7, 8, 9], [1, 3, 3, 1]);
  for (const f of [ops.avgPool3x3, ops.avgPool3x3Composite]) {
    const y = f(x).dataSync();
    assert.ok(Math.abs(y[0] - (1 + 2 + 4 + 5) / 4) < 1e-6);
    assert.ok(Math.abs(y[4] - 5) < 1e-6);
    assert.ok(Math.abs(y[1] - (1 + 2 + 3 + 4 + 5 + 6) / 6) < 1e-6);
  }
  x.dispose();
});

test('training-mode batch norm, stride-2 conv, global pool and linear have the right input gradients', () => {
  const rng = createRng(3);
  const gamma = randomTensor([3], rng) as tf.Tensor1D;
  const beta = randomTensor([3], rng) as tf.Tensor1D;
  checkPrimitive(
    (x) => ops.batchNormTrain(x, gamma, beta, 1e-5).y,
    [2, 3, 3, 3],
    4,
    'batchNormTrain',
  );
  const w = randomTensor([3, 3, 3, 2], rng) as tf.Tensor4D;
  checkPrimitive((x) => ops.conv2d(x, w, 2, 1), [2, 4, 4, 3], 5, 'conv2d stride 2');
  checkPrimitive((x) => ops.globalAvgPool(x), [2, 3, 3, 2], 6, 'globalAvgPool');
  const lw = randomTensor([2, 4], rng) as tf.Tensor2D;
  const lb = randomTensor([4], rng) as tf.Tensor1D;
  checkPrimitive((x) => ops.linear(ops.globalAvgPool(x), lw, lb), [2, 2, 2, 2], 7, 'linear');
  tf.dispose([gamma, beta, w, lw, lb]);
});

const TINY: Nb201Skeleton = { channels: 3, cellsPerStage: 1, inputChannels: 1, classes: 3 };

/**
 * Gradient of the cross-entropy of a stand-alone net w.r.t. the input and every variable, in
 * training mode (batch statistics) or eval mode (running statistics, set to non-trivial values).
 */
function checkNetwork(arch: Nb201Arch, seed: number, what: string, mode: 'train' | 'eval') {
  const rng = createRng(seed);
  const net = createStandalone(arch, TINY, { seed });
  const x = tf.variable(randomTensor([4, 8, 8, 1], rng) as tf.Tensor4D);
  const labels = tf.tensor1d([0, 1, 2, 1], 'int32');
  if (mode === 'eval') tf.dispose(net.forward(x, arch, { mode: 'calibrate', calibrationStep: 1 }));
  const lossT = () => ops.crossEntropy(net.forward(x, arch, { mode, updateStats: false }), labels);
  const loss = () => tf.tidy(() => lossT().dataSync()[0]);
  const vars = [x, ...net.variables.trainable.values()];
  const { grads } = tf.variableGrads(lossT, vars);
  checkDirectional(loss, x, grads[x.name].dataSync() as Float32Array, rng, `${what} input`);
  for (const [name, v] of net.variables.trainable) {
    checkDirectional(loss, v, grads[v.name].dataSync() as Float32Array, rng, `${what} ${name}`);
  }
  tf.dispose(Object.values(grads));
  tf.dispose([x, labels]);
  net.dispose();
}

const CANDIDATES: Nb201Op[] = ['skip_connect', 'nor_conv_1x1', 'nor_conv_3x3', 'avg_pool_3x3'];

for (const op of CANDIDATES) {
  for (const mode of ['eval', 'train'] as const) {
    test(`candidate op ${op} (${mode} mode): gradients through a network of it match finite differences`, () => {
      checkNetwork(
        Array(6).fill(op) as Nb201Arch,
        10 + CANDIDATES.indexOf(op),
        `${op} ${mode}`,
        mode,
      );
    });
  }
}

test('candidate op none: edges that are none pass no gradient and change nothing', () => {
  // Only the edge 0->3 carries a signal; the other five are none.
  const arch: Nb201Arch = ['none', 'none', 'none', 'skip_connect', 'none', 'none'];
  checkNetwork(arch, 20, 'none', 'train');
  // The same network with the none edges replaced by convs on dead nodes is a different function,
  // but with none edges the conv weights do not exist at all.
  const net = createStandalone(arch, TINY, { seed: 1 });
  assert.ok(![...net.variables.trainable.keys()].some((n) => n.startsWith('cells.')));
  net.dispose();
});

test('whole network with every op kind: gradients of all variables match finite differences', () => {
  const arch: Nb201Arch = [
    'nor_conv_3x3',
    'avg_pool_3x3',
    'nor_conv_1x1',
    'skip_connect',
    'none',
    'nor_conv_3x3',
  ];
  checkNetwork(arch, 30, 'mixed train', 'train');
  checkNetwork(arch, 31, 'mixed eval', 'eval');
});

test('supernet gradients of a sampled path are those of the stand-alone network with the same weights', () => {
  const arch: Nb201Arch = [
    'nor_conv_1x1',
    'nor_conv_3x3',
    'avg_pool_3x3',
    'none',
    'skip_connect',
    'nor_conv_3x3',
  ];
  const supernet = createSupernet(TINY, { seed: 4 });
  const net = createStandalone(arch, TINY, { seed: 0, from: supernet });
  const rng = createRng(4);
  const x = randomTensor([2, 8, 8, 1], rng) as tf.Tensor4D;
  const labels = tf.tensor1d([0, 2], 'int32');
  const gradsOf = (n: typeof net, vars: tf.Variable[]) =>
    tf.variableGrads(
      () => ops.crossEntropy(n.forward(x, arch, { mode: 'train', updateStats: false }), labels),
      vars,
    ).grads;
  const gs = gradsOf(supernet, supernet.pathVariables(arch));
  const gn = gradsOf(net, [...net.variables.trainable.values()]);
  const names = supernet.pathNames(arch).trainable;
  assert.equal(Object.keys(gs).length, names.length);
  for (const name of names) {
    const a = gs[supernet.variables.trainable.get(name)!.name];
    const b = gn[net.variables.trainable.get(name)!.name];
    const diff = tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]);
    assert.equal(diff, 0, name);
  }
  tf.dispose([...Object.values(gs), ...Object.values(gn), x, labels]);
  supernet.dispose();
  net.dispose();
});
