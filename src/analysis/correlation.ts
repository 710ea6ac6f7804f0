import { sampleCorrelation, sampleRankCorrelation } from 'simple-statistics';
import { AnalysisInputError, checkPaired } from './columns';
import { averageRanks, forEachTieRun, tiedPairsInRuns } from './ranks';

/**
 * Spearman's rank correlation (rho) with midranks for ties, i.e. Pearson's r of the average
 * ranks. Uses simple-statistics' sampleRankCorrelation (>= 7.12 assigns midranks; the tests
 * check ties against textbook values). NaN when either side is constant (undefined).
 */
export function spearman(x: ArrayLike<number>, y: ArrayLike<number>): number {
  checkPaired(x, y, 'spearman');
  atLeastTwo(x, 'spearman');
  return clampUnit(sampleRankCorrelation(Array.from(x), Array.from(y)));
}

/** Pearson's product-moment correlation; NaN when either side is constant. */
export function pearson(x: ArrayLike<number>, y: ArrayLike<number>): number {
  checkPaired(x, y, 'pearson');
  atLeastTwo(x, 'pearson');
  return clampUnit(sampleCorrelation(Array.from(x), Array.from(y)));
}

/** Spearman's rho computed directly as Pearson's r of our own midranks (no library). */
export function spearmanFromRanks(x: ArrayLike<number>, y: ArrayLike<number>): number {
  checkPaired(x, y, 'spearman');
  return clampUnit(sampleCorrelation(averageRanks(x), averageRanks(y)));
}

/** Clamps rounding overshoot into [-1, 1] (NaN stays NaN). */
const clampUnit = (r: number) => Math.max(-1, Math.min(1, r));

function atLeastTwo(x: ArrayLike<number>, what: string): void {
  if (x.length < 2) throw new AnalysisInputError(`${what} needs at least 2 pairs, got ${x.length}`);
}

/** Pair counts behind Kendall's tau. All counts are over unordered pairs i < j. */
export interface KendallCounts {
  n: number;
  /** n(n-1)/2 */
  pairs: number;
  concordant: number;
  discordant: number;
  /** Pairs tied in x (including those tied in both). */
  tiesX: number;
  /** Pairs tied in y (including those tied in both). */
  tiesY: number;
  /** Pairs tied in both x and y. */
  tiesXY: number;
}

/**
 * Kendall pair counts in O(n log n) (Knight, 1966): sort by (x, y), count ties, then count the
 * inversions of y with a bottom-up merge sort; inversions are the discordant pairs.
 */
export function kendallCounts(x: ArrayLike<number>, y: ArrayLike<number>): KendallCounts {
  checkPaired(x, y, 'kendall');
  const n = x.length;
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => x[a] - x[b] || y[a] - y[b]);
  const xAt = (k: number) => x[order[k]];
  const tiesX = tiedPairsInRuns(xAt, 0, n);
  // inside an x-group, y is sorted: count runs of equal y
  let tiesXY = 0;
  forEachTieRun(xAt, 0, n, (i, j) => (tiesXY += tiedPairsInRuns((k) => y[order[k]], i, j + 1)));
  // y in x-order; merge sort counting strict inversions (y_i > y_j with i before j).
  let a = Float64Array.from(order, (i) => y[i]);
  let b = new Float64Array(n);
  let discordant = 0;
  for (let width = 1; width < n; width *= 2) {
    for (let lo = 0; lo < n; lo += 2 * width) {
      const mid = Math.min(lo + width, n);
      const hi = Math.min(lo + 2 * width, n);
      let i = lo;
      let j = mid;
      let k = lo;
      while (i < mid && j < hi) {
        if (a[j] < a[i]) {
          discordant += mid - i; // a[j] is smaller than every remaining left element
          b[k++] = a[j++];
        } else {
          b[k++] = a[i++];
        }
      }
      while (i < mid) b[k++] = a[i++];
      while (j < hi) b[k++] = a[j++];
    }
    const t = a;
    a = b;
    b = t;
  }
  // a is now y sorted: ties in y
  const tiesY = tiedPairsInRuns((k) => a[k], 0, n);
  const pairs = (n * (n - 1)) / 2;
  const concordant = pairs - tiesX - tiesY + tiesXY - discordant;
  return { n, pairs, concordant, discordant, tiesX, tiesY, tiesXY };
}

/** tau-b = (C - D) / sqrt((P - Tx)(P - Ty)); NaN when either side is constant. */
export function tauBFromCounts(c: KendallCounts): number {
  const denom = Math.sqrt((c.pairs - c.tiesX) * (c.pairs - c.tiesY));
  return denom > 0 ? clampUnit((c.concordant - c.discordant) / denom) : NaN;
}

