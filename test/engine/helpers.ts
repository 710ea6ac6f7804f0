import * as fs from 'node:fs';
import * as tf from '@tensorflow/tfjs';
import { Rng } from '../../src/engine';
import { ADDON_PATH } from '../../src/engine/native/addon';

/** Deterministic test data (independent of tfjs's own RNG). */
export function randomArray(n: number, seed: number, lo = -1, hi = 1): Float32Array {
  return new Rng(seed).fillUniform(new Float32Array(n), lo, hi);
}

export function randomTensor<R extends tf.Rank>(shape: number[], seed: number): tf.Tensor<R> {
  const size = shape.reduce((a, b) => a * b, 1);
  return tf.tensor(randomArray(size, seed), shape) as unknown as tf.Tensor<R>;
}

export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`length ${a.length} vs ${b.length}`);
  let m = 0;
  for (let i = 0; i < a.length; i++) {
    const na = Number.isNaN(a[i]);
    const nb = Number.isNaN(b[i]);
    if (na || nb) {
      if (na !== nb) return Infinity; // NaN only on one side
      continue;
    }
    m = Math.max(m, Math.abs(a[i] - b[i]));
  }
  return m;
}

export function maxAbs(a: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) if (!Number.isNaN(a[i])) m = Math.max(m, Math.abs(a[i]));
  return m;
}

/** Runs fn on another backend and returns its arrays; restores the previous backend. */
export async function onBackend(name: string, fn: () => tf.Tensor[]): Promise<Float32Array[]> {
  const previous = tf.getBackend();
  await tf.setBackend(name);
  try {
    const outs = fn();
    const arrays = outs.map((t) => Float32Array.from(t.dataSync()));
    tf.dispose(outs);
    return arrays;
  } finally {
    await tf.setBackend(previous);
  }
}

/**
 * Central finite differences of a scalar function of one float array, at the given indices.
 * For functions linear in the argument (convolutions, pooling) any step is exact.
 */
export function finiteDifferences(
  f: (x: Float32Array) => number,
  x: Float32Array,
  indices: number[],
  eps: number,
): number[] {
  return indices.map((i) => {
    const p = Float32Array.from(x);
    p[i] += eps;
    const m = Float32Array.from(x);
    m[i] -= eps;
    return (f(p) - f(m)) / (2 * eps);
  });
}

/** A few indices spread over [0, n), always including the first and last. */
export function sampleIndices(n: number, count: number, seed: number): number[] {
  const rng = new Rng(seed);
  const s = new Set<number>([0, n - 1]);
  while (s.size < Math.min(n, count)) s.add(rng.int(n));
  return [...s];
}

/** Engines whose kernels are tested in this run (wasm and cpu always; native when built). */
export function kernelEngines(): ('wasm' | 'cpu' | 'native')[] {
  return hasNative() ? ['native', 'wasm', 'cpu'] : ['wasm', 'cpu'];
}

/** True when the native addon has been built (npm run build:native). */
export function hasNative(): boolean {
  return fs.existsSync(ADDON_PATH);
}
