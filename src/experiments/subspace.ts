/**
 * Supernets on reduced NAS-Bench-201 spaces (seed 001 Fig. 2 and Fig. 5): the supernet is
 * trained with SPOS, but the architecture of every mini-batch is drawn uniformly from a subset of
 * the 15284 valid cells instead of all of them:
 *
 *   random  a uniformly random 1/factor of the valid cells (Fig. 2: lower sharing density)
 *   pruned  the best 1/factor by ground truth (Fig. 5: a search space pruned to its best part)
 *
 * The run goes through the one pipeline (trainRun with a pool: one cell of the pool per step): the
 * same step, optimizer, schedule, data order, per-epoch seeding and atomic checkpoints as every
 * supernet, written as a normal `supernet` run folder (scoring and analysis read it like any
 * other) whose config also records spaceReduction / spaceFactor / spaceSeed / spaceTruth /
 * spaceSize and whose space.txt lists the cells. For factor 1 of the random reduction the pool
 * strategy draws exactly what the uniform sampler draws.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { ColumnTable } from 'arquero';
import { Rng } from '../engine/random';
import { formatNb201, nb201FromOrdinal, parseNb201 } from '../spaces/nb201/arch';
import type { Nb201Arch } from '../spaces/nb201/definition';
import { nb201ValidOrdinals } from '../spaces/nb201/graph';
import type { TrainingData } from '../train/data';
import type { ProgressSink } from '../train/progress';
import { readTableText, writeTableAtomic } from '../runs/folder';
import type { RunConfigInput } from '../runs/config';
import { imageRunData, trainRun } from '../train/pipeline';

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

/** The 15284 valid NB-201 cells in ordinal order (what uniform SPOS sampling draws from). */
export function validCells(): Nb201Arch[] {
  return Array.from(nb201ValidOrdinals(), (o) => nb201FromOrdinal(o));
}

function checkFactor(factor: number): void {
  if (!(Number.isFinite(factor) && factor >= 1)) {
    throw new Error(`subspace factor must be a number >= 1, got ${factor}`);
  }
}

/**
 * A uniformly random 1/factor of the valid cells (at least 1), in ordinal order, drawn with a
 * seeded generator: sizes round(15284 / factor), e.g. 239 cells for factor 64.
 */
export function randomSubspace(factor: number, seed: number): Nb201Arch[] {
  checkFactor(factor);
  const all = validCells();
  if (factor === 1) return all;
  const size = Math.max(1, Math.round(all.length / factor));
  const order = new Rng(`experiments/random-subspace/${factor}/${seed}`).shuffle(
    all.map((_, i) => i),
  );
  return order
    .slice(0, size)
    .sort((a, b) => a - b)
    .map((i) => all[i]);
}

/**
 * The best 1/factor of the valid cells by `column` of a ground-truth table (one row per cell,
 * column `arch`), best first; ties broken by ordinal order. Every valid cell must have a finite
 * value.
 */
export function prunedSubspace(truth: ColumnTable, column: string, factor: number): Nb201Arch[] {
  checkFactor(factor);
  if (!truth.columnNames().includes(column)) {
    throw new Error(
      `the ground-truth table has no column '${column}' (columns: ${truth.columnNames().join(', ')})`,
    );
  }
  const archs = truth.array('arch') as ArrayLike<string>;
  const values = truth.array(column) as ArrayLike<number>;
  const byArch = new Map<string, number>();
  for (let i = 0; i < archs.length; i++) byArch.set(archs[i], Number(values[i]));
  const all = validCells().map((a, ordinalRank) => {
    const key = formatNb201(a);
    const v = byArch.get(key);
    if (v === undefined || !Number.isFinite(v)) {
      throw new Error(`ground truth '${column}' has no finite value for ${key}`);
    }
    return { a, v, ordinalRank };
  });
  all.sort((x, y) => y.v - x.v || x.ordinalRank - y.ordinalRank);
  const size = Math.max(1, Math.round(all.length / factor));
  return all.slice(0, size).map((e) => e.a);
}

/** The cells of a subspace spec (pruned needs the ground-truth table). */
export function subspaceCells(spec: SubspaceSpec, truth?: ColumnTable): Nb201Arch[] {
  if (spec.reduction === 'random') return randomSubspace(spec.factor, spec.seed);
  if (!truth || !spec.truth) {
    throw new Error('a pruned subspace needs a ground-truth table and its column (spec.truth)');
  }
  return prunedSubspace(truth, spec.truth, spec.factor);
}

/** `count` distinct cells of `cells`, seeded (all of them, in order, when there are fewer). */
export function sampleFrom(cells: readonly Nb201Arch[], count: number, seed: string): Nb201Arch[] {
  if (cells.length <= count) return [...cells];
  const order = new Rng(`experiments/sample/${seed}`).shuffle(cells.map((_, i) => i));
  return order.slice(0, count).map((i) => cells[i]);
}

/** File listing the cells of a reduced-space run, one NB-201 string per line. */
export function spaceFile(runDir: string): string {
  return path.join(runDir, 'space.txt');
}

export function readSpaceFile(runDir: string): Nb201Arch[] {
  return readTableText(spaceFile(runDir))
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => parseNb201(l.trim()));
}

export interface TrainSubspaceOptions {
  runDir: string;
  /** The full supernet config (schema 2), including the space* keys. */
  config: RunConfigInput & Record<string, unknown>;
  subspace: SubspaceSpec;
  /** Ground truth for pruned reductions. */
  truth?: ColumnTable;
  data: TrainingData;
  progress: ProgressSink;
}

/** Trains (or resumes) a supernet on a reduced space; see the module comment. */
export async function trainSubspaceSupernet(options: TrainSubspaceOptions): Promise<void> {
  const { runDir, data, progress } = options;
  const cells = subspaceCells(options.subspace, options.truth);
  if (!fs.existsSync(spaceFile(runDir))) {
    fs.mkdirSync(runDir, { recursive: true });
    writeTableAtomic(spaceFile(runDir), cells.map((a) => formatNb201(a)).join('\n') + '\n');
  }
  const pool = readSpaceFile(runDir);
  if (pool.length !== cells.length) {
    throw new Error(`${spaceFile(runDir)} lists ${pool.length} cells, the spec ${cells.length}`);
  }
  await trainRun({
    runDir,
    config: { ...options.config, spaceSize: cells.length },
    data: imageRunData(data),
    progress,
    pool,
  });
}
