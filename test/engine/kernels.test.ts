import { describe, test, before } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { batchNorm2dTrain, initEngine } from '../../src/engine';
import {
  finiteDifferences,
  kernelEngines,
  maxAbs,
  maxAbsDiff,
  onBackend,
  randomArray,
  randomTensor,
  sampleIndices,
} from './helpers';

type Pad = 'same' | 'valid';
const sum = (t: tf.Tensor) => t.sum().dataSync()[0];

/** Asserts |a - b| <= tol * max(1, max|b|). */
function close(a: ArrayLike<number>, b: ArrayLike<number>, tol: number, what: string) {
  const scale = Math.max(1, maxAbs(b));
  const d = maxAbsDiff(a, b);
  assert.ok(d <= tol * scale, `${what}: max difference ${d} (scale ${scale})`);
}

const convCases: { x: number[]; w: number[]; s: 1 | 2; pad: Pad }[] = [
  { x: [1, 5, 7, 3], w: [3, 3, 3, 4], s: 1, pad: 'same' },
  { x: [1, 5, 7, 3], w: [3, 3, 3, 4], s: 2, pad: 'same' },
  { x: [2, 6, 5, 2], w: [3, 3, 2, 3], s: 2, pad: 'valid' },
  { x: [2, 7, 7, 4], w: [1, 1, 4, 5], s: 2, pad: 'valid' },
  { x: [1, 8, 8, 3], w: [5, 3, 3, 2], s: 1, pad: 'valid' },
  { x: [3, 9, 9, 2], w: [2, 2, 2, 2], s: 2, pad: 'same' },
  { x: [1, 4, 4, 1], w: [3, 3, 1, 1], s: 1, pad: 'same' },
  // 9.4 M multiply-adds: above the 2^23 from which the native engine's convolutions use all
  // threads (the cases above run on one).
  { x: [4, 16, 16, 32], w: [3, 3, 32, 32], s: 1, pad: 'same' },
];

const poolCases: { x: number[]; f: number; s: 1 | 2; pad: Pad }[] = [
  { x: [1, 5, 5, 2], f: 3, s: 1, pad: 'same' },
  { x: [2, 6, 7, 3], f: 3, s: 2, pad: 'same' },
  { x: [1, 6, 6, 1], f: 2, s: 2, pad: 'valid' },
  { x: [1, 4, 5, 2], f: 3, s: 1, pad: 'valid' },
];

const depthwiseCases: { x: number[]; w: number[]; s: 1 | 2; pad: Pad; d?: 2 }[] = [
  { x: [1, 5, 6, 3], w: [3, 3, 3, 1], s: 1, pad: 'same' },
  { x: [2, 7, 7, 2], w: [3, 3, 2, 2], s: 2, pad: 'same' },
  { x: [1, 6, 5, 4], w: [5, 5, 4, 1], s: 1, pad: 'valid' },
  { x: [1, 8, 8, 2], w: [3, 3, 2, 1], s: 2, pad: 'valid' },
  // Dilated (DARTS dil_conv): tfjs itself refuses these gradients; ours are checked by FD.
  { x: [1, 9, 9, 3], w: [3, 3, 3, 1], s: 1, pad: 'same', d: 2 },
  { x: [2, 10, 8, 2], w: [3, 3, 2, 2], s: 1, pad: 'valid', d: 2 },
];

