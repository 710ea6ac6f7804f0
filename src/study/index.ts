/** The main job: supernet + ground truth + scoring + rank statistics + report (`npm start`). */
export { runStudy } from './study';
export type { StudyOptions, StudyResult } from './study';
export { formatSummary, summarize, summarizeFiles } from './summary';
export type { StudySummary, SummaryOptions, TopKSummary } from './summary';
export { regimeSentences } from './regime';
export type { Interval, RegimeInput } from './regime';
export { SEED_001, seedReference } from './seed-reference';
export type { SeedReference } from './seed-reference';
export {
  isSeedTable,
  readTableTruth,
  shippedTableFor,
  tableCeiling,
  tableGroundTruth,
} from './table';
export type { TableTruth } from './table';
export { seedTableCeiling } from '../groundtruth/ceiling';
export type { SeedTableCeiling, SeedTableCeilingOptions } from '../groundtruth/ceiling';
