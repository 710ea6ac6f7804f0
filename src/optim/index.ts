/**
 * Architecture optimizers for differentiable NAS (seed 002): DARTS (softmax logits, Adam, first
 * and second order), GAEA (exponentiated gradient on per-edge simplices), bilevel vs single-level
 * (ERM) steps, deriving a discrete architecture, and the mean-entropy sparsity measure.
 */
export {
  argmaxRows,
  assertOnSimplex,
  cloneMatrix,
  entropy,
  filledMatrix,
  meanEntropy,
  softmaxRows,
  uniformSimplex,
} from './simplex';
export type { ArchMatrix } from './simplex';
export { exponentiatedGradientStep } from './eg';
export { adamStep, DARTS_ARCH_ADAM, initAdamState } from './adam';
export type { AdamOptions, AdamState } from './adam';
export {
  firstOrderArchGradient,
  identityMixing,
  secondOrderArchGradient,
  softmaxMixing,
} from './hypergradient';
export type { ArchGradient, MixingMap, RelaxedModel, SecondOrderOptions } from './hypergradient';
export { archOptimizerFromState, DartsArchOptimizer, GaeaArchOptimizer } from './arch-optimizer';
export type { ArchOptimizer, ArchOptimizerState, ArchParametrization } from './arch-optimizer';
export { architectureGradient, architectureStep } from './arch-step';
export type { ArchObjective, ArchStepInput } from './arch-step';
export { deriveNb201, NB201_MIXING_SHAPE, oneHotNb201, RelaxedNb201 } from './relaxed-nb201';
export type { ImageBatch } from './relaxed-nb201';
export {
  DIFFERENTIABLE_METHODS,
  DifferentiableSearch,
  methodSpec,
  NB201_SEARCH_HYPER,
} from './differentiable-search';
export type {
  ArchSnapshot,
  DifferentiableMethod,
  DifferentiableSearchHyper,
  DifferentiableSearchOptions,
  DifferentiableSearchState,
  MethodSpec,
  SearchStepBatches,
  SearchStepResult,
} from './differentiable-search';
