import * as fs from 'node:fs';
import * as path from 'node:path';
import * as aq from 'arquero';
import type { ColumnTable } from 'arquero';
import { CorruptFileError } from '../errors';
import { readJournalText } from '../runs/folder';
import { readVerifiedFile } from '../runs/integrity';
import { AnalysisInputError, requireColumns, stringColumn } from './columns';
import { displayPath, mergeSources, sourcesOf, withSources, type SourceRef } from './provenance';

/** The fields of config.json the analysis reads; everything else is kept as is. */
export interface RunFolderConfig {
  kind?: string;
  space?: string;
  dataset?: string;
  scale?: string;
  seed?: number | string;
  engine?: string;
  [key: string]: unknown;
}

/** One line of log.jsonl. */
export interface RunLogRow {
  epoch: number;
  loss?: number;
  accuracy?: number;
  lr?: number;
  imagesPerSecond?: number;
  seconds?: number;
  [key: string]: unknown;
}

export interface ScoreSnapshot {
  epoch: number;
  /** Absolute path of scores/epoch-NNNN.csv. */
  file: string;
  /** arch, accuracy, loss (one row per sampled architecture). */
  table: ColumnTable;
}

export interface RunFolder {
  dir: string;
  /** Folder name, used as the run's label. */
  name: string;
  config: RunFolderConfig;
  log: RunLogRow[];
  /** Score tables by epoch, ascending. */
  scores: ScoreSnapshot[];
  /** groundtruth.csv when present. */
  groundTruth: ColumnTable | null;
  /**
   * arch.jsonl of architecture searches (DARTS/GAEA): one object per epoch, e.g. {epoch,
   * weights, params, entropy, derivedOps}; empty when absent.
   */
  archLog: Record<string, unknown>[];
  source: SourceRef;
}

/**
 * Reads a CSV file into an arquero table (types inferred; empty cells become null). A table with
 * a checksum sidecar (`<file>.sha256`, written by the run-folder code) is verified first: a
 * mismatch is a CorruptFileError naming the file.
 */
export function readCsvTable(file: string): ColumnTable {
  let text: string;
  try {
    text = readVerifiedFile(
      file,
      'Delete it (and its .sha256) and re-run the command that wrote it, or restore both from a copy.',
    ).data.toString('utf8');
  } catch (err) {
    if (err instanceof CorruptFileError) throw err;
    throw new AnalysisInputError(`cannot read table ${file}: ${(err as Error).message}`);
  }
  if (text.trim() === '') throw new AnalysisInputError(`table ${file} is empty`);
  return withSources(aq.fromCSV(text), [{ kind: 'file', path: displayPath(file) }]);
}

function readJsonLines(file: string, needEpoch: boolean): Record<string, unknown>[] {
  if (!fs.existsSync(file)) return [];
  const lines = readJournalText(file).split('\n');
  const rows: Record<string, unknown>[] = [];
  lines.forEach((line, i) => {
    if (line.trim() === '') return;
    let row: unknown;
    try {
      row = JSON.parse(line);
    } catch {
      // a torn last line (run killed mid-append) is skipped
      if (lines.slice(i + 1).some((l) => l.trim() !== '')) {
        throw new AnalysisInputError(`${file}:${i + 1} is not valid JSON`);
      }
      return;
    }
    if (!row || typeof row !== 'object' || Array.isArray(row)) {
      throw new AnalysisInputError(`${file}:${i + 1} is not a JSON object`);
    }
    if (needEpoch && typeof (row as RunLogRow).epoch !== 'number') {
      throw new AnalysisInputError(`${file}:${i + 1} has no numeric 'epoch'`);
    }
    rows.push(row as Record<string, unknown>);
  });
  return rows;
}

/**
 * Reads a run folder (format in src/runs/folder.ts and src/runs/config.ts): config.json (required), log.jsonl,
 * scores/epoch-NNNN.csv, groundtruth.csv. Every table carries its provenance (run name, file).
 */
export function loadRunFolder(dir: string): RunFolder {
  const abs = path.resolve(dir);
  if (!fs.existsSync(abs) || !fs.statSync(abs).isDirectory()) {
    throw new AnalysisInputError(`run folder ${dir} does not exist`);
  }
  const configFile = path.join(abs, 'config.json');
  if (!fs.existsSync(configFile)) {
    throw new AnalysisInputError(`${dir} is not a run folder: it has no config.json`);
  }
  let config: RunFolderConfig;
  try {
    config = JSON.parse(fs.readFileSync(configFile, 'utf8')) as RunFolderConfig;
  } catch (err) {
    throw new AnalysisInputError(`${configFile} is not valid JSON: ${(err as Error).message}`);
  }
  const name = path.basename(abs);
  const runSource = (detail?: string): SourceRef => ({
    kind: 'run',
    path: displayPath(abs),
    version: name,
    ...(detail ? { detail } : {}),
  });
  const scoresDir = path.join(abs, 'scores');
  const scores: ScoreSnapshot[] = [];
  if (fs.existsSync(scoresDir)) {
    for (const f of fs.readdirSync(scoresDir)) {
      const m = /^epoch-(\d+)\.csv$/.exec(f);
      if (!m) continue;
      const file = path.join(scoresDir, f);
      const table = withSources(readCsvTable(file), [runSource(`scores/${f}`)]);
      requireColumns(table, ['arch', 'accuracy'], `${name}/scores/${f}`);
      scores.push({ epoch: Number(m[1]), file, table });
    }
  }
  scores.sort((a, b) => a.epoch - b.epoch);
  const gtFile = path.join(abs, 'groundtruth.csv');
  const groundTruth = fs.existsSync(gtFile)
    ? withSources(readCsvTable(gtFile), [runSource('groundtruth.csv')])
    : null;
  return {
    dir: abs,
    name,
    config,
    log: readJsonLines(path.join(abs, 'log.jsonl'), true) as RunLogRow[],
    scores,
    groundTruth,
    archLog: readJsonLines(path.join(abs, 'arch.jsonl'), false),
    source: runSource(),
  };
}

