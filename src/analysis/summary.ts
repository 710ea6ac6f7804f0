import type { ColumnTable } from 'arquero';
import { bootstrapCI, type BootstrapOptions, type ConfidenceInterval } from './bootstrap';
import { AnalysisInputError, checkPaired, numericColumn, requireColumns } from './columns';
import { kendallCounts, pearson, sparseKendallTau, spearman, tauBFromCounts } from './correlation';
import { provenanceOf, type Provenance } from './provenance';

export interface CorrelationOptions extends BootstrapOptions {
  /** Also report the sparse Kendall tau with this ground-truth tie threshold (y is the truth). */
  sparseThreshold?: number;
  /** Skip the bootstrap intervals (faster). */
  noIntervals?: boolean;
}

export interface CorrelationSummary {
  n: number;
  spearman: number;
  kendall: number;
  pearson: number;
  spearmanCI: ConfidenceInterval | null;
  kendallCI: ConfidenceInterval | null;
  /** Present when `sparseThreshold` was given. */
  sparseKendall?: { threshold: number; tau: number };
  kendallPairs: { concordant: number; discordant: number; tiesX: number; tiesY: number };
}

/** Spearman rho, Kendall tau-b, Pearson r and their bootstrap intervals for paired arrays. */
export function correlationSummary(
  x: ArrayLike<number>,
  y: ArrayLike<number>,
  options: CorrelationOptions = {},
): CorrelationSummary {
  checkPaired(x, y, 'correlation');
  if (x.length < 3) {
    throw new AnalysisInputError(`correlation needs at least 3 pairs, got ${x.length}`);
  }
  const counts = kendallCounts(x, y);
  const { concordant, discordant, tiesX, tiesY } = counts;
  const out: CorrelationSummary = {
    n: x.length,
    spearman: spearman(x, y),
    kendall: tauBFromCounts(counts),
    pearson: pearson(x, y),
    spearmanCI: null,
    kendallCI: null,
    kendallPairs: { concordant, discordant, tiesX, tiesY },
  };
  if (options.sparseThreshold !== undefined) {
    out.sparseKendall = {
      threshold: options.sparseThreshold,
      tau: sparseKendallTau(x, y, options.sparseThreshold),
    };
  }
  if (!options.noIntervals) {
    const n = x.length;
    const bx = new Float64Array(n);
    const by = new Float64Array(n);
    const resampled = (f: (a: Float64Array, b: Float64Array) => number) => (idx: Int32Array) => {
      for (let i = 0; i < n; i++) {
        bx[i] = x[idx[i]];
        by[i] = y[idx[i]];
      }
      return f(bx, by);
    };
    // Same seed for both: the two intervals come from the same resamples.
    out.spearmanCI = bootstrapCI(n, resampled(spearman), options);
    out.kendallCI = bootstrapCI(
      n,
      resampled((a, b) => tauBFromCounts(kendallCounts(a, b))),
      options,
    );
  }
  return out;
}

export interface TableCorrelation extends CorrelationSummary {
  x: string;
  y: string;
  provenance: Provenance;
}

/** correlationSummary over two columns of a table (one row per architecture). */
export function correlateColumns(
  table: ColumnTable,
  x: string,
  y: string,
  options: CorrelationOptions & { what?: string } = {},
): TableCorrelation {
  requireColumns(table, [x, y], options.what);
  const xs = numericColumn(table, x, { what: options.what });
  const ys = numericColumn(table, y, { what: options.what });
  return {
    x,
    y,
    ...correlationSummary(xs, ys, options),
    provenance: provenanceOf(table, { x, y }),
  };
}
