/**
 * Architecture optimizers for differentiable NAS (seed 002): DARTS (softmax logits, Adam, first
 * and second order), GAEA (exponentiated gradient on per-edge simplices), bilevel vs single-level
 * (ERM) steps, deriving a discrete architecture, and the mean-entropy sparsity measure.
 */
export * from './simplex';
export * from './eg';
export * from './adam';
export * from './hypergradient';
export * from './arch-optimizer';
export * from './arch-step';
export * from './relaxed-nb201';
export * from './differentiable-search';
