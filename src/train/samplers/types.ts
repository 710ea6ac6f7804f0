/**
 * Path samplers for weight-sharing supernet training: which sub-networks (paths) one optimizer
 * step trains, and how their gradients are combined.
 */
import type { RandomSource } from '../../spaces/types';
import type { ChoiceCodec } from '../../spaces/choices';

export type { ChoiceCodec };
export { drawIndex, permutation } from '../../spaces/choices';

import { SAMPLER_NAMES, type SamplerName } from '../../supernet/binding';

export { SAMPLER_NAMES };
export type { SamplerName };

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
