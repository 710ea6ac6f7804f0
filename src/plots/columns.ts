import type { ColumnTable } from 'arquero';
import { AnalysisInputError, cellToNumber, requireColumns } from '../analysis/columns';

/**
 * Numeric column where missing cells and NaN (an undefined statistic, e.g. the correlation of a
 * constant ranking) are plotted as gaps; text that is not a number still throws.
 */
export function numbersWithGaps(
  table: ColumnTable,
  column: string,
  what: string,
): (number | null)[] {
  requireColumns(table, [column], what);
  return Array.from(table.array(column), (v, i) => {
    if (typeof v === 'number' && !Number.isFinite(v)) return null;
    const n = cellToNumber(v);
    if (n === undefined) {
      throw new AnalysisInputError(
        `${what}: column '${column}' is not a number at row ${i + 1}: ${JSON.stringify(v)}`,
      );
    }
    return n;
  });
}

export function strings(table: ColumnTable, column: string, what: string): string[] {
  requireColumns(table, [column], what);
  return Array.from(table.array(column), (v) => (v === null || v === undefined ? '' : String(v)));
}

export function hasColumn(table: ColumnTable, column: string): boolean {
  return table.columnNames().includes(column);
}
