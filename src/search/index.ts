/**
 * Search runs over discrete spaces: random search with a supplied scorer (RS-WS on a supernet),
 * and the `search` run folders of the differentiable optimizers (DARTS / GAEA, see src/optim).
 */
export { randomSearch } from './random-search';
export type { RandomSearchOptions, RandomSearchResult, Scored } from './random-search';
