/** DARTS cell-space supernet built the ENAS way (one shared op per choice) and its run spec. */
export { DartsSupernet, dilateKernel, subsample2 } from './network';
export type { DartsSupernetSkeleton } from './network';
export { DARTS_CODEC, DARTS_SMOKE_SKELETON, dartsRunSpec } from './spec';
