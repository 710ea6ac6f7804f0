/**
 * Ground truth from a seed table (arch,seed,val_accuracy,... one row per cell and seed; the
 * shipped one is kernels-data/laptop-nb201/ground-truth.csv): the study ranks against each cell's
 * mean over seeds and reports the table's noise ceiling next to every correlation.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as aq from 'arquero';
import type { NoiseCeiling } from '../analysis/ceiling';
import { displayPath } from '../analysis/provenance';
import { seedTableCeiling, type SeedTableCeiling } from '../groundtruth/ceiling';
import {
  LAPTOP_TABLE_DIR,
  LAPTOP_TABLE_FILE,
  SEED_TABLE_HEADER,
  meanOverSeeds,
  readSeedTable,
  type CellTruth,
  type SeedTableRow,
} from '../groundtruth/laptop';
import { BadInputError } from '../errors';
import { groundTruthFromTable, type GroundTruthSource } from '../plots/report';

export interface TableTruth {
  /** The table as a reader should find it (relative to the package when inside it). */
  file: string;
  rows: SeedTableRow[];
  /** Mean over seeds, one per cell, in the table's order. */
  cells: CellTruth[];
  /** budget.json next to the table (how it was made), when there is one. */
  budget: Record<string, unknown> | null;
}

export function readTableTruth(file: string): TableTruth {
  const rows = readSeedTable(file);
  if (rows.length === 0) {
    throw new BadInputError(`ground-truth table ${file} has no rows: pass a table with cells`);
  }
  const budgetFile = path.join(path.dirname(file), 'budget.json');
  const budget = fs.existsSync(budgetFile)
    ? (JSON.parse(fs.readFileSync(budgetFile, 'utf8')) as Record<string, unknown>)
    : null;
  return { file: displayPath(file), rows, cells: meanOverSeeds(rows), budget };
}

/** The table's noise ceiling over the cells a study compared (bootstrap seeded like the study). */
export function tableCeiling(
  truth: TableTruth,
  archs: readonly string[],
  seed: number,
): SeedTableCeiling {
  return seedTableCeiling(truth.rows, { archs, seed, resamples: 1000 });
}

/**
 * The shipped table when it was made for this study's space and dataset at the laptop tier (its
 * budget.json names the space and dataset; the folder is the laptop tier's), else null.
 */
export function shippedTableFor(space: string, dataset: string, scale: string): string | null {
  const file = path.join(LAPTOP_TABLE_DIR, LAPTOP_TABLE_FILE);
  const budgetFile = path.join(LAPTOP_TABLE_DIR, 'budget.json');
  if (scale !== 'laptop' || !fs.existsSync(file) || !fs.existsSync(budgetFile)) return null;
  const budget = JSON.parse(fs.readFileSync(budgetFile, 'utf8')) as {
    cells?: { space?: string };
    dataset?: string;
  };
  return budget.cells?.space === space && budget.dataset === dataset ? file : null;
}

/** True when a CSV file's header is the seed table's (arch,seed,val_accuracy,...). */
export function isSeedTable(file: string): boolean {
  if (!fs.existsSync(file)) return false;
  const first = fs.readFileSync(file, 'utf8').split('\n', 1)[0].trim();
  return first === SEED_TABLE_HEADER.join(',');
}

/** A report's ground truth from a seed table: the mean over seeds, with the noise ceiling. */
export function tableGroundTruth(
  truth: TableTruth,
  ceiling: NoiseCeiling | null,
): GroundTruthSource {
  const source = groundTruthFromTable(aq.from(truth.cells), `${truth.file} (mean over seeds)`);
  return ceiling ? { ...source, ceiling } : source;
}
