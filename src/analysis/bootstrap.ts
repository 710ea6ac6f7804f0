import { AnalysisInputError } from './columns';
import { createRng } from './random';

export interface BootstrapOptions {
  /** Number of resamples (default 1000). */
  resamples?: number;
  /** Coverage of the interval (default 0.95). */
  level?: number;
  /** Seed of the resampling generator (default 0): the same seed gives the same interval. */
  seed?: number;
}

/** Percentile bootstrap confidence interval. */
export interface ConfidenceInterval {
  low: number;
  high: number;
  level: number;
  method: 'percentile-bootstrap';
  resamples: number;
  /** Resamples where the statistic was defined (not NaN, e.g. not constant). */
  valid: number;
  seed: number;
}

/** Arithmetic mean (NaN for no values). */
export function mean(values: readonly number[]): number {
  return values.reduce((a, b) => a + b, 0) / values.length;
}

/** Sample standard deviation (divisor n - 1) around `m`; 0 for a single value. */
export function sampleStd(values: readonly number[], m = mean(values)): number {
  const n = values.length;
  return n > 1 ? Math.sqrt(values.reduce((s, v) => s + (v - m) ** 2, 0) / (n - 1)) : 0;
}

/** Linear-interpolation quantile (type 7) of sorted values. */
export function quantileSorted(sorted: ArrayLike<number>, q: number): number {
  const n = sorted.length;
  if (n === 0) return NaN;
  const h = (n - 1) * q;
  const lo = Math.floor(h);
  const hi = Math.min(lo + 1, n - 1);
  return sorted[lo] + (h - lo) * (sorted[hi] - sorted[lo]);
}

/**
 * Bootstrap CI of a statistic over n paired observations: draws `resamples` index vectors of
 * length n with replacement (seeded) and takes the (1-level)/2 and (1+level)/2 quantiles of the
 * statistic. `statistic` receives the resampled row indices.
 */
export function bootstrapCI(
  n: number,
  statistic: (indices: Int32Array) => number,
  options: BootstrapOptions = {},
): ConfidenceInterval {
  const resamples = options.resamples ?? 1000;
  const level = options.level ?? 0.95;
  const seed = options.seed ?? 0;
  if (!Number.isInteger(resamples) || resamples < 1) {
    throw new AnalysisInputError(
      `bootstrap: resamples must be a positive integer, got ${resamples}`,
    );
  }
  if (!(level > 0 && level < 1)) {
    throw new AnalysisInputError(`bootstrap: level must be in (0, 1), got ${level}`);
  }
  if (n < 2) throw new AnalysisInputError(`bootstrap needs at least 2 observations, got ${n}`);
  const rng = createRng(seed);
  const stats: number[] = [];
  const idx = new Int32Array(n);
  for (let r = 0; r < resamples; r++) {
    for (let i = 0; i < n; i++) idx[i] = rng.int(n);
    const s = statistic(idx);
    if (!Number.isNaN(s)) stats.push(s);
  }
  stats.sort((a, b) => a - b);
  return {
    low: quantileSorted(stats, (1 - level) / 2),
    high: quantileSorted(stats, (1 + level) / 2),
    level,
    method: 'percentile-bootstrap',
    resamples,
    valid: stats.length,
    seed,
  };
}
