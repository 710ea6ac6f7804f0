/** supernet-lab: the library's public face. Each concept folder re-exports through its index. */
export { libraryInfo, packageRoot } from './info';
export type { LibraryInfo } from './info';
export * from './analysis';
export * from './plots';
export * from './engine';
export * from './spaces';
export * from './groundtruth';
export * from './data';
export * from './optim';
export * from './search';
/** The study notebooks' experiments (run folders in, tables/figures/comparisons out). */
export * as experiments from './experiments';
export * from './supernet';
export * from './train';
export * from './study';
export * from './evaluate';
export * from './core';
/** Run-folder checksums and the run-folder lock; error classes the CLI maps to exit codes. */
export * from './runs';
