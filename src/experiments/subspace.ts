/**
 * Supernets on reduced search spaces (seed 001 Fig. 2 and Fig. 5), for every space: SPOS, but
 * each mini-batch's architecture is drawn uniformly from a subset of the space:
 *
 *   random  a uniformly random 1/factor of the space (Fig. 2: lower sharing density)
 *   pruned  the best 1/factor by ground truth (Fig. 5: a search space pruned to its best part)
 *
 * A space that can list its valid cells (src/spaces/reduce.ts) reduces that list exactly; one
 * too large to list is reduced to distinct cells drawn with its own sampler (factor 1: the
 * uniform sampler itself), and cannot be pruned (pruning needs a value for every cell).
 *
 * Training goes through the one pipeline (trainRun with a pool), so the run folder is a normal
 * `supernet` run whose config also records spaceReduction / spaceFactor / spaceSeed /
 * spaceTruth / spaceSize and whose space.txt lists the cells.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import * as aq from 'arquero';
import type { ColumnTable } from 'arquero';
import { readCsvTable } from '../analysis/runs';
import { BadInputError } from '../errors';
import { Rng } from '../engine/random';
import type { Nb201Arch } from '../spaces/nb201/definition';
import { MAX_DRAWN_CELLS, checkFactor, listedCells, reducedSize } from '../spaces/reduce';
import { spaceBinding } from '../supernet/registry';
import type { TrainingData } from '../train/data';
import type { ProgressSink } from '../train/progress';
import { readTableText, writeTableAtomic } from '../runs/folder';
import type { RunConfigInput } from '../runs/config';
import { imageRunData, trainRun, type RunData } from '../train/pipeline';

export type SpaceReduction = 'random' | 'pruned';

export interface SubspaceSpec {
  reduction: SpaceReduction;
  /** Space size / subspace size (>= 1). */
  factor: number;
  /** Seed of the random subset (random reduction; recorded, unused for pruned). */
  seed: number;
  /** Ground-truth column the pruned reduction ranks by (e.g. 'cifar10_test'). */
  truth?: string;
}

const searchSpace = (space: string) => spaceBinding(space).searchSpace;

/** The 15284 valid NB-201 cells in ordinal order (what uniform SPOS sampling draws from). */
export function validCells(): Nb201Arch[] {
  return [...(listedCells(searchSpace('nb201')) as readonly Nb201Arch[])];
}

/**
 * A uniformly random 1/factor of `space`, drawn with a generator seeded by factor and seed:
 * round(size / factor) cells (at least 1). A listed space gives them in its order (NB-201:
 * round(15284 / factor), e.g. 239 cells for factor 64); a space too large to list gives distinct
 * cells (by canonical string) in the order its sampler drew them, or null for factor 1 (the
 * whole space: train with the uniform sampler).
 */
export function randomCells(space: string, factor: number, seed: number): unknown[] | null {
  checkFactor(factor);
  const s = searchSpace(space);
  const all = listedCells(s);
  const rng = new Rng(`experiments/random-subspace/${factor}/${seed}`);
  if (all) {
    if (factor === 1) return [...all];
    const order = rng.shuffle(all.map((_, i) => i));
    return order
      .slice(0, reducedSize(s, factor))
      .sort((a, b) => a - b)
      .map((i) => all[i]);
  }
  if (factor === 1) return null;
  const size = reducedSize(s, factor);
  if (size > MAX_DRAWN_CELLS) {
    throw new BadInputError(
      `1/${factor} of ${space} is ${size} cells, more than the ${MAX_DRAWN_CELLS} a reduced space of a space too large to list may hold: use a factor of at least ${Math.ceil(reducedSize(s, 1) / MAX_DRAWN_CELLS)}`,
    );
  }
  return drawDistinct(s, rng, size);
}

/** `count` distinct cells (by canonical string) of the space's sampler, in the order drawn. */
function drawDistinct(s: ReturnType<typeof searchSpace>, rng: Rng, count: number): unknown[] {
  const seen = new Set<string>();
  const out: unknown[] = [];
  while (out.length < count) {
    const a = s.sample(rng);
    const key = s.canonical(a);
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(a);
  }
  return out;
}

