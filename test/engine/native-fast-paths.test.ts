/**
 * The native engine's fast paths: blocked batch-norm statistics and gradient sums (vectorised
 * clones per CPU), the average-pooling gradient loops (every shape), the fused
 * running-statistics kernel and the kernel-less clone of tensors saved for gradients. Each is
 * checked against the stock tfjs cpu kernels (or a float64 reference) and finite differences,
 * with odd shapes, batch 1, block and thread boundaries and offset data.
 */
import { describe, test, before } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { batchNorm2dTrain, blendRunningStats, initEngine, profileKernels } from '../../src/engine';
import {
  finiteDifferences,
  hasNative,
  maxAbs,
  maxAbsDiff,
  onBackend,
  randomArray,
  sampleIndices,
} from './helpers';

const size = (shape: number[]) => shape.reduce((p, d) => p * d, 1);

/** Asserts |a - b| <= tol * max(1, max|b|). */
function close(a: ArrayLike<number>, b: ArrayLike<number>, tol: number, what: string) {
  const scale = Math.max(1, maxAbs(b));
  const d = maxAbsDiff(a, b);
  assert.ok(d <= tol * scale, `${what}: max difference ${d} (scale ${scale})`);
}

/** Training batch norm and the gradients of sum(y * r), in float64 from the float32 inputs. */
function batchNormReference(
  x: Float32Array,
  C: number,
  g: Float32Array,
  b: Float32Array,
  r: Float32Array,
  eps: number,
) {
  const n = x.length / C;
  const mean = new Float64Array(C);
  const variance = new Float64Array(C);
  for (let i = 0; i < x.length; i++) mean[i % C] += x[i] / n;
  for (let i = 0; i < x.length; i++) variance[i % C] += (x[i] - mean[i % C]) ** 2 / n;
  const inv = Array.from(variance, (v) => 1 / Math.sqrt(v + eps));
  const xhat = Float64Array.from(x, (v, i) => (v - mean[i % C]) * inv[i % C]);
  const y = Float64Array.from(xhat, (v, i) => g[i % C] * v + b[i % C]);
  const dbeta = new Float64Array(C);
  const dgamma = new Float64Array(C);
  for (let i = 0; i < x.length; i++) {
    dbeta[i % C] += r[i];
    dgamma[i % C] += r[i] * xhat[i];
  }
  const dx = Float64Array.from(
    r,
    (v, i) => ((g[i % C] * inv[i % C]) / n) * (n * v - dbeta[i % C] - xhat[i] * dgamma[i % C]),
  );
  return { y, mean, variance, dx, dgamma, dbeta };
}

