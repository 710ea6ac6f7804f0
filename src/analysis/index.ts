/**
 * Analysis: rank statistics over arquero tables (one row per architecture) - Spearman, Kendall
 * tau-b, sparse Kendall tau, bootstrap intervals, top-k and random top-k, mutual correlation,
 * operator and size bias, pruned and down-scaled spaces, entropy of architecture weights - plus
 * reading run folders and joining them with ground truth. Results carry their provenance.
 */
export {
  AnalysisInputError,
  cellToNumber,
  numericColumn,
  requireColumns,
  stringColumn,
} from './columns';
export type { NumericColumnOptions } from './columns';
export { displayPath, mergeSources, provenanceOf, sourcesOf, withSources } from './provenance';
export type { Provenance, SourceRef } from './provenance';
export { sampleWithoutReplacement } from './random';
export { averageRanks, normalizedRanks, tiedPairs } from './ranks';
export {
  kendallCounts,
  kendallTauA,
  kendallTauB,
  pearson,
  sparseKendallCounts,
  sparseKendallTau,
  spearman,
  spearmanFromRanks,
  tauBFromCounts,
  withinThreshold,
} from './correlation';
export type { KendallCounts } from './correlation';
export { bootstrapCI, pairedBootstrapCI, quantileSorted } from './bootstrap';
export type { BootstrapOptions, ConfidenceInterval } from './bootstrap';
export { correlateColumns, correlationSummary } from './summary';
export { ceilingAgainstMean, effectiveSeeds, noiseCeiling, spearmanBrown } from './ceiling';
export type { MeanOfSeedsCeiling, NoiseCeiling, NoiseCeilingOptions } from './ceiling';
export type { CorrelationOptions, CorrelationSummary, TableCorrelation } from './summary';
export { percentileRank } from './percentile';
export type { PercentileRank } from './percentile';
export { randomTopK, sampledTopK, simulateRandomTopK, topK, topKFromTable } from './topk';
export type {
  RandomTopK,
  SampledTopK,
  SimulatedRandomTopK,
  TableTopK,
  TopKArrays,
  TopKColumns,
  TopKPick,
} from './topk';
export { mutualCorrelation } from './mutual';
export type { CorrelationMatrix, RankMethod } from './mutual';
export { NB201_EDGE_LABELS, nb201EdgeOps } from './archops';
export { operatorBias, sizeBias, spread } from './bias';
export type {
  OperatorBias,
  OperatorBiasCell,
  OperatorBiasOptions,
  PairCorrelation,
  SizeBias,
  Spread,
} from './bias';
export {
  band,
  downscaledSpaces,
  prunedSpaces,
  randomSubspace,
  scaledSpaceSummary,
  spaceMetrics,
  summarizeByFactor,
} from './subspaces';
export type {
  Band,
  DownscaledSpaces,
  FactorSummary,
  PrunedSpaces,
  SubspaceMetrics,
} from './subspaces';
export { entropyCurve, meanSimplexEntropy, meanStdByX, simplexEntropy, softmax } from './entropy';
export type { EntropyPoint, MeanStdPoint } from './entropy';
export { alignRuns, joinWithGroundTruth, loadRunFolder, readCsvTable } from './runs';
export type { RunFolderConfig, RunFolder, RunLogRow, ScoreSnapshot } from './runs';
