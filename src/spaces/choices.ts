/**
 * Architectures as vectors of choices, for the samplers that work on decisions rather than on a
 * space's own types (FairNAS, few-shot, sandwich): the codec contract and small seeded helpers.
 * Pure data, no tensors.
 */
import type { RandomSource } from './types';

/**
 * The decisions of an architecture as a vector of choice indices: decision d takes one of
 * `options[d]` values. FairNAS and few-shot splitting work on this view.
 */
export interface ChoiceCodec<A> {
  /** Number of options of every decision (e.g. NB-201: 6 edges x 5 ops). */
  readonly options: readonly number[];
  encode(arch: A): number[];
  decode(choices: readonly number[]): A;
}

/** Index in [0, n) from one draw. */
export function drawIndex(rng: RandomSource, n: number): number {
  const u = rng.next();
  if (!(u >= 0 && u < 1)) throw new Error(`random source returned ${u}, expected [0, 1)`);
  return Math.min(n - 1, Math.floor(u * n));
}

/** One of `options`, uniformly (one draw). */
export function pickOne<T>(rng: RandomSource, options: readonly T[]): T {
  return options[drawIndex(rng, options.length)];
}

/** A uniformly random permutation of 0..n-1 (Fisher-Yates, n-1 draws). */
export function permutation(rng: RandomSource, n: number): number[] {
  const p = Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = drawIndex(rng, i + 1);
    [p[i], p[j]] = [p[j], p[i]];
  }
  return p;
}

/** Every ordering of `items`, in lexicographic order of positions (n! of them). */
export function allPermutations(items: readonly number[]): number[][] {
  const out: number[][] = [];
  const rec = (prefix: number[], rest: readonly number[]) => {
    if (rest.length === 0) out.push(prefix);
    rest.forEach((x, i) => rec([...prefix, x], [...rest.slice(0, i), ...rest.slice(i + 1)]));
  };
  rec([], items);
  return out;
}

/**
 * The smallest and largest valid architectures by `params`, scanning `candidates` (first one
 * wins ties).
 */
export function extremesByParams<A>(
  candidates: Iterable<A>,
  params: (a: A) => number,
  isValid: (a: A) => boolean = () => true,
): { smallest: A; largest: A; minParams: number; maxParams: number } {
  let smallest: A | undefined;
  let largest: A | undefined;
  let lo = Infinity;
  let hi = -Infinity;
  for (const a of candidates) {
    if (!isValid(a)) continue;
    const p = params(a);
    if (p < lo) [lo, smallest] = [p, a];
    if (p > hi) [hi, largest] = [p, a];
  }
  if (smallest === undefined || largest === undefined) throw new Error('no valid candidate');
  return { smallest, largest, minParams: lo, maxParams: hi };
}

/** Everything a space contributes to build any sampler. */
export interface SamplerSpace<A> {
  sample(rng: RandomSource): A;
  codec: ChoiceCodec<A>;
  /** FairNAS: every op of the path reaches the output (see fairnasSampler). */
  live?(arch: A): boolean;
  /** Smallest and largest valid architectures by parameters (sandwich; computed lazily). */
  extremes(): { smallest: A; largest: A };
}

/** Sampled architectures (seeded, distinct strings). */
export function sampleDistinct<A>(
  spec: { sample(rng: RandomSource): A; format(arch: A): string },
  n: number,
  rng: RandomSource,
): A[] {
  const seen = new Set<string>();
  const out: A[] = [];
  for (let t = 0; out.length < n && t < 100 * n; t++) {
    const a = spec.sample(rng);
    const key = spec.format(a);
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(a);
  }
  return out;
}
