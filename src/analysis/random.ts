/** Seeded randomness for the analysis (bootstrap, random subsets): the project's sfc32 Rng. */
import { createRng, type Rng } from '../engine/random';

export { createRng };
export type { Rng };

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
