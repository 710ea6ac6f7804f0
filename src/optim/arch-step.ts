import type { ArchOptimizer } from './arch-optimizer';
import {
  firstOrderArchGradient,
  secondOrderArchGradient,
  type ArchGradient,
  type RelaxedModel,
} from './hypergradient';

/**
 * Which loss the architecture is fitted to: `bilevel` = validation loss on a held-out batch
 * (DARTS, GAEA bilevel); `erm` = the training loss on the same batch as the weight step
 * (single-level empirical risk minimisation, seed 002).
 */
export type ArchObjective = 'bilevel' | 'erm';

export interface ArchStepInput<B> {
  objective: ArchObjective;
  /** 1 = first order (gradient at the current weights), 2 = DARTS' unrolled second order. */
  order: 1 | 2;
  /** The batch of the weight step (the ERM objective uses it; the unrolled step trains on it). */
  trainBatch: B;
  /** Held-out batch for the bilevel objective. */
  valBatch?: B;
  /** Unrolled step size (second order only; DARTS uses the current weight learning rate). */
  xi?: number;
  /** Weight decay of the unrolled weight step (second order only). */
  weightDecay?: number;
}

/** The gradient the architecture optimizer receives for one step (no update is applied). */
export function architectureGradient<B>(
  model: RelaxedModel<B>,
  optimizer: ArchOptimizer,
  input: ArchStepInput<B>,
): ArchGradient {
  const raw = optimizer.params();
  if (input.objective === 'erm') {
    if (input.order !== 1)
      throw new Error('the single-level (erm) objective has no second-order form; use order 1');
    return firstOrderArchGradient(model, raw, optimizer.mixing, input.trainBatch);
  }
  if (input.valBatch === undefined)
    throw new Error('the bilevel objective needs a validation batch (valBatch)');
  if (input.order === 1)
    return firstOrderArchGradient(model, raw, optimizer.mixing, input.valBatch);
  if (input.xi === undefined)
    throw new Error('second-order steps need xi (the unrolled step size)');
  return secondOrderArchGradient(model, raw, optimizer.mixing, input.trainBatch, input.valBatch, {
    xi: input.xi,
    weightDecay: input.weightDecay,
  });
}

/** Computes the architecture gradient and applies one optimizer update; returns the gradient. */
export function architectureStep<B>(
  model: RelaxedModel<B>,
  optimizer: ArchOptimizer,
  input: ArchStepInput<B>,
): ArchGradient {
  const g = architectureGradient(model, optimizer, input);
  optimizer.step(g.grad);
  return g;
}