/** randomCells of NB-201 (always listed). */
export function randomSubspace(factor: number, seed: number): Nb201Arch[] {
  return randomCells('nb201', factor, seed) as Nb201Arch[];
}

/**
 * The best 1/factor of the valid cells of `space` by `column` of a ground-truth table (column
 * `arch`, in any spelling the space parses), best first; ties broken by the space's order. Every
 * valid cell needs a finite value. `what` names the table in errors (a flag or field the user
 * can fix).
 */
export function prunedCells(
  space: string,
  truth: ColumnTable,
  column: string,
  factor: number,
  what = 'the ground-truth table',
): unknown[] {
  checkFactor(factor);
  const s = searchSpace(space);
  const cells = listedCells(s);
  if (!cells) {
    throw new BadInputError(
      `a pruned space ranks every cell by ground truth, but ${space} has too many cells to list (${s.counts().total}): prune a space that can (nas-bench style spaces), or use the random reduction`,
    );
  }
  for (const c of ['arch', column]) {
    if (!truth.columnNames().includes(c)) {
      throw new BadInputError(
        `${what} has no column '${c}' (columns: ${truth.columnNames().join(', ')})`,
      );
    }
  }
  const archs = truth.array('arch') as ArrayLike<unknown>;
  const values = truth.array(column) as ArrayLike<unknown>;
  const byArch = new Map<string, number>();
  for (let i = 0; i < archs.length; i++) {
    let arch: unknown;
    try {
      arch = s.parse(String(archs[i]));
    } catch (err) {
      throw new BadInputError(
        `${what} row ${i + 1}: ${JSON.stringify(archs[i])} is not a ${space} architecture (${(err as Error).message})`,
      );
    }
    const value = values[i] === null || values[i] === '' ? NaN : Number(values[i]);
    byArch.set(s.format(arch), value);
  }
  let missing = 0;
  let first = '';
  const ranked = cells.map((a, order) => {
    const v = byArch.get(s.format(a));
    if (v === undefined || !Number.isFinite(v)) {
      if (missing++ === 0) first = s.format(a);
    }
    return { a, v: v ?? NaN, order };
  });
  if (missing > 0) {
    throw new BadInputError(
      `${what} has no finite '${column}' for ${missing} of the ${cells.length} valid ${space} cells (first: ${first}); a pruned space needs a value for every valid cell`,
    );
  }
  ranked.sort((x, y) => y.v - x.v || x.order - y.order);
  return ranked.slice(0, reducedSize(s, factor)).map((e) => e.a);
}

/** prunedCells of NB-201 (NAS-Bench-201's table covers every cell). */
export function prunedSubspace(truth: ColumnTable, column: string, factor: number): Nb201Arch[] {
  return prunedCells('nb201', truth, column, factor) as Nb201Arch[];
}

/**
 * A user's ground-truth table (CSV, or gzipped CSV ending in .gz): one row per architecture,
 * column `arch` plus metric columns. `flag` names where the path came from in errors.
 */
export function readTruthTable(file: string, flag: string): ColumnTable {
  if (!fs.existsSync(file)) {
    throw new BadInputError(
      `${flag} ${file} does not exist: give a CSV of arch plus a metric column covering every cell of the space`,
    );
  }
  if (/\.gz$/i.test(file)) {
    let text: string;
    try {
      text = zlib.gunzipSync(fs.readFileSync(file)).toString('utf8');
    } catch (err) {
      throw new BadInputError(`${flag} ${file} is not a gzipped CSV: ${(err as Error).message}`);
    }
    return aq.fromCSV(text);
  }
  return readCsvTable(file);
}

/**
 * The cells of a subspace spec of `space` (default NB-201); pruned needs the ground-truth table.
 * Null: the whole space of a space too large to list (random, factor 1).
 */
