import { AnalysisInputError } from './columns';

export interface PercentileRank {
  /** Percentage of the population strictly worse, plus half of those tied (0-100). */
  percentile: number;
  /** Share of the population strictly better, in percent (0 for the best architecture). */
  betterPercent: number;
  /** 1 = best; ties share the best rank of their group. */
  rank: number;
  /** Population size. */
  n: number;
}

/**
 * Percentile rank of `value` within `population` (e.g. the chosen architecture's ground truth
 * among all architectures of the space). Higher is better unless `higherIsBetter` is false
 * (e.g. perplexity). Uses the mid-distribution convention for ties.
 */
export function percentileRank(
  population: ArrayLike<number>,
  value: number,
  higherIsBetter = true,
): PercentileRank {
  if (population.length === 0) throw new AnalysisInputError('percentileRank: empty population');
  if (!Number.isFinite(value)) throw new AnalysisInputError(`percentileRank: value is ${value}`);
  let worse = 0;
  let equal = 0;
  for (let i = 0; i < population.length; i++) {
    const v = population[i];
    if (!Number.isFinite(v)) {
      throw new AnalysisInputError(
        `percentileRank: population[${i}] is not a finite number (${v})`,
      );
    }
    if (v === value) equal++;
    else if (higherIsBetter ? v < value : v > value) worse++;
  }
  const n = population.length;
  const better = n - worse - equal;
  return {
    percentile: (100 * (worse + 0.5 * equal)) / n,
    betterPercent: (100 * better) / n,
    rank: better + 1,
    n,
  };
}
