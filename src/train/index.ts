/**
 * Training NB-201 networks: SPOS supernet training (uniform single-path sampling), stand-alone
 * ground-truth training, scoring architectures on a supernet checkpoint, the SGD optimizer and
 * cosine schedule they use, scale presets, run folders (the contract with the analysis code) and
 * progress reporting.
 */
export { cosineLr } from '../core/schedule';
export type { CosineSchedule } from '../core/schedule';
export { Sgd } from '../core/sgd';
export type { SgdSettings, SgdStepResult } from '../core/sgd';
export { DivergenceError, trainStep } from './step';
export type { StepResult } from './step';
export { SCALES, TRAIN_DATASETS, powerOfTwoEpochs } from '../core/scale';
export { groundTruthPreset, studySizes, supernetPreset } from '../supernet/nb201/presets';
export type { Scale, TrainDataset } from '../core/scale';
export type { GroundTruthHyper, Nb201TrainHyper, StudySizes, SupernetHyper } from '../supernet/nb201/presets';
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
export {
  assertResumable,
  loadNetworkTensors,
  loadSupernet,
  loadSupernets,
  networkTensors,
  shotPrefix,
  trainSupernet,
  validateSupernetConfig,
} from './supernet-trainer';
export type {
  SupernetCheckpointState,
  SupernetRunConfig,
  TrainSupernetOptions,
  TrainSupernetResult,
} from './supernet-trainer';
export { readArchList, sampleArchitectures, scoreSupernet, writeArchList } from './score';
export type { ScoreSupernetOptions, ScoreSupernetResult } from './score';
export {
  collectGroundTruth,
  groundTruthLine,
  runGroundTruth,
  trainGroundTruthArch,
  trainStandalone,
  writeGroundTruthConfig,
} from './groundtruth';
export { groundTruthJob } from './groundtruth-task';
export type { GroundTruthJob, GroundTruthJobResult } from './groundtruth-task';
export type {
  GroundTruthRunConfig,
  GroundTruthRunOptions,
  GroundTruthRunResult,
  StandaloneResult,
} from './groundtruth';
export * from './samplers';
export { OTHER_SPACES, isOtherSpace, spacePreset } from './space-presets';
export type {
  ImageDataSettings,
  OtherSpace,
  SpaceDataSettings,
  SpaceHyper,
  SpacePreset,
  SpaceSkeleton,
} from './space-presets';
export {
  STANDALONE_LOSS_FILE,
  canonicalArchs,
  defaultPtbDir,
  loadSpaceData,
  padDataset,
  readSpaceRunConfig,
  sampleSpaceArchs,
  scoreSpaceRun,
  spaceGroundTruthRun,
  spaceSetup,
  trainSpaceRun,
} from './space-runs';
export type {
  DataShape,
  LoadedSpaceData,
  ScoreSpaceRunOptions,
  SpaceGroundTruthOptions,
  SpaceRunConfig,
  SpaceRunConfigInput,
  SpaceSetup,
  TrainSpaceRunOptions,
} from './space-runs';
