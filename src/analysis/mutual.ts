import type { ColumnTable } from 'arquero';
import { AnalysisInputError, numericColumn, requireColumns } from './columns';
import { kendallTauB, spearman } from './correlation';
import { provenanceOf, type Provenance } from './provenance';

export type RankMethod = 'spearman' | 'kendall';

export interface CorrelationMatrix {
  method: RankMethod;
  /** Column names, in matrix order. */
  columns: string[];
  /** Display labels (default: the column names). */
  labels: string[];
  /** matrix[i][j] = correlation of columns i and j (1 on the diagonal). */
  matrix: number[][];
  /** Rows used for each pair (all rows unless missing values are skipped). */
  counts: number[][];
  provenance: Provenance;
}

/**
 * Mutual rank correlation between any set of rankings stored as columns (supernets with
 * different budgets/seeds/tricks, params, ground truth) - seed 001 Fig. 3 and 7. Missing cells
 * throw unless `skipMissing`, which then uses, for each pair, the rows where both are present.
 */
export function mutualCorrelation(
  table: ColumnTable,
  columns: readonly string[],
  options: { method?: RankMethod; labels?: readonly string[]; skipMissing?: boolean } = {},
): CorrelationMatrix {
  const method = options.method ?? 'spearman';
  if (columns.length < 2) {
    throw new AnalysisInputError(
      `mutualCorrelation needs at least 2 columns, got ${columns.length}`,
    );
  }
  if (options.labels && options.labels.length !== columns.length) {
    throw new AnalysisInputError(
      `mutualCorrelation: ${options.labels.length} labels for ${columns.length} columns`,
    );
  }
  requireColumns(table, columns);
  const values = columns.map((c) => numericColumn(table, c, { allowMissing: options.skipMissing }));
  const f = method === 'spearman' ? spearman : kendallTauB;
  const m = columns.length;
  const matrix = Array.from({ length: m }, () => new Array<number>(m).fill(1));
  const counts = Array.from({ length: m }, () => new Array<number>(m).fill(0));
  for (let i = 0; i < m; i++) {
    counts[i][i] = values[i].filter((v) => !Number.isNaN(v)).length;
    for (let j = i + 1; j < m; j++) {
      const xs: number[] = [];
      const ys: number[] = [];
      for (let r = 0; r < values[i].length; r++) {
        if (!Number.isNaN(values[i][r]) && !Number.isNaN(values[j][r])) {
          xs.push(values[i][r]);
          ys.push(values[j][r]);
        }
      }
      const v = xs.length >= 2 ? f(xs, ys) : NaN;
      matrix[i][j] = matrix[j][i] = v;
      counts[i][j] = counts[j][i] = xs.length;
    }
  }
  return {
    method,
    columns: [...columns],
    labels: [...(options.labels ?? columns)],
    matrix,
    counts,
    provenance: provenanceOf(table, Object.fromEntries(columns.map((c, i) => [`ranking${i}`, c]))),
  };
}
