/**
 * Evaluators of the one pipeline, for every space: the supernet score (BN recalibration as
 * explicit settings, shards), and stand-alone ground truth (claims, several processes).
 */
export * from './score';
export * from './score-run';
export * from './groundtruth';
export * from './groundtruth-task';
