/**
 * Evaluators of the one pipeline, for every space: the supernet score (BN recalibration as
 * explicit settings, shards), and stand-alone ground truth (claims, several processes).
 */
export { evaluate, recalibrate, scoreArch } from './score';
export type { CalibrationSettings, Evaluation } from './score';
export { canonicalArchs, scoreRun } from './score-run';
export type { ScoreRunOptions, ScoreRunResult } from './score-run';
export {
  STANDALONE_LOSS_FILE,
  archId,
  collectGroundTruth,
  groundTruthLine,
  groundTruthLosses,
  openGroundTruthRun,
  runGroundTruth,
  trainGroundTruthArch,
  trainStandalone,
  writeGroundTruthTables,
} from './groundtruth';
export type {
  GroundTruthRun,
  GroundTruthRunOptions,
  GroundTruthRunResult,
  StandaloneResult,
} from './groundtruth';
export { groundTruthJob } from './groundtruth-task';
export type { GroundTruthJob, GroundTruthJobResult } from './groundtruth-task';
