/**
 * What differs per step between the trainings of fit.ts: the networks and the paths each batch
 * trains. Whoever builds a strategy's networks disposes them. A strategy that trains more than
 * discrete paths (src/search/differentiable-strategy.ts) brings its own `step` and `checkpoint`.
 */
import type { SpaceBatch } from '../data/types';
import type { RandomSource } from '../spaces/types';
import type { SamplerSpace } from '../spaces/choices';
import type { SpaceNetwork } from '../supernet/blocks';
import type { StoredTensor } from '../runs/folder';
import { createSampler, isFewShot, type SamplerSettings } from './samplers/samplers';
import type { StepPlan } from './samplers/types';

/** What fit hands a strategy-owned step. */
export interface FitStepContext {
  /** Learning rate of fit's schedule at this step. */
  lr: number;
  /** Steps done before this one (the whole run, resumed ones included). */
  step: number;
  epoch: number;
  /** The epoch's path generator (seeds.sampler(epoch)). */
  rng: RandomSource;
  /** The batch of fit's paired stream (FitOptions.paired) zipped with this training batch. */
  paired?: SpaceBatch;
}

/** What a strategy-owned step reports (mean loss and correct count of the training batch). */
export interface FitStepResult {
  loss: number;
  correct: number;
  /** The learning rate the step used, when the strategy owns its schedule (logged by fit). */
  lr?: number;
}

/** The checkpoint of a strategy that owns its optimizer (replaces fit's weights + momentum). */
export interface FitCheckpointHooks {
  /** Every tensor to store (names are the strategy's). */
  tensors(): StoredTensor[];
  /** JSON stored in manifest.state beside fit's keys (epoch, globalStep, rng, pathSampler). */
  state(): Record<string, unknown>;
  /**
   * Restores what tensors() and state() stored; returns the optimizer steps done (fit's global
   * step when the manifest predates it).
   */
  restore(state: Record<string, unknown>, tensors: ReadonlyMap<string, StoredTensor>): number;
}

export interface FitStrategy<A> {
  /** The networks trained (one; few-shot: one sub-supernet per option of the split edge). */
  readonly nets: readonly SpaceNetwork<A>[];
  /** The paths of the next step and the index of the network they train (default step only). */
  next(rng: RandomSource): StepPlan<A> & { net: number };
  /** JSON-ready configuration stored in checkpoints. */
  state(): Record<string, unknown>;
  /**
   * Replaces fit's step (multiPathStep of `next`'s paths with fit's SGD): the strategy owns its
   * optimizer, fit creates none and never calls `next`. Comes with `checkpoint`. Throws
   * DivergenceError (before updating) on a NaN/inf loss.
   */
  step?(batch: SpaceBatch, context: FitStepContext): FitStepResult;
  /** What checkpoints hold instead of fit's weights + momentum of `nets`; only with `step`. */
  readonly checkpoint?: FitCheckpointHooks;
  /**
   * Called after the last step of an epoch, before its log line and checkpoint are written;
   * returns extra fields of the log line.
   */
  endEpoch?(epoch: number): Record<string, number | string | null>;
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
  space: SamplerSpace<A> & { space?: string },
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

/**
 * A supernet trained on a fixed pool of cells (reduced or pruned spaces): every step trains one
 * cell, drawn uniformly from the pool with one number of the epoch's generator,
 * pool[min(len - 1, floor(u * len))].
 */
export function poolStrategy<A>(cells: readonly A[], net: SpaceNetwork<A>): SupernetStrategy<A> {
  if (cells.length === 0) throw new Error('a pool strategy needs at least one cell');
  const pool = [...cells];
  return {
    nets: [net],
    route: () => 0,
    next(rng) {
      const u = rng.next();
      return {
        paths: [pool[Math.min(pool.length - 1, Math.floor(u * pool.length))]],
        reduce: 'mean',
        net: 0,
      };
    },
    state: () => ({ name: 'pool', cells: pool.length }),
  };
}
