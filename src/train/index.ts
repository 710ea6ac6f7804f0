/**
 * Training for every space: the one epoch loop (fit) and its strategies, the one step, runs of
 * any space from a run config (pipeline: data, supernet training, checkpoint networks), image
 * data, progress; re-exports of what training shares (SGD, schedules, scales, run folders).
 */
export { cosineLr } from '../core/schedule';
export type { CosineSchedule } from '../core/schedule';
export { Sgd } from '../core/sgd';
export type { SgdSettings, SgdStepResult } from '../core/sgd';
export { DivergenceError, trainStep } from './step';
export type { StepResult } from './step';
export { SCALES, TRAIN_DATASETS, powerOfTwoEpochs } from '../core/scale';
export type { Scale, TrainDataset } from '../core/scale';
export type {
  GroundTruthHyper,
  Nb201TrainHyper,
  StudySizes,
  SupernetHyper,
} from '../supernet/nb201/presets';
export { SPLIT_SEED, loadTrainingData, sharedCifarSubset } from './data';
export type { LoadTrainingDataOptions, TrainingData } from './data';
export { createProgress, formatDuration } from './progress';
export type { ProgressOptions, ProgressSink } from './progress';
export {
  appendLog,
  checkpointName,
  checkpointsDir,
  defaultRunsRoot,
  groundTruthPath,
  latestCheckpoint,
  listCheckpoints,
  parseCsv,
  pruneCheckpoints,
  readCheckpoint,
  readGroundTruth,
  readJson,
  readLog,
  readScores,
  scoresPath,
  toCsv,
  truncateLog,
  writeCheckpoint,
  writeFileAtomic,
  writeGroundTruth,
  writeJsonAtomic,
  writeScores,
  GROUNDTRUTH_HEADER,
  SCORES_HEADER,
} from '../runs/folder';
export type {
  CheckpointManifest,
  EpochLogEntry,
  GroundTruthRow,
  LatestMarker,
  ScoreRow,
  StoredTensor,
  TensorEntry,
} from '../runs/folder';
export { fit, learningRate, netTensors, shotPrefix } from './fit';
export type { FitCheckpointState, FitHyper, FitOptions, FitResult, FitSeeds } from './fit';
export { poolStrategy, standaloneStrategy, supernetStrategy } from './strategies';
export type { FitStrategy, SupernetStrategy } from './strategies';
export { loadNetworkTensors, networkTensors } from './network-tensors';
export { imageBatchSource } from './data';
export {
  checkpointEpoch,
  fitSeeds,
  imageRunData,
  loadConfigData,
  loadRunData,
  loadRunNetworks,
  padDataset,
  runSetup,
  runStrategy,
  sampleArchs,
  trainRun,
  validateHyper,
} from './pipeline';
export type { LoadRunDataOptions, RunData, RunNetworks, TrainRunOptions } from './pipeline';
export * from './samplers';
