/**
 * Path samplers for weight-sharing supernet training: which sub-networks (paths) one optimizer
 * step trains, and how their gradients are combined.
 */
import type { RandomSource } from '../../spaces/types';

export const SAMPLER_NAMES = ['uniform', 'fairnas', 'multipath', 'sandwich', 'fewshot'] as const;
export type SamplerName = (typeof SAMPLER_NAMES)[number];

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

/** The paths of one optimizer step. */
export interface StepPlan<A> {
  /** Sub-networks trained on the same batch in this step (forward + backward each). */
  paths: A[];
  /**
   * How the path gradients become the update: 'sum' accumulates them (FairNAS: one update per
   * group, gradients accumulated), 'mean' averages them (multi-path, sandwich). A single path
   * is the same either way.
   */
  reduce: 'sum' | 'mean';
}

/**
 * A sampler draws the paths of every step from the trainer's per-epoch generator only, so its
 * whole state is its configuration (`state()`): a checkpoint records it and a resumed run checks
 * that it matches.
 */
export interface PathSampler<A> {
  readonly name: SamplerName;
  next(rng: RandomSource): StepPlan<A>;
  /** JSON-ready configuration/state stored in checkpoints. */
  state(): Record<string, unknown>;
}

/** Index in [0, n) from one draw. */
export function drawIndex(rng: RandomSource, n: number): number {
  const u = rng.next();
  if (!(u >= 0 && u < 1)) throw new Error(`random source returned ${u}, expected [0, 1)`);
  return Math.min(n - 1, Math.floor(u * n));
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
