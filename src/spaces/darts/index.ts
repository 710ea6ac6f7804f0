export {
  DARTS_CELL_INPUTS,
  DARTS_CELL_OPS,
  DARTS_CELL_TYPES,
  DARTS_CIFAR10_SKELETON,
  DARTS_NODES,
  DARTS_OPS,
  DARTS_SEARCH_SKELETON,
  DARTS_SLOTS,
} from './definition';
export type {
  DartsCellOp,
  DartsCellType,
  DartsEdge,
  DartsGenotype,
  DartsOp,
  DartsSkeleton,
} from './definition';
export {
  assertDartsGenotype,
  checkDarts,
  dartsCanonical,
  dartsCanonicalCell,
  dartsOps,
  formatDarts,
  isValidDarts,
  parseDarts,
} from './genotype';
export { dartsCellCount, dartsCount, dartsNeighbours, mutateDarts, sampleDarts } from './sample';
export { dartsCost, dartsReductionLayers, dartsSkeleton } from './cost';
export type { DartsCost } from './cost';
export { PyLiteralError, parsePyLiteral, pyIntList, pyOpIndexPairs } from './pyliteral';
export type { PyValue } from './pyliteral';
export { dartsSpace } from './space';
