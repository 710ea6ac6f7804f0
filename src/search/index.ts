/**
 * Search runs on NAS-Bench-201: the differentiable optimizers of src/optim (DARTS 1st/2nd order,
 * GAEA bilevel/ERM) and RS-WS (uniform single-path supernet + random search scored on it), as
 * resumable run folders of kind "search" (config.json, log.jsonl, arch.jsonl, checkpoints,
 * scores, groundtruth.csv, result.json), with their scale tiers.
 */
export { SEARCH_SCALE_SETTINGS } from './scales';
export type { SearchScale, SearchScaleSettings } from './scales';
export { benchmarkAccuracies } from './benchmark';
export type { BenchmarkAccuracies } from './benchmark';
export { archPath, readArchRecords } from './arch-records';
export type { ArchRecord } from './arch-records';
export {
  SEARCH_METHODS,
  concatDatasets,
  resolveSearchConfig,
  runSearch,
  searchSettings,
} from './search-run';
export type {
  GroundTruthMode,
  RunSearchOptions,
  SearchConfigInput,
  SearchMethod,
  SearchResult,
  SearchRunConfig,
  SearchRunOutcome,
  StandaloneTruth,
} from './search-run';
export { rswsSupernetConfig, rswsSupernetDir } from './rsws';
