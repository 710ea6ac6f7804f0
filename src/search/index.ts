/**
 * Search runs on NAS-Bench-201: the differentiable optimizers of src/optim (DARTS 1st/2nd order,
 * GAEA bilevel/ERM) and RS-WS (uniform single-path supernet + random search scored on it), as
 * resumable run folders of kind "search" (config.json, log.jsonl, arch.jsonl, checkpoints,
 * scores, groundtruth.csv, result.json), with their scale tiers.
 */
export * from './scales';
export * from './benchmark';
export * from './arch-records';
export * from './search-run';
export * from './rsws';
