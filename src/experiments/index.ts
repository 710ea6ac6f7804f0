/**
 * The experiments behind the study notebooks (notebooks/01-08) and `npm run figures`: each
 * function reuses matching run folders (kernels-data/runs) or runs what is missing at the chosen
 * scale, then returns tables, figures, a "seed reports / we measure / scale" comparison and a
 * conclusion computed from its numbers.
 */
export { SCALE_ENV_VAR, experimentSettings, parseScale, scaleFromEnv } from './scales';
export type {
  BaseSupernetSettings,
  BasicsSettings,
  ExperimentSettings,
  GaeaSettings,
  SubspaceSettings,
  TricksSettings,
} from './scales';
export {
  DATASET_ENV_VAR,
  QUEUE_ENV_VAR,
  RUNS_ENV_VAR,
  benchmarkTruth,
  defaultDataset,
  ensureEngine,
  experimentContext,
  hasBenchmarkTruth,
  parseDataset,
  resolveContext,
  trainingData,
} from './context';
export type {
  BenchmarkTruth,
  DataSizes,
  ExperimentContext,
  ExperimentOptions,
  ExperimentQueue,
} from './context';
export {
  experimentSweepName,
  runOnQueue,
  scoreJob,
  searchJob,
  submitScores,
  submitSearches,
  submitStudyRuns,
  submitSupernets,
  supernetJob,
  trainOnQueue,
  type QueueMapping,
} from './queue';
export {
  baseHyper,
  configDifferences,
  ensureScores,
  ensureSupernet,
  findMatchingRun,
  lineProgress,
  lookupSupernet,
  parseArchs,
  runData,
  scoreTable,
  settingsHash,
} from './runs';
export type { SupernetRequest, SupernetRun } from './runs';
export {
  prunedSubspace,
  randomSubspace,
  readSpaceFile,
  sampleFrom,
  spaceFile,
  subspaceCells,
  trainSubspaceSupernet,
  validCells,
} from './subspace';
export type { SpaceReduction, SubspaceSpec, TrainSubspaceOptions } from './subspace';
export {
  argmax,
  comparisonHtml,
  comparisonTable,
  conclusionHtml,
  fmt,
  htmlTable,
  mean,
  pct,
  signed,
  std,
  tableHtml,
} from './report';
export type { ComparisonRow, StudyFigure, StudyResult } from './report';
export {
  baseRequest,
  baseStudy,
  describeRun,
  joinTruth,
  rankMetrics,
  studyArchs,
  validTruthValues,
} from './base';
export type { BaseStudy, RankMetrics, ScoredEpoch } from './base';
export { correlationVsEpochs, nonDecreasing } from './correlation-epochs';
export type { CorrelationVsEpochsResult, EpochRow } from './correlation-epochs';
export { evolutionarySearch, randomSearch } from './search-strategies';
export type { EvolutionOptions, StrategyResult, TracePoint } from './search-strategies';
export { supernetAnatomy, weightSharingBasics } from './basics';
export type { BasicsResult, SposStep, SupernetAnatomy } from './basics';
export { prunedSpaceStudy, sharingDensity } from './reduced-spaces';
export type { ReducedRun, ReducedSpacesResult } from './reduced-spaces';
export { consistentBias, summarizeMutual } from './consistent-bias';
export type { ConsistentBiasResult, MutualSummary } from './consistent-bias';
export {
  INPUT_OUTPUT_EDGE,
  benchmarkTopOps,
  edgeFavourites,
  operatorAndSizeBias,
} from './operator-bias';
export type { EdgeFavourites, OperatorBiasResult } from './operator-bias';
export {
  SAMPLER_TRICKS,
  alternateDataset,
  existingTrickRuns,
  finalScores,
  supportedSamplers,
  trainingTricks,
  trickVariants,
} from './tricks';
export type { TrickRow, TrickVariant, TricksResult } from './tricks';
export { GAEA_METHODS, METHOD_LABELS, ensureSearch, gaeaVsDarts, searchInput } from './gaea';
export type { GaeaResult, MethodSummary, SearchOutcome } from './gaea';
export {
  SPACE_ENV_VAR,
  STUDY_SPACES,
  anySpaceCorrelationVsEpochs,
  parseSpace,
  requireNb201,
  spaceCorrelationVsEpochs,
  groundTruthNote,
  spaceDataset,
  spaceFromEnv,
  spaceRankMetrics,
} from './space-correlation';
export type {
  SpaceCorrelationResult,
  SpaceEpochRow,
  SpaceStudyOptions,
  StudySpace,
} from './space-correlation';
export {
  FRONTIER_TABLE_ENV_VAR,
  budgetFrontier,
  frontierNeeds,
  frontierPlan,
  frontierSettings,
  frontierTableFile,
  pointStats,
} from './budget-frontier';
export type {
  BudgetFrontierResult,
  FrontierNeeds,
  FrontierOptions,
  FrontierPoint,
  FrontierRunPlan,
  FrontierSeries,
  FrontierSettings,
  PointStats,
} from './budget-frontier';
export {
  benchRate,
  budgetForValue,
  doublingTrend,
  hoursText,
  imagesText,
  zeroCrossing,
} from './budget-frontier-budget';
export type { BenchRate, BudgetValue, DoublingTrend, ZeroCrossing } from './budget-frontier-budget';
export {
  FRONTIER_COLUMNS,
  formatFrontier,
  frontierJson,
  frontierReportHtml,
  frontierRow,
  frontierTableHtml,
} from './budget-frontier-report';
