/**
 * The laptop tier's own ground truth (kernels-data/laptop-nb201/): NAS-Bench-201 cells trained
 * stand-alone on Fashion-MNIST by this project's ground-truth runner at the laptop budget, two
 * seeds per cell (three for a subset). The small-scale analogue of seed 001's released benchmark
 * (Appendix B); its README says how it was made and the command that regenerates it.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { BadInputError } from '../errors';
import { packageRoot } from '../info';
import { parseCsv, readTableText, type GroundTruthRow } from '../runs/folder';

/** Folder of the committed laptop table. */
export const LAPTOP_TABLE_DIR = path.join(packageRoot, 'kernels-data', 'laptop-nb201');
export const LAPTOP_TABLE_FILE = 'ground-truth.csv';

/** One stand-alone training (a groundtruth.csv row), with its seed and validation loss. */
export interface SeedTableRow extends GroundTruthRow {
  seed: number;
  val_loss: number;
}

export const SEED_TABLE_HEADER = [
  'arch',
  'seed',
  'val_accuracy',
  'test_accuracy',
  'val_loss',
  'params',
  'flops',
  'epochs',
  'seconds',
] as const;

/** A cell's ground truth averaged over its seeds (the GroundTruthRow shape, plus the seed count). */
export interface CellTruth extends GroundTruthRow {
  seeds: number;
}

/** Reads a seed table (default: the shipped one); every number must be finite. */
export function readSeedTable(
  file = path.join(LAPTOP_TABLE_DIR, LAPTOP_TABLE_FILE),
): SeedTableRow[] {
  if (!fs.existsSync(file)) {
    throw new BadInputError(
      `ground-truth table ${file} does not exist: pass a table written by scripts/laptop-groundtruth.ts`,
    );
  }
  const { header, rows } = parseCsv(readTableText(file));
  if (header.join(',') !== SEED_TABLE_HEADER.join(',')) {
    throw new BadInputError(
      `ground-truth table ${file}: header is "${header.join(',')}", expected "${SEED_TABLE_HEADER.join(',')}"`,
    );
  }
  const seen = new Set<string>();
  return rows.map((r, i) => {
    const row = { arch: r[0] } as SeedTableRow;
    SEED_TABLE_HEADER.slice(1).forEach((k, j) => {
      const v = Number(r[j + 1]);
      if (r[j + 1] === '' || !Number.isFinite(v)) {
        throw new BadInputError(
          `ground-truth table ${file}, line ${i + 2}: ${k} is "${r[j + 1]}", not a finite number`,
        );
      }
      (row as unknown as Record<string, number>)[k] = v;
    });
    const key = `${row.arch}\u0000${row.seed}`;
    if (seen.has(key)) {
      throw new BadInputError(
        `ground-truth table ${file}, line ${i + 2}: ${row.arch} seed ${row.seed} appears twice`,
      );
    }
    seen.add(key);
    return row;
  });
}

/** Groups the rows by cell, in first-appearance order. */
function byCell(rows: readonly SeedTableRow[]): Map<string, SeedTableRow[]> {
  const cells = new Map<string, SeedTableRow[]>();
  for (const r of rows) {
    const list = cells.get(r.arch);
    if (list) list.push(r);
    else cells.set(r.arch, [r]);
  }
  return cells;
}

const mean = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

/** Each cell's accuracies averaged over its seeds (what an estimator is ranked against). */
export function meanOverSeeds(rows: readonly SeedTableRow[]): CellTruth[] {
  return [...byCell(rows)].map(([arch, list]) => ({
    arch,
    val_accuracy: mean(list.map((r) => r.val_accuracy)),
    test_accuracy: mean(list.map((r) => r.test_accuracy)),
    params: list[0].params,
    flops: list[0].flops,
    epochs: list[0].epochs,
    seconds: list.reduce((a, r) => a + r.seconds, 0),
    seeds: list.length,
  }));
}

/** The cells trained with both seeds a and b: their rows side by side (for the noise ceiling). */
export function seedPairs(
  rows: readonly SeedTableRow[],
  a: number,
  b: number,
): Array<{ arch: string; a: SeedTableRow; b: SeedTableRow }> {
  return [...byCell(rows)].flatMap(([arch, list]) => {
    const ra = list.find((r) => r.seed === a);
    const rb = list.find((r) => r.seed === b);
    return ra && rb ? [{ arch, a: ra, b: rb }] : [];
  });
}
