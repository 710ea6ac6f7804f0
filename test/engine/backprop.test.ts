// The frugal backward pass (src/engine/backprop.ts) against tfjs's own Engine.gradients: the same
// gradients bit for bit, no tensor left behind, a lower peak, and the cases where a gradient
// function passes dy through, a tensor is used twice, dy is the caller's, or gradients nest.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { initEngine, withTfjsBackprop } from '../../src/engine';
import { Rng } from '../../src/engine/random';
import { createSupernet } from '../../src/supernet/network';
import { crossEntropy } from '../../src/supernet/ops';
import type { Nb201Arch } from '../../src/spaces/nb201/definition';
import { randomTensor } from './helpers';

const ARCH = [
  'nor_conv_3x3',
  'nor_conv_1x1',
  'avg_pool_3x3',
  'skip_connect',
  'none',
  'nor_conv_3x3',
] as unknown as Nb201Arch;

function arrays(ts: tf.Tensor[]): Float32Array[] {
  return ts.map((t) => Float32Array.from(t.dataSync()));
}

test('supernet step: frugal gradients equal tfjs gradients exactly, nothing leaks', async () => {
  const engine = await initEngine('auto');
  const net = createSupernet(
    { channels: 4, cellsPerStage: 1, inputChannels: 3, classes: 5 },
    { seed: 3 },
  );
  const rng = new Rng('backprop');
  const x = tf.tensor4d(rng.fillNormal(new Float32Array(4 * 8 * 8 * 3)), [4, 8, 8, 3]);
  const y = tf.tensor1d([0, 1, 2, 4], 'int32');
  const vars = net.pathVariables(ARCH);
  const run = () => {
    const before = tf.memory().numTensors;
    const { value, grads } = tf.variableGrads(
      () => crossEntropy(net.forward(x, ARCH, { mode: 'train' }), y),
      vars,
    );
    const out = [value, ...vars.map((v) => grads[v.name])];
    const result = arrays(out);
    tf.dispose(out);
    return { result, leaked: tf.memory().numTensors - before };
  };
  try {
    // Two runs of each, so that the running statistics advance alike on both sides.
    const ours = [run(), run()];
    const theirs = withTfjsBackprop(() => [run(), run()]);
    for (let r = 0; r < 2; r++) {
      assert.equal(ours[r].leaked, 0, `${engine.name}: tensors left by the frugal pass`);
      assert.equal(theirs[r].leaked, 0);
    }
    // Same running statistics on both sides: reset by re-running the pair order.
    assert.equal(ours[0].result.length, vars.length + 1);
    ours[0].result.forEach((a, i) => {
      assert.deepEqual(a, theirs[0].result[i], `${engine.name}: output ${i} differs`);
    });
  } finally {
    tf.dispose([x, y]);
    net.dispose();
  }
});

test('the peak during the backward pass is lower (gradients and saved tensors freed as it goes)', async () => {
  await initEngine('auto');
  const w = tf.variable(randomTensor([64, 64], 1));
  const x = randomTensor([256, 64], 2);
  const f = () => {
    let h: tf.Tensor = x;
    for (let i = 0; i < 12; i++) h = tf.relu(tf.matMul(h, w));
    return tf.sum(h) as tf.Scalar;
  };
  // Bytes of the distinct buffers of live tensors (tf.memory().numBytes counts every view and
  // clone again), sampled after each kernel.
  const engine = tf.engine() as unknown as {
    trackTensor: (t: tf.Tensor, backend: unknown) => void;
    runKernel: (...args: unknown[]) => unknown;
  };
  const peak = () => {
    const live = new Set<tf.Tensor>();
    const buffers = () => {
      const seen = new Map<object, number>();
      for (const t of live) if (!t.isDisposed) seen.set(t.dataId, t.size * 4);
      let total = 0;
      for (const b of seen.values()) total += b;
      return total;
    };
    let max = 0;
    const { trackTensor, runKernel } = engine;
    engine.trackTensor = function (t, backend) {
      live.add(t);
      return trackTensor.call(this, t, backend);
    };
    engine.runKernel = function (...args: unknown[]) {
      const out = runKernel.apply(this, args);
      max = Math.max(max, buffers());
      return out;
    };
    try {
      const { value, grads } = tf.variableGrads(f, [w]);
      const out = [value, grads[w.name]];
      const values = arrays(out);
      tf.dispose(out);
      return { peak: max, values };
    } finally {
      engine.trackTensor = trackTensor;
      engine.runKernel = runKernel;
    }
  };
  try {
    const ours = peak();
    const theirs = withTfjsBackprop(() => peak());
    assert.deepEqual(ours.values, theirs.values);
    assert.ok(
      ours.peak < 0.75 * theirs.peak,
      `peak bytes: frugal ${ours.peak} vs tfjs ${theirs.peak}`,
    );
  } finally {
    tf.dispose([w, x]);
  }
});

test('dy passed through, a tensor used twice, the caller dy, nested and failing gradients', async () => {
  await initEngine('auto');
  const a = tf.tensor1d([1, 2, 3]);
  const dy = tf.tensor1d([1, 10, 100]);
  // A custom gradient that hands dy itself back as the input's gradient.
  const passThrough = tf.customGrad((t, save) => {
    (save as (ts: tf.Tensor[]) => void)([t as tf.Tensor]);
    return { value: tf.mul(t as tf.Tensor, 1), gradFunc: (g: tf.Tensor) => g };
  });
  try {
    const before = tf.memory().numTensors;
    const g1 = tf.grad((t: tf.Tensor) => tf.sum(passThrough(tf.mul(t, t)) as tf.Tensor))(a);
    assert.deepEqual(Array.from(g1.dataSync()), [2, 4, 6]);
    const g2 = tf.grad((t: tf.Tensor) => tf.add(tf.mul(t, t), t))(a, dy);
    assert.deepEqual(Array.from(g2.dataSync()), [3, 50, 700]);
    assert.equal(dy.isDisposed, false, "the caller's dy stays");
    const g3 = tf.grad((t: tf.Tensor) => tf.grad((u: tf.Tensor) => tf.sum(tf.pow(u, 3)))(t))(a);
    assert.deepEqual(Array.from(g3.dataSync()), [6, 12, 18]);
    tf.dispose([g1, g2, g3]);
    assert.equal(tf.memory().numTensors, before, 'no tensor left behind');
    assert.throws(() => tf.grad(() => tf.scalar(1))(a), /Cannot compute gradient of y=f\(x\)/);
  } finally {
    tf.dispose([a, dy]);
  }
});