for (const engine of kernelEngines()) {
  describe(`kernels on ${engine}`, () => {
    before(async () => {
      await initEngine(engine);
    });

    for (const c of convCases) {
      const label = `conv2d grads x${c.x} w${c.w} stride ${c.s} ${c.pad}`;
      test(`${label}: match tfjs cpu and finite differences`, async () => {
        const xa = randomArray(
          c.x.reduce((a, b) => a * b),
          1,
        );
        const wa = randomArray(
          c.w.reduce((a, b) => a * b),
          2,
        );
        const loss = (x: tf.Tensor4D, w: tf.Tensor4D) => {
          const y = tf.conv2d(x, w, c.s, c.pad);
          const r = tf.tensor(randomArray(y.size, 3), y.shape);
          return tf.sum(tf.mul(y, r));
        };
        const grads = () => {
          const x = tf.tensor4d(xa, c.x as [number, number, number, number]);
          const w = tf.tensor4d(wa, c.w as [number, number, number, number]);
          return tf.grads((a: tf.Tensor, b: tf.Tensor) => loss(a as tf.Tensor4D, b as tf.Tensor4D))(
            [x, w],
          );
        };
        const before = tf.memory().numTensors;
        const ours = tf.tidy(grads);
        const [gx, gw] = [ours[0].dataSync(), ours[1].dataSync()];
        tf.dispose(ours);
        assert.equal(tf.memory().numTensors, before, 'no tensors leaked');
        const [rx, rw] = await onBackend('cpu', () => tf.tidy(grads));
        close(gx, rx, 1e-5, 'dx vs cpu');
        close(gw, rw, 1e-5, 'dw vs cpu');
        const wT = tf.tensor4d(wa, c.w as [number, number, number, number]);
        const xT = tf.tensor4d(xa, c.x as [number, number, number, number]);
        const ix = sampleIndices(xa.length, 12, 4);
        const fx = finiteDifferences(
          (v) => tf.tidy(() => sum(loss(tf.tensor4d(v, xT.shape), wT))),
          xa,
          ix,
          0.5,
        );
        close(
          ix.map((i) => gx[i]),
          fx,
          1e-4,
          'dx vs finite differences',
        );
        const iw = sampleIndices(wa.length, 12, 5);
        const fw = finiteDifferences(
          (v) => tf.tidy(() => sum(loss(xT, tf.tensor4d(v, wT.shape)))),
          wa,
          iw,
          0.5,
        );
        close(
          iw.map((i) => gw[i]),
          fw,
          1e-4,
          'dw vs finite differences',
        );
        tf.dispose([wT, xT]);
      });
    }

    for (const c of poolCases) {
      test(`avgPool grad x${c.x} ${c.f}x${c.f} stride ${c.s} ${c.pad}: finite differences`, () => {
        const xa = randomArray(
          c.x.reduce((a, b) => a * b),
          6,
        );
        const shape = c.x as [number, number, number, number];
        const loss = (x: tf.Tensor4D) => {
          const y = tf.avgPool(x, c.f, c.s, c.pad);
          return tf.sum(tf.mul(y, tf.tensor(randomArray(y.size, 7), y.shape)));
        };
        const g = tf.tidy(() =>
          tf.grad((x: tf.Tensor) => loss(x as tf.Tensor4D))(tf.tensor4d(xa, shape)),
        );
        const ga = g.dataSync();
        g.dispose();
        const idx = Array.from({ length: xa.length }, (_, i) => i);
        const fd = finiteDifferences(
          (v) => tf.tidy(() => sum(loss(tf.tensor4d(v, shape)))),
          xa,
          idx,
          0.5,
        );
        close(ga, fd, 1e-4, 'avgPool dx vs finite differences');
      });
    }

    test('avgPool 3x3 same grad excludes padding (hand-computed corner)', () => {
      // sum of avgPool over a 3x3 image: the corner pixel lies in windows with 4, 6, 6 and 9
      // in-bounds pixels, so its gradient is 1/4 + 1/6 + 1/6 + 1/9; the centre lies in all nine
      // windows: 4 corners (1/4), 4 edges (1/6), itself (1/9).
      const g = tf.tidy(() =>
        tf.grad((x: tf.Tensor) => tf.sum(tf.avgPool(x as tf.Tensor4D, 3, 1, 'same')))(
          tf.ones([1, 3, 3, 1]),
        ),
      );
      const ga = g.dataSync();
      g.dispose();
      assert.ok(Math.abs(ga[0] - (1 / 4 + 1 / 6 + 1 / 6 + 1 / 9)) < 1e-6, `corner ${ga[0]}`);
      assert.ok(Math.abs(ga[4] - (4 / 4 + 4 / 6 + 1 / 9)) < 1e-6, `centre ${ga[4]}`);
    });

    for (const c of depthwiseCases) {
      const label = `depthwise grads x${c.x} w${c.w} stride ${c.s} ${c.pad} dilation ${c.d ?? 1}`;
      test(`${label}: finite differences (and tfjs cpu when undilated)`, async () => {
        const xa = randomArray(
          c.x.reduce((a, b) => a * b),
          8,
        );
        const wa = randomArray(
          c.w.reduce((a, b) => a * b),
          9,
        );
        const xs = c.x as [number, number, number, number];
        const ws = c.w as [number, number, number, number];
        const loss = (x: tf.Tensor4D, w: tf.Tensor4D) => {
          const y = tf.depthwiseConv2d(x, w, c.s, c.pad, 'NHWC', c.d ?? 1);
          return tf.sum(tf.mul(y, tf.tensor(randomArray(y.size, 10), y.shape)));
        };
        const grads = () =>
          tf.grads((a: tf.Tensor, b: tf.Tensor) => loss(a as tf.Tensor4D, b as tf.Tensor4D))([
            tf.tensor4d(xa, xs),
            tf.tensor4d(wa, ws),
          ]);
        const ours = tf.tidy(grads);
        const [gx, gw] = [ours[0].dataSync(), ours[1].dataSync()];
        tf.dispose(ours);
        if (!c.d) {
          const [rx, rw] = await onBackend('cpu', () => tf.tidy(grads));
          close(gx, rx, 1e-5, 'dx vs cpu');
          close(gw, rw, 1e-5, 'dw vs cpu');
        }
        const xT = tf.tensor4d(xa, xs);
        const wT = tf.tensor4d(wa, ws);
        const ix = sampleIndices(xa.length, 12, 12);
        const fx = finiteDifferences(
          (v) => tf.tidy(() => sum(loss(tf.tensor4d(v, xs), wT))),
          xa,
          ix,
          0.5,
        );
        close(
          ix.map((i) => gx[i]),
          fx,
          1e-4,
          'dx vs finite differences',
        );
        const iw = sampleIndices(wa.length, 12, 11);
        const fw = finiteDifferences(
          (v) => tf.tidy(() => sum(loss(xT, tf.tensor4d(v, ws)))),
          wa,
          iw,
          0.5,
        );
        close(
          iw.map((i) => gw[i]),
          fw,
          1e-4,
          'dw vs finite differences',
        );
        tf.dispose([xT, wT]);
      });
    }

    for (const affine of [true, false]) {
      for (const shape of [
        [2, 3, 5, 4],
        [1, 4, 4, 3],
      ]) {
        test(`batchNorm2dTrain x${shape} affine=${affine}: values and gradients`, async () => {
          const xs = shape as [number, number, number, number];
          const C = shape[3];
          const xa = randomArray(
            xs.reduce((a, b) => a * b),
            12,
            -2,
            3,
          );
          const ga = randomArray(C, 13, 0.5, 1.5);
          const ba = randomArray(C, 14);
          const ra = randomArray(xa.length, 15);
          const ours = tf.tidy(() => {
            const f = (x: tf.Tensor, g?: tf.Tensor, b?: tf.Tensor) => {
              const out = batchNorm2dTrain(
                x as tf.Tensor4D,
                (g as tf.Tensor1D) ?? null,
                (b as tf.Tensor1D) ?? null,
              );
              return tf.sum(tf.mul(out.y, tf.tensor(ra, xs)));
            };
            const args: tf.Tensor[] = [tf.tensor4d(xa, xs)];
            if (affine) args.push(tf.tensor1d(ga), tf.tensor1d(ba));
            const out = batchNorm2dTrain(
              args[0] as tf.Tensor4D,
              affine ? (args[1] as tf.Tensor1D) : null,
              affine ? (args[2] as tf.Tensor1D) : null,
            );
            return [out.y, out.mean, out.variance, ...tf.grads(f)(args)];
          });
          const arrays = ours.map((t) => Float32Array.from(t.dataSync()));
          tf.dispose(ours);
          // Reference: the textbook formula through stock tfjs ops and autodiff on cpu.
          const ref = await onBackend('cpu', () =>
            tf.tidy(() => {
              const norm = (x: tf.Tensor, g?: tf.Tensor, b?: tf.Tensor) => {
                const { mean, variance } = tf.moments(x, [0, 1, 2]);
                let y = tf.div(tf.sub(x, mean), tf.sqrt(tf.add(variance, 1e-5)));
                if (g) y = tf.add(tf.mul(y, g), b as tf.Tensor);
                return y;
              };
              const f = (x: tf.Tensor, g?: tf.Tensor, b?: tf.Tensor) =>
                tf.sum(tf.mul(norm(x, g, b), tf.tensor(ra, xs)));
              const args: tf.Tensor[] = [tf.tensor4d(xa, xs)];
              if (affine) args.push(tf.tensor1d(ga), tf.tensor1d(ba));
              const m = tf.moments(args[0], [0, 1, 2]);
              return [norm(args[0], args[1], args[2]), m.mean, m.variance, ...tf.grads(f)(args)];
            }),
          );
          const names = ['y', 'mean', 'variance', 'dx', 'dgamma', 'dbeta'];
          for (let i = 0; i < ref.length; i++) close(arrays[i], ref[i], 2e-5, names[i]);
          // Finite differences of the fused forward pass for dx.
          const idx = sampleIndices(xa.length, 8, 16);
          const fd = finiteDifferences(
            (v) =>
              tf.tidy(() => {
                const out = batchNorm2dTrain(
                  tf.tensor4d(v, xs),
                  affine ? tf.tensor1d(ga) : null,
                  affine ? tf.tensor1d(ba) : null,
                );
                return sum(tf.mul(out.y, tf.tensor(ra, xs)));
              }),
            xa,
            idx,
            1e-2,
          );
          close(
            idx.map((i) => arrays[3][i]),
            fd,
            2e-2,
            'dx vs finite differences',
          );
        });
      }
    }
  });
}
