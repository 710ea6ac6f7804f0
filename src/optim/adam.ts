import { assertFiniteMatrix, assertSameShape, filledMatrix, type ArchMatrix } from './simplex';

/** Adam hyper-parameters (PyTorch semantics: weight decay is an L2 term added to the gradient). */
export interface AdamOptions {
  lr: number;
  beta1: number;
  beta2: number;
  eps: number;
  weightDecay: number;
}

/** DARTS' architecture optimizer: Adam, lr 3e-4, betas (0.5, 0.999), weight decay 1e-3. */
export const DARTS_ARCH_ADAM: Readonly<AdamOptions> = Object.freeze({
  lr: 3e-4,
  beta1: 0.5,
  beta2: 0.999,
  eps: 1e-8,
  weightDecay: 1e-3,
});

/** Serialisable Adam state (goes into checkpoints as JSON). */
export interface AdamState {
  step: number;
  m: ArchMatrix;
  v: ArchMatrix;
}

export function initAdamState(edges: number, ops: number): AdamState {
  return { step: 0, m: filledMatrix(edges, ops, 0), v: filledMatrix(edges, ops, 0) };
}

function checkOptions(o: AdamOptions): void {
  for (const k of ['lr', 'beta1', 'beta2', 'eps', 'weightDecay'] as const) {
    if (!Number.isFinite(o[k]) || o[k] < 0) throw new Error(`Adam ${k} must be >= 0, got ${o[k]}`);
  }
  if (o.beta1 >= 1 || o.beta2 >= 1)
    throw new Error(`Adam betas must be < 1, got (${o.beta1}, ${o.beta2})`);
}

/**
 * One Adam step on a matrix of parameters. Returns the new parameters and state; inputs are not
 * modified. Matches torch.optim.Adam (amsgrad off, L2 weight decay).
 */
export function adamStep(
  params: ArchMatrix,
  grad: ArchMatrix,
  state: AdamState,
  options: AdamOptions,
): { params: ArchMatrix; state: AdamState } {
  checkOptions(options);
  assertFiniteMatrix(params, 'params');
  assertFiniteMatrix(grad, 'grad');
  assertSameShape(params, grad, 'params', 'grad');
  assertSameShape(params, state.m, 'params', 'Adam state m');
  const { lr, beta1, beta2, eps, weightDecay } = options;
  const step = state.step + 1;
  const bc1 = 1 - beta1 ** step;
  const bc2 = 1 - beta2 ** step;
  const m = params.map((row) => row.slice());
  const v = params.map((row) => row.slice());
  const next = params.map((row, e) =>
    row.map((p, o) => {
      const g = grad[e][o] + weightDecay * p;
      const mi = beta1 * state.m[e][o] + (1 - beta1) * g;
      const vi = beta2 * state.v[e][o] + (1 - beta2) * g * g;
      m[e][o] = mi;
      v[e][o] = vi;
      return p - ((lr / bc1) * mi) / (Math.sqrt(vi) / Math.sqrt(bc2) + eps);
    }),
  );
  return { params: next, state: { step, m, v } };
}
