import { assertFiniteMatrix, assertOnSimplex, assertSameShape, type ArchMatrix } from './simplex';

/** Largest |eta * g| used in the exponent; beyond it the result no longer changes (the winner takes all). */
const MAX_STEP = 1e300;

/**
 * One exponentiated-gradient (mirror-descent) step on a product of simplices (GAEA, seed 002,
 * steps 4.a/4.b): theta~ = theta * exp(-eta * grad), then every row is renormalised to sum 1.
 *
 * Computed in log space with a per-row max shift, so any finite gradient gives a valid simplex:
 * no NaN, no negative entry, never a zero sum (the row's best entry maps to exp(0) = 1 before
 * normalisation). Entries that are exactly 0 stay 0 (as the multiplicative update implies).
 * Throws on a non-finite gradient or step size, naming the entry.
 */
export function exponentiatedGradientStep(
  theta: ArchMatrix,
  grad: ArchMatrix,
  eta: number,
): ArchMatrix {
  if (!Number.isFinite(eta) || eta < 0)
    throw new Error(`EG step size must be finite and >= 0, got ${eta}`);
  assertOnSimplex(theta, 'theta', 1e-6);
  assertFiniteMatrix(grad, 'grad');
  assertSameShape(theta, grad, 'theta', 'grad');
  return theta.map((row, e) => {
    const z = row.map((t, o) => {
      const step = Math.min(MAX_STEP, Math.max(-MAX_STEP, eta * grad[e][o]));
      return Math.log(t) - step; // log 0 = -Infinity: a zero entry stays zero
    });
    const max = Math.max(...z);
    const ex = z.map((v) => Math.exp(v - max));
    const sum = ex.reduce((a, b) => a + b, 0);
    return ex.map((v) => v / sum);
  });
}
