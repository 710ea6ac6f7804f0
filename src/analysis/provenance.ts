import * as path from 'node:path';
import type { ColumnTable } from 'arquero';
import { packageRoot } from '../info';

/** Where a table (and every number computed from it) came from. */
export interface SourceRef {
  /** `benchmark`: published table (e.g. NAS-Bench-201); `run`: a run folder; `file`: any table. */
  kind: 'benchmark' | 'run' | 'file' | 'memory';
  /** File or folder, relative to the package root when inside it. */
  path: string;
  /** Benchmark version / label, or the run's name. */
  version?: string;
  /** Part of the source that was read, e.g. `scores/epoch-0007.csv`. */
  detail?: string;
  sha256?: string;
}

/** Attached to every reported number: its sources and the columns it was computed from. */
export interface Provenance {
  sources: SourceRef[];
  /** Role -> column name, e.g. { x: 'accuracy', y: 'cifar100_test' }. */
  columns?: Record<string, string>;
  note?: string;
}

const registry = new WeakMap<object, SourceRef[]>();

/** Path for provenance records: relative to the package root when inside it, else as given. */
export function displayPath(p: string): string {
  const abs = path.resolve(p);
  const rel = path.relative(packageRoot, abs);
  return rel && !rel.startsWith('..') && !path.isAbsolute(rel) ? rel : abs;
}

/**
 * Records where a table came from; analysis functions read it back with `provenanceOf`.
 * arquero verbs return new tables, so re-attach after transforming (joins in this module do).
 */
export function withSources<T extends ColumnTable>(table: T, sources: readonly SourceRef[]): T {
  registry.set(table, dedupe(sources));
  return table;
}

export function sourcesOf(table: ColumnTable): SourceRef[] {
  return registry.get(table) ?? [];
}

/** Provenance for a number computed from `table` using the given columns. */
export function provenanceOf(
  table: ColumnTable,
  columns?: Record<string, string>,
  extra?: readonly SourceRef[],
): Provenance {
  const sources = dedupe([...sourcesOf(table), ...(extra ?? [])]);
  const p: Provenance = { sources };
  if (columns) p.columns = { ...columns };
  if (sources.length === 0) p.note = 'table has no recorded source (built in memory)';
  return p;
}

export function mergeSources(...lists: ReadonlyArray<readonly SourceRef[]>): SourceRef[] {
  return dedupe(lists.flat());
}

function dedupe(list: readonly SourceRef[]): SourceRef[] {
  const seen = new Set<string>();
  const out: SourceRef[] = [];
  for (const s of list) {
    const key = JSON.stringify([s.kind, s.path, s.version, s.detail, s.sha256]);
    if (!seen.has(key)) {
      seen.add(key);
      out.push({ ...s });
    }
  }
  return out;
}
