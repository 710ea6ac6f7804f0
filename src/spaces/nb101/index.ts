export {
  NB101_CIFAR10_SKELETON,
  NB101_NODES,
  NB101_OPS,
  NB101_OP_ALIASES,
  NB101_OUTPUT,
  NB101_OUTPUT_INPUTS,
  NB101_PARENTS,
  NB101_VERTICES,
} from './definition';
export type { Nb101Arch, Nb101Op, Nb101Skeleton } from './definition';
export {
  assertNb101Arch,
  checkNb101,
  formatNb101,
  isValidNb101,
  nb101FromSpec,
  nb101ToSpec,
  parseNb101,
} from './arch';
export type { Nb101Spec } from './arch';
export {
  NB101_TOTAL,
  NB101_UNIQUE,
  NB101_WIRINGS_TOTAL,
  enumerateNb101,
  enumerateNb101Unique,
  nb101IsoKey,
  mutateNb101,
  nb101FromOrdinal,
  nb101Neighbours,
  nb101Ordinal,
  nb101ValidCount,
  nb101ValidWirings,
  sampleNb101,
} from './enumerate';
export type { Nb101Wiring } from './enumerate';
export { nb101GraphHash, nb101Hash, nb101Label } from './hash';
export { nb101Cost, nb101Skeleton, nb101SpecCost, nb101VertexChannels } from './cost';
export type { Nb101Cost } from './cost';
export { nb101Space } from './space';
