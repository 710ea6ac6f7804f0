import { mean, sampleStd } from './bootstrap';
import { AnalysisInputError } from './columns';

/** Numerically stable softmax of logits (DARTS architecture parameters). */
export function softmax(logits: ArrayLike<number>): number[] {
  let m = -Infinity;
  for (let i = 0; i < logits.length; i++) m = Math.max(m, logits[i]);
  const e = Array.from(logits, (v) => Math.exp(v - m));
  const s = e.reduce((a, b) => a + b, 0);
  return e.map((v) => v / s);
}

/**
 * Shannon entropy (nats) of one simplex of architecture weights (one edge's op distribution).
 * Weights must be >= 0 and sum to 1 (within 1e-6); 0 log 0 = 0. `normalized` divides by
 * log(k) so a uniform simplex gives 1 and a one-hot simplex gives 0.
 */
export function simplexEntropy(p: ArrayLike<number>, normalized = false): number {
  const k = p.length;
  if (k === 0) throw new AnalysisInputError('simplexEntropy: empty simplex');
  let sum = 0;
  let h = 0;
  for (let i = 0; i < k; i++) {
    const v = p[i];
    if (!Number.isFinite(v) || v < 0) {
      throw new AnalysisInputError(`simplexEntropy: weight ${i} is ${v}; weights must be >= 0`);
    }
    sum += v;
    if (v > 0) h -= v * Math.log(v);
  }
  if (Math.abs(sum - 1) > 1e-6) {
    throw new AnalysisInputError(
      `simplexEntropy: weights sum to ${sum}, not 1 (pass logits through softmax first)`,
    );
  }
  return normalized ? (k > 1 ? h / Math.log(k) : 0) : h;
}

/**
 * Mean entropy over the decision simplices (one per edge) - GAEA's sparsity measure. With
 * `fromLogits` each row is passed through softmax first (DARTS alphas).
 */
export function meanSimplexEntropy(
  simplices: ReadonlyArray<ArrayLike<number>>,
  options: { fromLogits?: boolean; normalized?: boolean } = {},
): number {
  if (simplices.length === 0) throw new AnalysisInputError('meanSimplexEntropy: no simplices');
  return mean(
    simplices.map((s) => simplexEntropy(options.fromLogits ? softmax(s) : s, options.normalized)),
  );
}

export interface EntropyPoint {
  epoch: number;
  meanEntropy: number;
  minEntropy: number;
  maxEntropy: number;
}

/** Entropy of the architecture weights over training (GAEA Fig. 4). */
export function entropyCurve(
  snapshots: ReadonlyArray<{ epoch: number; simplices: ReadonlyArray<ArrayLike<number>> }>,
  options: { fromLogits?: boolean; normalized?: boolean } = {},
): EntropyPoint[] {
  return snapshots.map(({ epoch, simplices }) => {
    const hs = simplices.map((s) =>
      simplexEntropy(options.fromLogits ? softmax(s) : s, options.normalized),
    );
    return {
      epoch,
      meanEntropy: mean(hs),
      minEntropy: Math.min(...hs),
      maxEntropy: Math.max(...hs),
    };
  });
}

export interface MeanStdPoint {
  x: number;
  mean: number;
  std: number;
  n: number;
}

/**
 * Mean +/- sample standard deviation across repeated series (seeds) at each x - for the GAEA
 * figures. Series may have different x sets; each x uses the series that have it.
 */
export function meanStdByX(
  series: ReadonlyArray<ReadonlyArray<{ x: number; y: number }>>,
): MeanStdPoint[] {
  const byX = new Map<number, number[]>();
  for (const s of series) {
    for (const { x, y } of s) {
      if (!Number.isFinite(y)) throw new AnalysisInputError(`meanStdByX: y at x=${x} is ${y}`);
      byX.set(x, [...(byX.get(x) ?? []), y]);
    }
  }
  return [...byX.entries()]
    .sort((a, b) => a[0] - b[0])
    .map(([x, ys]) => ({ x, mean: mean(ys), std: sampleStd(ys), n: ys.length }));
}
