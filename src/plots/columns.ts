import type { ColumnTable } from 'arquero';
import { numericColumn, requireColumns } from '../analysis/columns';

/** Numeric column for plotting: validated like the analysis does, NaN-free. */
export function numbers(table: ColumnTable, column: string, what: string): number[] {
  return numericColumn(table, column, { what });
}

/** Numeric column where missing cells are allowed (plotted as gaps). */
export function numbersWithGaps(
  table: ColumnTable,
  column: string,
  what: string,
): (number | null)[] {
  return numericColumn(table, column, { what, allowMissing: true }).map((v) =>
    Number.isNaN(v) ? null : v,
  );
}

export function strings(table: ColumnTable, column: string, what: string): string[] {
  requireColumns(table, [column], what);
  return Array.from(table.array(column), (v) => (v === null || v === undefined ? '' : String(v)));
}

export function hasColumn(table: ColumnTable, column: string): boolean {
  return table.columnNames().includes(column);
}
