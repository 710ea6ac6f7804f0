export { NB201_EDGES, NB201_NODES, NB201_OPS } from './definition';
export type { Nb201Arch, Nb201Op } from './definition';
export {
  NB201_SIZE,
  NASLIB_NB201_OPS,
  assertNb201Arch,
  checkNb201,
  enumerateNb201,
  formatNb201,
  nb201FromNaslib,
  nb201FromOpIndices,
  nb201FromOrdinal,
  nb201OpIndices,
  nb201Ordinal,
  nb201ToNaslib,
  parseNb201,
} from './arch';
export {
  isValidNb201,
  nb201Canonical,
  nb201Counts,
  nb201Isomorphic,
  nb201UniqueString,
  nb201ValidOrdinals,
} from './graph';
export type { Nb201Counts } from './graph';
export { mutateNb201, nb201Neighbours, sampleNb201 } from './sample';
export {
  NB201_CIFAR10_SKELETON,
  nb201Cost,
  nb201Flops,
  nb201ParamCount,
  nb201Skeleton,
} from './cost';
export type { Nb201Cost, Nb201MacroSkeleton, Nb201SkeletonInput } from './cost';
export { nb201Space } from './space';
