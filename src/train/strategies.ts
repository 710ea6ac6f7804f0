/**
 * What differs per step between the trainings of the one loop (fit.ts): the networks that exist
 * and the paths each batch trains. Strategies never own their networks: whoever builds them
 * disposes them (`strategy.nets`).
 */
import type { RandomSource } from '../spaces/types';
import type { SamplerSpace } from '../spaces/choices';
import type { SpaceNetwork } from '../supernet/blocks';
import { createSampler, isFewShot, type SamplerSettings } from './samplers/samplers';
import type { StepPlan } from './samplers/types';

export interface FitStrategy<A> {
  /** The networks trained (one; few-shot: one sub-supernet per option of the split edge). */
  readonly nets: readonly SpaceNetwork<A>[];
  /** The paths of the next step and the index of the network they train. */
  next(rng: RandomSource): StepPlan<A> & { net: number };
  /** JSON-ready configuration stored in checkpoints. */
  state(): Record<string, unknown>;
}

/** A supernet strategy, with the rule that picks the network an architecture belongs to. */
export interface SupernetStrategy<A> extends FitStrategy<A> {
  /** Index of the (sub-)supernet that trains, and later scores, `arch`. */
  route(arch: A): number;
}

/**
 * SPOS-style supernet training with any path sampler. Few-shot builds one network per option of
 * the split decision (same initialisation) and trains each path on its own sub-supernet; every
 * other sampler trains one network.
 */
export function supernetStrategy<A>(
  space: SamplerSpace<A>,
  settings: SamplerSettings,
  build: () => SpaceNetwork<A>,
): SupernetStrategy<A> {
  const sampler = createSampler(space, settings);
  const shots = isFewShot(sampler) ? sampler.shots : 1;
  const route = (arch: A) => (isFewShot(sampler) ? sampler.route(arch) : 0);
  const nets: SpaceNetwork<A>[] = [];
  try {
    for (let k = 0; k < shots; k++) nets.push(build());
  } catch (err) {
    nets.forEach((n) => n.dispose());
    throw err;
  }
  return {
    nets,
    route,
    next(rng) {
      const plan = sampler.next(rng);
      return { ...plan, net: plan.paths.length === 1 ? route(plan.paths[0]) : 0 };
    },
    state: () => sampler.state(),
  };
}

/**
 * Stand-alone training of one architecture: every step trains only its path, so the network's
 * other variables (if it is a supernet) stay untouched.
 */
export function standaloneStrategy<A>(net: SpaceNetwork<A>, arch: A): FitStrategy<A> {
  return {
    nets: [net],
    next: () => ({ paths: [arch], reduce: 'mean', net: 0 }),
    state: () => ({ name: 'standalone' }),
  };
}
