export {
  DARTS_PTB_ACTIVATIONS,
  DARTS_PTB_NODES,
  DARTS_PTB_OPS,
  DARTS_PTB_SEARCH_SKELETON,
  DARTS_PTB_SKELETON,
} from './definition';
export type {
  DartsPtbActivation,
  DartsPtbGenotype,
  DartsPtbNode,
  DartsPtbOp,
  DartsPtbSkeleton,
} from './definition';
export {
  assertDartsPtbGenotype,
  checkDartsPtb,
  dartsPtbCanonical,
  dartsPtbTreeForm,
  formatDartsPtb,
  isValidDartsPtb,
  parseDartsPtb,
} from './genotype';
export {
  dartsPtbCount,
  dartsPtbNeighbours,
  dartsPtbUniqueCount,
  mutateDartsPtb,
  sampleDartsPtb,
} from './sample';
export { dartsPtbCost, dartsPtbSkeleton } from './cost';
export type { DartsPtbCost } from './cost';
export { dartsPtbSpace } from './space';
