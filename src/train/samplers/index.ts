/**
 * Path samplers for supernet training: uniform single path (SPOS), FairNAS strict fairness,
 * multi-path (gradients averaged), the sandwich rule and few-shot supernets; the multi-path step
 * that accumulates path gradients into one update.
 */
export * from './types';
export * from './samplers';
export {
  NB201_CODEC,
  NB201_SAMPLER_SPACE,
  nb201AllLive,
  nb201Extremes,
} from '../../spaces/nb201/codec';
export { accumulateGradients, multiPathStep } from '../step';
export type { PathNetwork } from '../step';