/** Kendall's tau-b (ties in x, in y and in both handled), O(n log n). */
export function kendallTauB(x: ArrayLike<number>, y: ArrayLike<number>): number {
  atLeastTwo(x, 'kendall');
  return tauBFromCounts(kendallCounts(x, y));
}

/** Kendall's tau-a = (C - D) / (n(n-1)/2): ties count as neither. */
export function kendallTauA(x: ArrayLike<number>, y: ArrayLike<number>): number {
  atLeastTwo(x, 'kendall');
  const c = kendallCounts(x, y);
  return (c.concordant - c.discordant) / c.pairs;
}

/**
 * True when two ground-truth values count as tied under `threshold`: |a - b| < threshold, with
 * a relative slack of 1e-9 so that e.g. 93.5 - 93.4 (0.0999999999999943 in floating point) is
 * treated as reaching a threshold of 0.1. With threshold 0 only equal values tie.
 */
export function withinThreshold(diff: number, threshold: number): boolean {
  const d = Math.abs(diff);
  return d === 0 || d < threshold * (1 - 1e-9);
}

/**
 * Sparse Kendall tau (Yu et al., 2020, "Evaluating the search phase of NAS"): architectures whose
 * ground-truth values differ by less than `threshold` (e.g. 0.1 accuracy points) count as tied,
 * so the statistic ignores orderings that are within the benchmark's noise. tau-b form:
 * (C - D) / sqrt((P - Te)(P - Tt)) where Te = exact ties in `estimate`, Tt = thresholded ties in
 * `truth`. With threshold 0 it equals kendallTauB(estimate, truth). O(n log n): pairs are
 * counted with a Fenwick tree over the estimate ranks while sweeping truth in ascending order.
 */
export function sparseKendallTau(
  estimate: ArrayLike<number>,
  truth: ArrayLike<number>,
  threshold: number,
): number {
  return tauBFromCounts(sparseKendallCounts(estimate, truth, threshold));
}

export function sparseKendallCounts(
  estimate: ArrayLike<number>,
  truth: ArrayLike<number>,
  threshold: number,
): KendallCounts {
  checkPaired(estimate, truth, 'sparse kendall');
  if (!(threshold >= 0) || !Number.isFinite(threshold)) {
    throw new AnalysisInputError(`sparse kendall: threshold must be >= 0, got ${threshold}`);
  }
  atLeastTwo(estimate, 'sparse kendall');
  const n = estimate.length;
  // dense ranks of the estimate (1-based) for the Fenwick tree
  const byEst = Array.from({ length: n }, (_, i) => i).sort((a, b) => estimate[a] - estimate[b]);
  const estRank = new Int32Array(n);
  let r = 0;
  for (let i = 0; i < n; i++) {
    if (i === 0 || estimate[byEst[i]] !== estimate[byEst[i - 1]]) r++;
    estRank[byEst[i]] = r;
  }
  const maxRank = r;
  const tree = new Float64Array(maxRank + 1);
  const add = (k: number) => {
    for (; k <= maxRank; k += k & -k) tree[k] += 1;
  };
  const prefix = (k: number) => {
    let s = 0;
    for (; k > 0; k -= k & -k) s += tree[k];
    return s;
  };
  const byTruth = Array.from({ length: n }, (_, i) => i).sort((a, b) => truth[a] - truth[b]);
  let concordant = 0;
  let discordant = 0;
  let tiesY = 0;
  let added = 0; // byTruth[0..added) differ from the current element by at least the threshold
  for (let p = 0; p < n; p++) {
    const i = byTruth[p];
    while (added < p && !withinThreshold(truth[i] - truth[byTruth[added]], threshold)) {
      add(estRank[byTruth[added]]);
      added++;
    }
    tiesY += p - added; // the rest of the earlier elements are within the threshold
    const below = prefix(estRank[i] - 1);
    const atOrBelow = prefix(estRank[i]);
    concordant += below;
    discordant += added - atOrBelow;
  }
  const tiesX = tiedPairsInRuns((k) => estRank[byEst[k]], 0, n);
  const pairs = (n * (n - 1)) / 2;
  // every pair is concordant, discordant or tied in at least one variable, so
  // pairs tied in both = Tx + Ty + C + D - P
  const tiesXY = tiesX + tiesY + concordant + discordant - pairs;
  return { n, pairs, concordant, discordant, tiesX, tiesY, tiesXY };
}