export function subspaceCells(spec: SubspaceSpec, truth?: ColumnTable): Nb201Arch[];
export function subspaceCells(
  spec: SubspaceSpec,
  truth: ColumnTable | undefined,
  space: string,
): unknown[] | null;
export function subspaceCells(
  spec: SubspaceSpec,
  truth?: ColumnTable,
  space = 'nb201',
): unknown[] | null {
  if (spec.reduction === 'random') return randomCells(space, spec.factor, spec.seed);
  if (!truth || !spec.truth) {
    throw new Error('a pruned subspace needs a ground-truth table and its column (spec.truth)');
  }
  return prunedCells(space, truth, spec.truth, spec.factor);
}

/** `count` distinct cells of `cells`, seeded (all of them, in order, when there are fewer). */
export function sampleFrom<A>(cells: readonly A[], count: number, seed: string): A[] {
  if (cells.length <= count) return [...cells];
  const order = new Rng(`experiments/sample/${seed}`).shuffle(cells.map((_, i) => i));
  return order.slice(0, count).map((i) => cells[i]);
}

/**
 * The cells of a reduced space a supernet on it scores (and, without a benchmark table, trains
 * stand-alone for ground truth): `count` of them, seeded by reduction, factor and repeat, as the
 * reduced-spaces experiment (notebooks 03 / 06) picks them. For the whole space of a space too
 * large to list: `count` distinct cells of its sampler, seeded the same way.
 */
export function scoredCells(
  space: string,
  cells: readonly unknown[] | null,
  count: number,
  reduction: SpaceReduction,
  factor: number,
  repeat: number,
): unknown[] {
  const seed = `${reduction}/${factor}/${repeat}`;
  if (cells) return sampleFrom(cells, count, seed);
  return drawDistinct(searchSpace(space), new Rng(`experiments/sample/${seed}`), count);
}

/** File listing the cells of a reduced-space run, one architecture string per line. */
export function spaceFile(runDir: string): string {
  return path.join(runDir, 'space.txt');
}

/** The cells listed in a reduced-space run's space.txt, parsed as cells of `space`. */
export function readSpaceFile(runDir: string): Nb201Arch[];
export function readSpaceFile(runDir: string, space: string): unknown[];
export function readSpaceFile(runDir: string, space = 'nb201'): unknown[] {
  const s = searchSpace(space);
  return readTableText(spaceFile(runDir))
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => s.parse(l.trim()));
}

export interface TrainSubspaceOptions {
  runDir: string;
  /** The full supernet config (schema 2), including the space* keys; its `space` is reduced. */
  config: RunConfigInput & Record<string, unknown>;
  subspace: SubspaceSpec;
  /** Ground truth for pruned reductions. */
  truth?: ColumnTable;
  /** Image splits, or the run's data of any space (RunData). */
  data: TrainingData | RunData;
  progress: ProgressSink;
}

/** Trains (or resumes) a supernet on a reduced space; see the module comment. */
export async function trainSubspaceSupernet(options: TrainSubspaceOptions): Promise<void> {
  const { runDir, progress } = options;
  const space = options.config.space;
  const s = searchSpace(space);
  const data = 'source' in options.data ? options.data : imageRunData(options.data);
  const cells = subspaceCells(options.subspace, options.truth, space);
  const size = cells ? cells.length : reducedSize(s, 1);
  if (cells && !fs.existsSync(spaceFile(runDir))) {
    fs.mkdirSync(runDir, { recursive: true });
    writeTableAtomic(spaceFile(runDir), cells.map((a) => s.format(a)).join('\n') + '\n');
  }
  const pool = cells ? readSpaceFile(runDir, space) : undefined;
  if (cells && pool!.length !== cells.length) {
    throw new Error(`${spaceFile(runDir)} lists ${pool!.length} cells, the spec ${cells.length}`);
  }
  await trainRun({
    runDir,
    config: { ...options.config, spaceSize: size },
    data,
    progress,
    ...(pool ? { pool } : {}),
  });
}
