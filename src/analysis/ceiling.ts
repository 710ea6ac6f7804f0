/**
 * The noise ceiling of a ground-truth table: how well two stand-alone trainings of the same cells
 * (two seeds) agree, and from that the best rank correlation any estimator can reach against the
 * table. A supernet's rho means little without it: rho 0.3 against a table whose seeds agree at
 * 0.4 is near the ceiling; against seeds that agree at 0.95 it is far below.
 *
 * Two numbers, because they answer different questions:
 *  - seed agreement: Spearman / Kendall between seed a and seed b, with bootstrap 95 % intervals.
 *    This is what a second stand-alone training achieves against the first: an estimator that
 *    ranks as well as retraining does.
 *  - ceiling against the mean of k seeds (what the study compares estimators with). Model: a
 *    cell's measured accuracy is latent quality T plus independent seed noise, so one seed has
 *    reliability r = var(T) / var(seed) = Pearson(seed a, seed b). The mean of k seeds has
 *    reliability r_k = k r / (1 + (k - 1) r) (Spearman-Brown), and no estimator that does not see
 *    the seeds' noise can correlate with the mean better than T itself: Pearson sqrt(r_k). We
 *    chose this over reporting the seed agreement alone because the study ranks against the
 *    mean, which is less noisy than one seed; and we go through Pearson because Spearman-Brown
 *    is a statement about variances. r is read from the seeds' Spearman through the normal-model
 *    link r = 2 sin(pi rho_s / 6) (robust to outlying accuracies, unlike Pearson on raw values),
 *    and the ceiling is returned as Spearman (6/pi) asin(c / 2) and Kendall (2/pi) asin(c), the
 *    same links. Cells with different seed counts k_i give a mean whose noise variance is
 *    e^2 * mean(1 / k_i), i.e. k is the harmonic mean of the k_i. The interval of the ceiling is
 *    the seed agreement's interval mapped through the same monotone function (a percentile
 *    bootstrap interval maps exactly).
 */
import type { BootstrapOptions } from './bootstrap';
import { AnalysisInputError } from './columns';
import { correlationSummary, type CorrelationSummary } from './summary';

/** Pearson r of a bivariate normal from its Spearman rho (and back); Kendall tau from r. */
export const pearsonFromSpearman = (rho: number) => 2 * Math.sin((Math.PI * rho) / 6);
export const spearmanFromPearson = (r: number) => (6 / Math.PI) * Math.asin(r / 2);
export const kendallFromPearson = (r: number) => (2 / Math.PI) * Math.asin(r);

/** Reliability of the mean of k measurements, each of reliability r (Spearman-Brown). */
export function spearmanBrown(r: number, k: number): number {
  return (k * r) / (1 + (k - 1) * r);
}

export interface MeanOfSeedsCeiling {
  /** Effective number of seeds per cell (harmonic mean). */
  k: number;
  /** Reliability of the mean of k seeds (Pearson scale). */
  reliability: number;
  /** Best Spearman / Kendall any estimator can reach against the mean; interval of the first. */
  spearman: number;
  spearmanCI: { low: number; high: number } | null;
  kendall: number;
}

/** Agreement between the two seeds (n: cells measured with both), and the ceiling it implies. */
export interface NoiseCeiling
  extends Pick<
    CorrelationSummary,
    'n' | 'spearman' | 'kendall' | 'pearson' | 'spearmanCI' | 'kendallCI'
  > {
  meanOfSeeds: MeanOfSeedsCeiling;
}

export interface NoiseCeilingOptions extends BootstrapOptions {
  /** Seeds behind each cell's mean (default: 2 for every cell). */
  seedsPerCell?: readonly number[];
  /** Skip the bootstrap intervals. */
  noIntervals?: boolean;
}

/**
 * The ceiling at a given seed agreement (Spearman between two single seeds) for an estimator
 * ranked against the mean of k seeds. Where the seeds do not agree at all (rho <= 0) nothing can
 * be predicted: 0.
 */
export function ceilingAgainstMean(seedSpearman: number, k: number): number {
  const r = pearsonFromSpearman(seedSpearman);
  if (!(r > 0)) return 0;
  return spearmanFromPearson(Math.sqrt(spearmanBrown(r, k)));
}

/** Harmonic mean of the seed counts: the k of a mean whose noise is e^2 * mean(1 / k_i). */
export function effectiveSeeds(seedsPerCell: readonly number[]): number {
  if (seedsPerCell.length === 0) throw new AnalysisInputError('effectiveSeeds: no cells');
  for (const k of seedsPerCell) {
    if (!(Number.isInteger(k) && k >= 1)) {
      throw new AnalysisInputError(`effectiveSeeds: a seed count is ${k}, not an integer >= 1`);
    }
  }
  return seedsPerCell.length / seedsPerCell.reduce((s, k) => s + 1 / k, 0);
}

/** Noise ceiling from one value per cell under seed a and under seed b (paired by position). */
export function noiseCeiling(
  seedA: ArrayLike<number>,
  seedB: ArrayLike<number>,
  options: NoiseCeilingOptions = {},
): NoiseCeiling {
  const a = correlationSummary(seedA, seedB, options);
  const k = effectiveSeeds(options.seedsPerCell ?? Array.from({ length: seedA.length }, () => 2));
  const c = (rho: number) => ceilingAgainstMean(rho, k);
  const r = pearsonFromSpearman(a.spearman);
  const reliability = r > 0 ? spearmanBrown(r, k) : 0;
  return {
    n: a.n,
    spearman: a.spearman,
    kendall: a.kendall,
    pearson: a.pearson,
    spearmanCI: a.spearmanCI,
    kendallCI: a.kendallCI,
    meanOfSeeds: {
      k,
      reliability,
      spearman: c(a.spearman),
      spearmanCI: a.spearmanCI ? { low: c(a.spearmanCI.low), high: c(a.spearmanCI.high) } : null,
      kendall: kendallFromPearson(Math.sqrt(reliability)),
    },
  };
}
