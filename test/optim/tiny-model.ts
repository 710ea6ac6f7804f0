/**
 * A tiny relaxed network for testing architecture gradients, written twice: once in tfjs (what the
 * optimizers differentiate) and once in plain float64 JavaScript (the finite-difference oracle).
 *
 * Two chained edges on R^2, four candidate ops each: linear (x W_a), tanh(x W_b), identity, zero.
 * Output = h2 . v, loss = mean squared error against y.
 */
import * as tf from '@tensorflow/tfjs';
import type { RelaxedModel } from '../../src/optim';

export interface TinyBatch {
  x: number[][];
  y: number[];
}
export interface TinyTensors {
  x: tf.Tensor2D;
  y: tf.Tensor2D;
}

/** Flat weight vector layout: W0, W1, W2, W3 (2x2 each, row-major), v (2). */
export const TINY_WEIGHT_COUNT = 18;
export const TINY_EDGES = 2;
export const TINY_OPS = 4;

/** Deterministic pseudo-random numbers in [-1, 1) (test data only). */
export function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return (s / 2 ** 32) * 2 - 1;
  };
}

export function tinyBatch(seed: number, n: number): TinyBatch {
  const r = lcg(seed);
  const x = Array.from({ length: n }, () => [r(), r()]);
  const y = x.map(([a, b]) => Math.sin(2 * a) + 0.5 * b * b + 0.1 * r());
  return { x, y };
}

export function toTensors(b: TinyBatch): TinyTensors {
  return { x: tf.tensor2d(b.x), y: tf.tensor2d(b.y.map((v) => [v])) };
}

function mat(w: number[], offset: number): number[][] {
  return [
    [w[offset], w[offset + 1]],
    [w[offset + 2], w[offset + 3]],
  ];
}

function edge64(h: number[], wa: number[][], wb: number[][], m: number[]): number[] {
  const lin = [h[0] * wa[0][0] + h[1] * wa[1][0], h[0] * wa[0][1] + h[1] * wa[1][1]];
  const pre = [h[0] * wb[0][0] + h[1] * wb[1][0], h[0] * wb[0][1] + h[1] * wb[1][1]];
  return [0, 1].map((j) => m[0] * lin[j] + m[1] * Math.tanh(pre[j]) + m[2] * h[j] + m[3] * 0);
}

/** Float64 reference loss for flat weights and mixing weights [2][4]. */
export function tinyLoss64(w: number[], mixing: number[][], batch: TinyBatch): number {
  let sum = 0;
  batch.x.forEach((x, i) => {
    const h1 = edge64(x, mat(w, 0), mat(w, 4), mixing[0]);
    const h2 = edge64(h1, mat(w, 8), mat(w, 12), mixing[1]);
    const out = h2[0] * w[16] + h2[1] * w[17];
    sum += (out - batch.y[i]) ** 2;
  });
  return sum / batch.x.length;
}

/** The same network in tfjs, with its weights as variables. */
export function tinyModel(w: number[]): RelaxedModel<TinyTensors> & { dispose(): void } {
  if (w.length !== TINY_WEIGHT_COUNT) throw new Error('bad weight count');
  const variable = (values: number[][]) => tf.tidy(() => tf.variable(tf.tensor2d(values), true));
  const vars = [0, 4, 8, 12].map((o) => variable(mat(w, o)));
  const v = variable([[w[16]], [w[17]]]);
  const weights = [...vars, v];
  const edge = (h: tf.Tensor2D, wa: tf.Tensor2D, wb: tf.Tensor2D, m: tf.Tensor1D) =>
    tf.addN([
      h.matMul(wa).mul(m.slice(0, 1)),
      tf.tanh(h.matMul(wb)).mul(m.slice(1, 1)),
      h.mul(m.slice(2, 1)),
      tf.zerosLike(h).mul(m.slice(3, 1)),
    ]) as tf.Tensor2D;
  return {
    weights,
    loss(mixing, batch) {
      return tf.tidy(() => {
        const rows = tf.unstack(mixing) as tf.Tensor1D[];
        const h1 = edge(batch.x, vars[0], vars[1], rows[0]);
        const h2 = edge(h1, vars[2], vars[3], rows[1]);
        return tf.losses.meanSquaredError(batch.y, h2.matMul(v)) as tf.Scalar;
      });
    },
    dispose() {
      weights.forEach((t) => t.dispose());
    },
  };
}

/** Central-difference gradient of a float64 function of a flat vector. */
export function numericGradient(f: (x: number[]) => number, x: number[], h: number): number[] {
  return x.map((_, i) => {
    const p = x.slice();
    const m = x.slice();
    p[i] += h;
    m[i] -= h;
    return (f(p) - f(m)) / (2 * h);
  });
}

export function softmax64(row: number[]): number[] {
  const max = Math.max(...row);
  const e = row.map((v) => Math.exp(v - max));
  const s = e.reduce((a, b) => a + b, 0);
  return e.map((v) => v / s);
}
