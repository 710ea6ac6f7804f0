/**
 * The noise ceiling of a seed table (src/analysis/ceiling.ts): seed agreement between two seeds
 * of the table and the ceiling for estimators ranked against the table's mean over seeds.
 */
import { noiseCeiling, type NoiseCeiling } from '../analysis/ceiling';
import type { BootstrapOptions } from '../analysis/bootstrap';
import { BadInputError } from '../errors';
import { seedPairs, type SeedTableRow } from './laptop';

export interface SeedTableCeiling extends NoiseCeiling {
  /** The two seeds compared. */
  seeds: [number, number];
  /** The ground-truth column compared. */
  metric: 'val_accuracy' | 'test_accuracy';
}

export interface SeedTableCeilingOptions extends BootstrapOptions {
  /** Only these cells (default: every cell of the table), e.g. the cells a study scored. */
  archs?: readonly string[];
  /** The seeds compared (default: the two lowest seed numbers of the table). */
  seeds?: [number, number];
  /** Default 'val_accuracy' (what the study ranks against). */
  metric?: 'val_accuracy' | 'test_accuracy';
}

export function seedTableCeiling(
  rows: readonly SeedTableRow[],
  options: SeedTableCeilingOptions = {},
): SeedTableCeiling {
  const wanted = options.archs ? new Set(options.archs) : null;
  const kept = wanted ? rows.filter((r) => wanted.has(r.arch)) : [...rows];
  const seeds = options.seeds ?? lowestTwoSeeds(kept);
  const metric = options.metric ?? 'val_accuracy';
  const pairs = seedPairs(kept, seeds[0], seeds[1]);
  if (pairs.length < 3) {
    throw new BadInputError(
      `noise ceiling: only ${pairs.length} cells have both seed ${seeds[0]} and seed ${seeds[1]}; ` +
        'a table needs at least 3 cells trained with two seeds',
    );
  }
  const seedCount = new Map<string, number>();
  for (const r of kept) seedCount.set(r.arch, (seedCount.get(r.arch) ?? 0) + 1);
  const ceiling = noiseCeiling(
    pairs.map((p) => p.a[metric]),
    pairs.map((p) => p.b[metric]),
    { ...options, seedsPerCell: [...seedCount.values()] },
  );
  return { ...ceiling, seeds, metric };
}

function lowestTwoSeeds(rows: readonly SeedTableRow[]): [number, number] {
  const seeds = [...new Set(rows.map((r) => r.seed))].sort((a, b) => a - b);
  if (seeds.length < 2) {
    throw new BadInputError(
      `noise ceiling: the table has ${seeds.length === 0 ? 'no rows' : `only seed ${seeds[0]}`}; ` +
        'train its cells with a second seed',
    );
  }
  return [seeds[0], seeds[1]];
}
