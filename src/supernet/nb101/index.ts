/** Weight-sharing supernet of the NAS-Bench-101 subspace and its run spec. */
export { Nb101Supernet } from './network';
export type { Nb101SupernetSkeleton } from './network';
export { NB101_CODEC, NB101_SMOKE_SKELETON, nb101RunSpec } from './spec';
