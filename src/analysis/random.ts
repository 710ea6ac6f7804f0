/**
 * Small seeded pseudo-random generator for the analysis code (bootstrap resampling, random
 * subsets). mulberry32: 32-bit state, fast, good enough for resampling; not cryptographic.
 */
export interface Rng {
  /** Uniform float in [0, 1). */
  next(): number;
  /** Uniform integer in [0, n). */
  int(n: number): number;
}

export function createRng(seed: number): Rng {
  if (!Number.isFinite(seed)) throw new Error(`seed must be a finite number, got ${seed}`);
  let state = Math.floor(seed) >>> 0 || 0x9e3779b9;
  const next = (): number => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return { next, int: (n: number) => Math.floor(next() * n) };
}

/** k distinct indices from [0, n), uniformly without replacement (partial Fisher-Yates). */
export function sampleWithoutReplacement(n: number, k: number, rng: Rng): number[] {
  if (!Number.isInteger(k) || k < 0 || k > n) {
    throw new Error(`cannot sample ${k} of ${n} items without replacement`);
  }
  const idx = Array.from({ length: n }, (_, i) => i);
  for (let i = 0; i < k; i++) {
    const j = i + rng.int(n - i);
    const t = idx[i];
    idx[i] = idx[j];
    idx[j] = t;
  }
  return idx.slice(0, k);
}