function uniqueIndex(archs: string[], what: string): Map<string, number> {
  const index = new Map<string, number>();
  archs.forEach((a, i) => {
    if (index.has(a)) {
      throw new AnalysisInputError(
        `${what} lists architecture '${a}' twice (rows ${index.get(a)! + 1} and ${i + 1})`,
      );
    }
    index.set(a, i);
  });
  return index;
}

function examples(list: string[]): string {
  const shown = list.slice(0, 3).map((a) => `'${a}'`);
  return shown.join(', ') + (list.length > 3 ? `, ... (${list.length} in all)` : '');
}

function label(table: ColumnTable, fallback: string): string {
  const s = sourcesOf(table)[0];
  return s ? [s.version ?? s.path, s.detail].filter(Boolean).join('/') : fallback;
}

/**
 * Joins a score table (one row per architecture) with ground truth by architecture. Every scored
 * architecture must be in the ground truth (else an error lists the missing ones) unless
 * `onMissing: 'drop'`. Ground-truth columns that clash with score columns get the suffix `_gt`.
 */
export function joinWithGroundTruth(
  scores: ColumnTable,
  groundTruth: ColumnTable,
  options: {
    arch?: string;
    truthArch?: string;
    columns?: string[];
    onMissing?: 'error' | 'drop';
  } = {},
): ColumnTable {
  const archCol = options.arch ?? 'arch';
  const gtArchCol = options.truthArch ?? 'arch';
  const scoresName = label(scores, 'score table');
  const gtName = label(groundTruth, 'ground-truth table');
  const archs = stringColumn(scores, archCol, scoresName);
  const gtArchs = stringColumn(groundTruth, gtArchCol, gtName);
  uniqueIndex(archs, scoresName);
  const gtIndex = uniqueIndex(gtArchs, gtName);
  const gtColumns = (options.columns ?? groundTruth.columnNames()).filter((c) => c !== gtArchCol);
  requireColumns(groundTruth, gtColumns, gtName);
  const missing = archs.filter((a) => !gtIndex.has(a));
  if (missing.length > 0 && options.onMissing !== 'drop') {
    throw new AnalysisInputError(
      `${missing.length} of ${archs.length} architectures in ${scoresName} have no ground truth ` +
        `in ${gtName}: ${examples(missing)}`,
    );
  }
  const keep = archs.flatMap((a, i) => (gtIndex.has(a) ? [i] : []));
  const out: Record<string, unknown[]> = {};
  for (const c of scores.columnNames()) {
    const v = scores.array(c);
    out[c] = keep.map((i) => v[i]);
  }
  for (const c of gtColumns) {
    const v = groundTruth.array(c);
    const name = c in out ? `${c}_gt` : c;
    out[name] = keep.map((i) => v[gtIndex.get(archs[i])!]);
  }
  return withSources(aq.table(out), mergeSources(sourcesOf(scores), sourcesOf(groundTruth)));
}

/**
 * Puts one score column of several runs side by side (arch + one column per label) for mutual
 * correlation. Runs that scored different architectures are an error naming both runs and
 * examples, unless `mode: 'intersect'` keeps the common architectures.
 */
export function alignRuns(
  entries: ReadonlyArray<{ label: string; table: ColumnTable; column: string }>,
  options: { arch?: string; mode?: 'error' | 'intersect' } = {},
): ColumnTable {
  const archCol = options.arch ?? 'arch';
  if (entries.length === 0) throw new AnalysisInputError('alignRuns: no runs given');
  const labels = new Set<string>();
  const maps = entries.map((e) => {
    if (labels.has(e.label) || e.label === archCol) {
      throw new AnalysisInputError(`alignRuns: duplicate label '${e.label}'`);
    }
    labels.add(e.label);
    requireColumns(e.table, [e.column], e.label);
    const archs = stringColumn(e.table, archCol, e.label);
    uniqueIndex(archs, e.label);
    const values = e.table.array(e.column);
    return new Map(archs.map((a, i) => [a, values[i]]));
  });
  const first = [...maps[0].keys()];
  let common = first.filter((a) => maps.every((m) => m.has(a)));
  if (options.mode !== 'intersect') {
    for (let i = 1; i < maps.length; i++) {
      const onlyFirst = first.filter((a) => !maps[i].has(a));
      const onlyOther = [...maps[i].keys()].filter((a) => !maps[0].has(a));
      if (onlyFirst.length > 0 || onlyOther.length > 0) {
        const a = entries[0].label;
        const b = entries[i].label;
        throw new AnalysisInputError(
          `runs '${a}' and '${b}' scored different architectures: ` +
            `${onlyFirst.length} only in '${a}'${onlyFirst.length ? ` (${examples(onlyFirst)})` : ''}, ` +
            `${onlyOther.length} only in '${b}'${onlyOther.length ? ` (${examples(onlyOther)})` : ''}; ` +
            `use mode 'intersect' to compare the ${common.length} common ones`,
        );
      }
    }
  }
  if (common.length === 0)
    throw new AnalysisInputError('alignRuns: the runs share no architecture');
  common = [...common].sort();
  const out: Record<string, unknown[]> = { [archCol]: common };
  entries.forEach((e, i) => {
    out[e.label] = common.map((a) => maps[i].get(a));
  });
  return withSources(aq.table(out), mergeSources(...entries.map((e) => sourcesOf(e.table))));
}
