/**
 * Training for every space: the one epoch loop (fit) and its strategies, the one step, runs of
 * any space from a run config (pipeline: data, supernet training, checkpoint networks), image
 * data, progress; re-exports of what training shares (SGD, schedules, scales, run folders).
 */
export * from '../core';
export * from '../runs/folder';
export type {
  GroundTruthHyper,
  Nb201TrainHyper,
  StudySizes,
  SupernetHyper,
} from '../supernet/nb201/presets';
export * from './step';
export * from './data';
export * from './progress';
export * from './fit';
export * from './strategies';
export * from './network-tensors';
export * from './pipeline';
export * from './samplers';
