/** The five samplers: uniform single path, FairNAS, multi-path, sandwich, few-shot. */
import type { RandomSource } from '../../spaces/types';
import type { SamplerSpace } from '../../spaces/choices';
import type { SamplerSettings } from '../../supernet/binding';
import { BadInputError } from '../../errors';
import {
  permutation,
  type ChoiceCodec,
  type PathSampler,
  type SamplerName,
  type StepPlan,
} from './types';

/** SPOS: one uniformly drawn valid architecture per step (exactly one `sample` call). */
export function uniformSampler<A>(sample: (rng: RandomSource) => A): PathSampler<A> {
  return {
    name: 'uniform',
    next: (rng) => ({ paths: [sample(rng)], reduce: 'mean' }),
    state: () => ({ name: 'uniform' }),
  };
}

/**
 * FairNAS strict fairness: a step is a group of K = max options sub-steps on the same batch;
 * every decision draws a random permutation of its options, and sub-step k takes option
 * perm[k] on every decision, so each option of each decision is trained exactly once per group
 * (decisions with fewer options than K reuse a fresh permutation for the rest). Gradients of the
 * K paths are accumulated (summed) and applied in one update, as in FairNAS. Paths may be
 * invalid cells of a space (e.g. an NB-201 cell whose output is cut off); they are still run.
 */
export function fairnasSampler<A>(
  codec: ChoiceCodec<A>,
  live?: (arch: A) => boolean,
  maxTries = 100_000,
): PathSampler<A> {
  const k = Math.max(...codec.options);
  const group = (rng: RandomSource): A[] => {
    const perms = codec.options.map((n) => {
      const p: number[] = [];
      while (p.length < k) p.push(...permutation(rng, n));
      return p.slice(0, k);
    });
    const paths: A[] = [];
    for (let s = 0; s < k; s++) paths.push(codec.decode(perms.map((p) => p[s])));
    return paths;
  };
  return {
    name: 'fairnas',
    next(rng) {
      // In a DAG cell an op whose node does not reach the output gets no gradient; with `live`
      // the group is redrawn until every op of every path is live, so each op really is
      // updated once per group (still a uniform draw among the fair, fully live groups).
      let paths = group(rng);
      for (let t = 1; live && t < maxTries && !paths.every(live); t++) paths = group(rng);
      return { paths, reduce: 'sum' };
    },
    state: () => ({ name: 'fairnas', group: k }),
  };
}

/** Multi-path: m uniformly drawn valid paths per step on the same batch, gradients averaged. */
export function multipathSampler<A>(
  sample: (rng: RandomSource) => A,
  paths: number,
): PathSampler<A> {
  checkPaths(paths);
  return {
    name: 'multipath',
    next(rng) {
      const out: A[] = [];
      for (let i = 0; i < paths; i++) out.push(sample(rng));
      return { paths: out, reduce: 'mean' };
    },
    state: () => ({ name: 'multipath', paths }),
  };
}

/**
 * Sandwich rule: the smallest and the largest architecture (by parameters) plus m uniformly
 * drawn ones per step, gradients averaged.
 */
export function sandwichSampler<A>(
  sample: (rng: RandomSource) => A,
  extremes: { smallest: A; largest: A },
  randomPaths: number,
): PathSampler<A> {
  if (!Number.isInteger(randomPaths) || randomPaths < 0) {
    throw new Error(`sandwich needs a non-negative number of random paths, got ${randomPaths}`);
  }
  return {
    name: 'sandwich',
    next(rng) {
      const out: A[] = [extremes.smallest, extremes.largest];
      for (let i = 0; i < randomPaths; i++) out.push(sample(rng));
      return { paths: out, reduce: 'mean' };
    },
    state: () => ({ name: 'sandwich', randomPaths }),
  };
}

export { extremesByParams } from '../../spaces/choices';

/**
 * Few-shot supernets: the space is split on decision `edge` into one sub-supernet per option
 * (separate weight copies, all initialised alike). Sampling is uniform single path; `route`
 * names the sub-supernet that trains, and later scores, an architecture: the one whose index is
 * the architecture's option on the split edge.
 */
export interface FewShotSampler<A> extends PathSampler<A> {
  readonly edge: number;
  readonly shots: number;
  route(arch: A): number;
}

export function fewshotSampler<A>(
  sample: (rng: RandomSource) => A,
  codec: ChoiceCodec<A>,
  edge: number,
  space = 'the space',
): FewShotSampler<A> {
  if (!Number.isInteger(edge) || edge < 0 || edge >= codec.options.length) {
    throw new BadInputError(
      `--few-shot-edge ${edge}: ${space} has decisions 0-${codec.options.length - 1} (config fewShotEdge)`,
    );
  }
  return {
    name: 'fewshot',
    edge,
    shots: codec.options[edge],
    next: (rng) => ({ paths: [sample(rng)], reduce: 'mean' }),
    route: (arch) => codec.encode(arch)[edge],
    state: () => ({ name: 'fewshot', edge, shots: codec.options[edge] }),
  };
}

export function isFewShot<A>(s: PathSampler<A>): s is FewShotSampler<A> {
  return s.name === 'fewshot';
}

export type { SamplerSettings };

/** Defaults: multipath 2 paths, sandwich 2 random paths (4 in all), few-shot split on edge 0. */
export const SAMPLER_DEFAULTS = { multipathPaths: 2, sandwichRandom: 2, fewShotEdge: 0 } as const;

export type { SamplerSpace };

/** The sampler of settings `s` on `space` (named in errors when it has a `space` name). */
export function createSampler<A>(
  space: SamplerSpace<A> & { space?: string },
  s: SamplerSettings,
): PathSampler<A> {
  switch (s.sampler) {
    case 'uniform':
      return uniformSampler(space.sample);
    case 'fairnas':
      return fairnasSampler(space.codec, space.live);
    case 'multipath':
      return multipathSampler(space.sample, s.samplerPaths ?? SAMPLER_DEFAULTS.multipathPaths);
    case 'sandwich':
      return sandwichSampler(
        space.sample,
        space.extremes(),
        s.samplerPaths ?? SAMPLER_DEFAULTS.sandwichRandom,
      );
    case 'fewshot':
      return fewshotSampler(
        space.sample,
        space.codec,
        s.fewShotEdge ?? SAMPLER_DEFAULTS.fewShotEdge,
        space.space,
      );
    default:
      throw new Error(`unknown sampler ${JSON.stringify(s.sampler)}`);
  }
}

function checkPaths(n: number): void {
  if (!Number.isInteger(n) || n < 1) throw new Error(`paths per step must be >= 1, got ${n}`);
}

export type { StepPlan };
