/** Ground-truth tables: NAS-Bench-201 published results (committed, with provenance). */
export {
  NB201_DATA_DIR,
  NB201_GROUND_TRUTH_FILE,
  NB201_SUBSET_FILE,
  loadNb201GroundTruth,
  loadNb201Subset,
  nb201ArchAtBenchmarkIndex,
  nb201ArchStringAtBenchmarkIndex,
  nb201BenchmarkIndex,
  readNb201GroundTruthCsv,
  readNb201SubsetCsv,
} from './nb201';
export type { Nb201TableOptions } from './nb201';
export {
  NB201_DATASETS,
  NB201_GROUND_TRUTH_COLUMNS,
  NB201_SUBSET_COLUMNS,
  buildNb201GroundTruthCsv,
  buildNb201SubsetCsv,
  indexOfArchFromGroundTruthCsv,
} from './nb201-build';
export type { Nb201Dataset } from './nb201-build';
export {
  LAPTOP_TABLE_DIR,
  LAPTOP_TABLE_FILE,
  SEED_TABLE_HEADER,
  meanOverSeeds,
  readSeedTable,
  seedPairs,
} from './laptop';
export type { CellTruth, SeedTableRow } from './laptop';