describe('native fast paths', { skip: !hasNative() && 'native addon not built' }, () => {
  before(async () => {
    await initEngine('native');
  });

  // Rows per block are 4096 / C clamped to [16, 128]; 2^17 elements and more run on all
  // threads. [4, 40, 40, 24]: 400 blocks split over the threads; [2, 40, 40, 12]: 25 blocks on
  // one thread; [3, 11, 13, 5]: 4 blocks, the last partial; [1, 7, 9, 17]: batch 1, one partial
  // block; [1, 1, 1, 3]: one row (variance 0).
  const bnShapes = [
    [4, 40, 40, 24],
    [2, 40, 40, 12],
    [4, 16, 16, 33],
    [3, 11, 13, 5],
    [1, 7, 9, 17],
    [1, 1, 1, 3],
  ];
  for (const shape of bnShapes) {
    for (const offset of [0, 300]) {
      test(`batch norm x${shape} (data around ${offset}): float64 reference`, () => {
        const C = shape[3];
        const xa = randomArray(size(shape), 40, offset - 2, offset + 3);
        const ga = randomArray(C, 41, 0.5, 1.5);
        const ba = randomArray(C, 42);
        const ra = randomArray(xa.length, 43);
        const before = tf.memory().numTensors;
        const outs = tf.tidy(() => {
          const f = (x: tf.Tensor, g: tf.Tensor, b: tf.Tensor) =>
            tf.sum(
              tf.mul(
                batchNorm2dTrain(x as tf.Tensor4D, g as tf.Tensor1D, b as tf.Tensor1D).y,
                tf.tensor(ra, shape),
              ),
            );
          const x = tf.tensor4d(xa, shape as [number, number, number, number]);
          const g = tf.tensor1d(ga);
          const b = tf.tensor1d(ba);
          const out = batchNorm2dTrain(x, g, b);
          return [out.y, out.mean, out.variance, ...tf.grads(f)([x, g, b])];
        });
        const [y, mean, variance, dx, dgamma, dbeta] = outs.map((t) => t.dataSync());
        tf.dispose(outs);
        assert.equal(tf.memory().numTensors, before, 'no tensors leaked');
        const ref = batchNormReference(xa, C, ga, ba, ra, 1e-5);
        // float32 inputs around 300 carry absolute errors of ~3e-5 into x - mean.
        const tol = offset === 0 ? 2e-5 : 2e-4;
        close(mean, ref.mean, 1e-6, 'mean');
        for (let c = 0; c < C; c++) {
          const rel = Math.abs(variance[c] - ref.variance[c]) / Math.max(ref.variance[c], 1e-3);
          assert.ok(rel < tol, `variance[${c}] ${variance[c]} vs ${ref.variance[c]}`);
        }
        close(y, ref.y, tol, 'y');
        close(dx, ref.dx, tol, 'dx');
        close(dgamma, ref.dgamma, tol, 'dgamma');
        close(dbeta, ref.dbeta, 1e-5, 'dbeta');
      });
    }
  }

  test('batch norm [2, 40, 40, 12]: same as tfjs cpu (stock ops) and finite differences', async () => {
    const shape = [2, 40, 40, 12] as [number, number, number, number];
    const xa = randomArray(size(shape), 44, -2, 3);
    const ra = randomArray(xa.length, 45);
    const ours = tf.tidy(() => {
      const f = (x: tf.Tensor) =>
        tf.sum(tf.mul(batchNorm2dTrain(x as tf.Tensor4D).y, tf.tensor(ra, shape)));
      return [batchNorm2dTrain(tf.tensor4d(xa, shape)).y, tf.grad(f)(tf.tensor4d(xa, shape))];
    });
    const [y, dx] = ours.map((t) => Float32Array.from(t.dataSync()));
    tf.dispose(ours);
    const ref = await onBackend('cpu', () =>
      tf.tidy(() => {
        const norm = (x: tf.Tensor) => {
          const { mean, variance } = tf.moments(x, [0, 1, 2]);
          return tf.div(tf.sub(x, mean), tf.sqrt(tf.add(variance, 1e-5)));
        };
        const f = (x: tf.Tensor) => tf.sum(tf.mul(norm(x), tf.tensor(ra, shape)));
        return [norm(tf.tensor4d(xa, shape)), tf.grad(f)(tf.tensor4d(xa, shape))];
      }),
    );
    close(y, ref[0], 2e-5, 'y vs cpu');
    close(dx, ref[1], 2e-5, 'dx vs cpu');
    const idx = sampleIndices(xa.length, 6, 46);
    const fd = finiteDifferences(
      (v) =>
        tf.tidy(
          () =>
            tf
              .sum(tf.mul(batchNorm2dTrain(tf.tensor4d(v, shape)).y, tf.tensor(ra, shape)))
              .dataSync()[0],
        ),
      xa,
      idx,
      1e-2,
    );
    close(
      idx.map((i) => dx[i]),
      fd,
      2e-2,
      'dx vs finite differences',
    );
  });

  // pool.cc's gradient loops: stride 1 (row sums, shifted adds) and the general gather.
  const poolCases: { x: number[]; f: number; s: number; pad: 'same' | 'valid' }[] = [
    { x: [2, 7, 6, 8], f: 3, s: 1, pad: 'same' },
    { x: [1, 5, 5, 1], f: 3, s: 1, pad: 'same' },
    { x: [1, 6, 7, 3], f: 3, s: 1, pad: 'valid' },
    { x: [2, 5, 6, 15], f: 2, s: 1, pad: 'same' },
    { x: [1, 4, 9, 5], f: 4, s: 1, pad: 'same' },
    { x: [4, 28, 28, 8], f: 3, s: 1, pad: 'same' },
    { x: [2, 7, 6, 16], f: 3, s: 1, pad: 'same' },
    { x: [2, 7, 6, 20], f: 3, s: 1, pad: 'same' },
    { x: [2, 7, 7, 8], f: 3, s: 2, pad: 'same' },
    { x: [1, 6, 6, 8], f: 2, s: 2, pad: 'valid' },
    { x: [2, 8, 8, 32], f: 2, s: 2, pad: 'valid' },
  ];
  for (const c of poolCases) {
    test(`avgPool gradient x${c.x} ${c.f}x${c.f} stride ${c.s} ${c.pad}: cpu and finite differences`, async () => {
      const shape = c.x as [number, number, number, number];
      const xa = randomArray(size(shape), 47);
      const grad = () =>
        tf.tidy(() => {
          const loss = (x: tf.Tensor) => {
            const y = tf.avgPool(x as tf.Tensor4D, c.f, c.s, c.pad);
            return tf.sum(tf.mul(y, tf.tensor(randomArray(y.size, 48), y.shape)));
          };
          return [tf.grad(loss)(tf.tensor4d(xa, shape))];
        });
      const ours = grad();
      const ga = Float32Array.from(ours[0].dataSync());
      tf.dispose(ours);
      const [ref] = await onBackend('cpu', grad);
      close(ga, ref, 1e-5, 'dx vs cpu');
      const idx = sampleIndices(xa.length, 10, 49);
      const fd = finiteDifferences(
        (v) =>
          tf.tidy(() => {
            const y = tf.avgPool(tf.tensor4d(v, shape), c.f, c.s, c.pad);
            return tf.sum(tf.mul(y, tf.tensor(randomArray(y.size, 48), y.shape))).dataSync()[0];
          }),
        xa,
        idx,
        0.5,
      );
      close(
        idx.map((i) => ga[i]),
        fd,
        1e-4,
        'dx vs finite differences',
      );
    });
  }

  test('blendRunningStats: one native kernel, the same bits as the composite on cpu', async () => {
    for (const [C, momentum, n] of [
      [16, 0.1, 64 * 32 * 32],
      [5, 1 / 4, 1],
      [33, 0.9, 7],
    ]) {
      const blend = () =>
        tf.tidy(() => {
          const rm = tf.variable(tf.tensor1d(randomArray(C, 50, -1, 1)));
          const rv = tf.variable(tf.tensor1d(randomArray(C, 51, 0.1, 2)));
          blendRunningStats(
            rm,
            rv,
            tf.tensor1d(randomArray(C, 52, -1, 1)),
            tf.tensor1d(randomArray(C, 53, 0.1, 2)),
            n,
            momentum,
          );
          const out = [rm.clone(), rv.clone()];
          tf.dispose([rm, rv]);
          return out;
        });
      const stop = profileKernels('native');
      const ours = blend();
      const kernels = stop();
      const got = ours.map((t) => Float32Array.from(t.dataSync()));
      tf.dispose(ours);
      assert.deepEqual(
        kernels.filter((k) => ['Multiply', 'Add'].includes(k.kernel)),
        [],
        'no Multiply/Add kernels',
      );
      const ref = await onBackend('cpu', blend);
      assert.deepEqual(got[0], ref[0], `running mean C=${C}`);
      assert.deepEqual(got[1], ref[1], `running variance C=${C}`);
    }
  });

  test('tensors saved for gradients are cloned without the Identity kernel; gradients unchanged', async () => {
    const xa = randomArray(2 * 5 * 5 * 3, 54);
    const wa = randomArray(3 * 3 * 3 * 4, 55);
    const grads = () =>
      tf.tidy(() => {
        const f = (x: tf.Tensor, w: tf.Tensor) => {
          const y = tf.relu(tf.conv2d(x as tf.Tensor4D, w as tf.Tensor4D, 1, 'same'));
          return tf.sum(tf.mul(tf.mul(y, y), batchNorm2dTrain(y as tf.Tensor4D).y));
        };
        return tf.grads(f)([tf.tensor4d(xa, [2, 5, 5, 3]), tf.tensor4d(wa, [3, 3, 3, 4])]);
      });
    const before = tf.memory().numTensors;
    const stop = profileKernels('native');
    const ours = grads();
    const identity = stop().find((k) => k.kernel === 'Identity');
    const got = ours.map((t) => Float32Array.from(t.dataSync()));
    tf.dispose(ours);
    assert.equal(tf.memory().numTensors, before, 'no tensors leaked');
    assert.equal(identity, undefined, 'no Identity kernel calls');
    const ref = await onBackend('cpu', grads);
    close(got[0], ref[0], 1e-4, 'dx vs cpu');
    close(got[1], ref[1], 1e-4, 'dw vs cpu');
    // Second order goes through the saved clones' tape nodes: d/dx sum(d/dx sum(x^3)) = 6x.
    const second = () =>
      tf.tidy(() => [
        tf.grad((x: tf.Tensor) =>
          tf.sum(tf.grad((y: tf.Tensor) => tf.sum(tf.mul(tf.mul(y, y), y)))(x)),
        )(tf.tensor1d([0.5, -1.25, 2])),
      ]);
    const [s] = second().map((t) => {
      const a = Float32Array.from(t.dataSync());
      t.dispose();
      return a;
    });
    assert.deepEqual(Array.from(s), [3, -7.5, 12]);
    const [sRef] = await onBackend('cpu', second);
    assert.deepEqual(s, sRef);
  });
});
