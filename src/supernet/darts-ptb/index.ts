/** DARTS recurrent-cell supernet (PTB language model), PTB batch source and run spec. */
export { DartsPtbSupernet } from './network';
export { defaultPtbDir, ptbBatchSource, ptbSegments } from './data';
export type { PtbSmokeOptions } from './data';
export { DARTS_PTB_CODEC, DARTS_PTB_SMOKE_SKELETON, dartsPtbRunSpec } from './spec';
