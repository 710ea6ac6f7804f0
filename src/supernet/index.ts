/**
 * Shared-weight NAS-Bench-201 networks: the macro skeleton with every candidate op on every edge
 * (supernet) or one architecture's ops (stand-alone), single-path forward, BN recalibration and
 * batched evaluation of sub-networks.
 */
export {
  Nb201Network,
  NB201_BENCHMARK_SKELETON,
  createStandalone,
  createSupernet,
} from './network';
export type {
  ForwardMode,
  ForwardOptions,
  NamedVariables,
  Nb201Skeleton,
  NetworkOptions,
} from './network';
export * as ops from './ops';
/** Supernets of the other spaces (NB-101, DARTS, DARTS-PTB, ProxylessNAS) and their blocks. */
export { WeightBank, maxPool3x3, resetBuffers } from './blocks';
export type { BatchNorm, SpaceNetwork } from './blocks';
export * from './nb101';
export * from './darts';
export * from './darts-ptb';
export * from './proxyless';
export { SPACE_BINDINGS, SPACE_NAMES, spaceBinding } from './registry';
export type {
  DataShape,
  ImageDataSettings,
  SpaceBinding,
  SpaceDataSettings,
  SpaceHyper,
  SpacePreset,
  SpaceRunSpec,
  SpaceSetup,
  SpaceSkeleton,
  SpaceTrainHyper,
} from './binding';
export { groundTruthPreset, studySizes, supernetPreset } from './nb201/presets';
