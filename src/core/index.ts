/**
 * What training loops and architecture optimizers share without importing each other: the SGD
 * optimizer (PyTorch semantics, clipping), learning-rate schedules and the divergence error.
 */
export { Sgd } from './sgd';
export type { SgdSettings, SgdStepResult } from './sgd';
export { cosineLr } from './schedule';
export type { CosineSchedule } from './schedule';
export { DivergenceError } from './divergence';
export { SCALES, TRAIN_DATASETS } from './scale';
export type { Scale, TrainDataset } from './scale';
