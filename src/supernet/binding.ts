/**
 * The contract between a search space and the one training pipeline: what a space contributes to
 * a run (sampling, codec, formatting, networks, costs, metric). Each space's binding lives in
 * src/supernet/<space>/; src/supernet/registry.ts is the only list of them.
 */
import type { SamplerSpace } from '../spaces/choices';
import type { SpaceNetwork } from './blocks';

/** What a space contributes to a run. */
export interface SpaceRunSpec<A> extends SamplerSpace<A> {
  /** Registered space name (config.json `space`). */
  space: string;
  format(arch: A): string;
  /** A supernet (every op owned) initialised from `seed`. */
  build(seed: number): SpaceNetwork<A>;
  params(arch: A): number;
  flops(arch: A): number;
  /**
   * What the study correlates: validation accuracy (default), or perplexity = exp(mean
   * cross-entropy) for language models (scores.csv and groundtruth.csv still hold top-1
   * next-token accuracy and the loss; summary.json names the metric).
   */
  metric?: 'accuracy' | 'perplexity';
}
