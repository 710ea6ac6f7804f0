import { adamStep, DARTS_ARCH_ADAM, initAdamState, type AdamOptions, type AdamState } from './adam';
import { exponentiatedGradientStep } from './eg';
import { identityMixing, softmaxMixing, type MixingMap } from './hypergradient';
import {
  assertFiniteMatrix,
  assertOnSimplex,
  cloneMatrix,
  softmaxRows,
  uniformSimplex,
  type ArchMatrix,
} from './simplex';

/** JSON-serialisable optimizer state, stored in checkpoints so that a search resumes exactly. */
export type ArchOptimizerState =
  | { kind: 'darts-adam'; alpha: ArchMatrix; adam: AdamState; options: AdamOptions }
  | { kind: 'gaea-eg'; theta: ArchMatrix; eta: number; steps: number };

/** An optimizer of architecture parameters (a product of per-edge decisions). */
export interface ArchOptimizer {
  /** Raw parameters the gradient is taken against: alpha (DARTS) or theta (GAEA). */
  params(): ArchMatrix;
  /** Mixing weights on the per-edge simplices: softmax(alpha) or theta. */
  weights(): ArchMatrix;
  /** The raw -> mixing map used inside gradient tapes. */
  readonly mixing: MixingMap;
  /** One update with the gradient w.r.t. params(). */
  step(grad: ArchMatrix): void;
  state(): ArchOptimizerState;
}

/** DARTS: Adam on logits alpha (defaults: lr 3e-4, betas (0.5, 0.999), weight decay 1e-3). */
export class DartsArchOptimizer implements ArchOptimizer {
  readonly mixing = softmaxMixing;
  private alpha: ArchMatrix;
  private adam: AdamState;
  readonly options: AdamOptions;

  constructor(alpha: ArchMatrix, options: Partial<AdamOptions> = {}, adam?: AdamState) {
    assertFiniteMatrix(alpha, 'alpha');
    this.alpha = cloneMatrix(alpha);
    this.options = { ...DARTS_ARCH_ADAM, ...options };
    this.adam = adam
      ? { step: adam.step, m: cloneMatrix(adam.m), v: cloneMatrix(adam.v) }
      : initAdamState(alpha.length, alpha[0].length);
  }

  /**
   * DARTS' start: alpha = 1e-3 * N(0, 1) (as in the NAS-Bench-201 DARTS code), drawn from the
   * caller's seeded normal generator.
   */
  static init(
    edges: number,
    ops: number,
    normal: () => number,
    options: Partial<AdamOptions> = {},
  ): DartsArchOptimizer {
    const alpha = Array.from({ length: edges }, () =>
      Array.from({ length: ops }, () => 1e-3 * normal()),
    );
    return new DartsArchOptimizer(alpha, options);
  }

  params(): ArchMatrix {
    return cloneMatrix(this.alpha);
  }
  weights(): ArchMatrix {
    return softmaxRows(this.alpha);
  }
  step(grad: ArchMatrix): void {
    const out = adamStep(this.alpha, grad, this.adam, this.options);
    this.alpha = out.params;
    this.adam = out.state;
  }
  state(): ArchOptimizerState {
    return {
      kind: 'darts-adam',
      alpha: cloneMatrix(this.alpha),
      adam: { step: this.adam.step, m: cloneMatrix(this.adam.m), v: cloneMatrix(this.adam.v) },
      options: { ...this.options },
    };
  }
}

/**
 * GAEA: exponentiated gradient directly on theta (per-edge simplices), no weight decay
 * (reference NB-201 setting: step size 0.1, start uniform).
 */
export class GaeaArchOptimizer implements ArchOptimizer {
  readonly mixing = identityMixing;
  private theta: ArchMatrix;
  private steps: number;
  readonly eta: number;

  constructor(theta: ArchMatrix, eta = 0.1, steps = 0) {
    assertOnSimplex(theta, 'theta', 1e-6);
    if (!Number.isFinite(eta) || eta < 0)
      throw new Error(`GAEA step size must be finite and >= 0, got ${eta}`);
    this.theta = cloneMatrix(theta);
    this.eta = eta;
    this.steps = steps;
  }

  static init(edges: number, ops: number, eta = 0.1): GaeaArchOptimizer {
    return new GaeaArchOptimizer(uniformSimplex(edges, ops), eta);
  }

  params(): ArchMatrix {
    return cloneMatrix(this.theta);
  }
  weights(): ArchMatrix {
    return cloneMatrix(this.theta);
  }
  step(grad: ArchMatrix): void {
    this.theta = exponentiatedGradientStep(this.theta, grad, this.eta);
    this.steps += 1;
  }
  state(): ArchOptimizerState {
    return { kind: 'gaea-eg', theta: cloneMatrix(this.theta), eta: this.eta, steps: this.steps };
  }
}

/** Rebuilds an optimizer from its checkpointed state. */
export function archOptimizerFromState(state: ArchOptimizerState): ArchOptimizer {
  switch (state.kind) {
    case 'darts-adam':
      return new DartsArchOptimizer(state.alpha, state.options, state.adam);
    case 'gaea-eg':
      return new GaeaArchOptimizer(state.theta, state.eta, state.steps);
    default: {
      const kind: unknown = (state as { kind: unknown }).kind;
      throw new Error(`unknown architecture optimizer state kind ${JSON.stringify(kind)}`);
    }
  }
}
