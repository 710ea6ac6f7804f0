import type { ColumnTable } from 'arquero';

/** Bad analysis input (missing column, non-numeric cell, mismatched architectures, ...). */
export class AnalysisInputError extends Error {
  override name = 'AnalysisInputError';
}

const quote = (s: string) => `'${s}'`;

/** Throws naming every missing column and listing the available ones. */
export function requireColumns(
  table: ColumnTable,
  names: ReadonlyArray<string>,
  what = 'table',
): void {
  const available = table.columnNames();
  const missing = names.filter((n) => !available.includes(n));
  if (missing.length > 0) {
    throw new AnalysisInputError(
      `${what} has no column ${missing.map(quote).join(', ')}; available columns: ${
        available.length ? available.map(quote).join(', ') : '(none)'
      }`,
    );
  }
}

export interface NumericColumnOptions {
  /** Column that names the row in error messages (default: `arch` when present). */
  idColumn?: string;
  /** Missing cells (null, undefined, empty string) become NaN instead of an error. */
  allowMissing?: boolean;
  /** Names the table in error messages, e.g. a file name. */
  what?: string;
}

/** Converts one cell to a number; `null` for missing, `undefined` for not numeric. */
export function cellToNumber(v: unknown): number | null | undefined {
  if (v === null || v === undefined) return null;
  if (typeof v === 'number') return Number.isFinite(v) ? v : undefined;
  if (typeof v === 'bigint') return Number(v);
  if (typeof v === 'string') {
    const s = v.trim();
    if (s === '') return null;
    const n = Number(s);
    return Number.isFinite(n) ? n : undefined;
  }
  return undefined;
}

function rowName(table: ColumnTable, idColumn: string | undefined, row: number): string {
  const id = idColumn ?? (table.columnNames().includes('arch') ? 'arch' : undefined);
  const ids = id && table.columnNames().includes(id) ? table.array(id) : undefined;
  const label = ids ? ` (${id} ${JSON.stringify(String(ids[row]))})` : '';
  return `row ${row + 1}${label}`;
}

/**
 * A column as finite numbers. Numeric strings are accepted (CSV); anything else (NaN, Infinity,
 * text, booleans, missing cells unless allowMissing) throws naming the column and the row
 * (1-based data row, header not counted) and the architecture when the table has one.
 */
export function numericColumn(
  table: ColumnTable,
  column: string,
  options: NumericColumnOptions = {},
): number[] {
  const what = options.what ?? 'table';
  requireColumns(table, [column], what);
  const raw = table.array(column);
  const out = new Array<number>(raw.length);
  for (let i = 0; i < raw.length; i++) {
    const n = cellToNumber(raw[i]);
    if (typeof n === 'number') {
      out[i] = n;
    } else if (n === null && options.allowMissing) {
      out[i] = NaN;
    } else {
      const shown = typeof raw[i] === 'string' ? JSON.stringify(raw[i]) : String(raw[i]);
      const why = n === null ? 'is missing' : `is not a finite number: ${shown}`;
      throw new AnalysisInputError(
        `${what}: column '${column}' ${why} at ${rowName(table, options.idColumn, i)}`,
      );
    }
  }
  return out;
}

/** A column as strings (architecture ids); missing cells throw. */
export function stringColumn(table: ColumnTable, column: string, what = 'table'): string[] {
  requireColumns(table, [column], what);
  return Array.from(table.array(column), (v, i) => {
    if (v === null || v === undefined || v === '') {
      throw new AnalysisInputError(`${what}: column '${column}' is empty at row ${i + 1}`);
    }
    return String(v);
  });
}

/** Throws when two arrays that must pair up differ in length or hold non-finite values. */
export function checkPaired(x: ArrayLike<number>, y: ArrayLike<number>, what = 'input'): void {
  if (x.length !== y.length) {
    throw new AnalysisInputError(`${what}: x has ${x.length} values but y has ${y.length}`);
  }
  for (const [name, a] of Object.entries({ x, y })) {
    for (let i = 0; i < a.length; i++) {
      if (!Number.isFinite(a[i])) {
        throw new AnalysisInputError(`${what}: ${name}[${i}] is not a finite number (${a[i]})`);
      }
    }
  }
}
