/**
 * Analysis: rank statistics over arquero tables (one row per architecture) - Spearman, Kendall
 * tau-b, sparse Kendall tau, bootstrap intervals, top-k and random top-k, mutual correlation,
 * operator and size bias, pruned and down-scaled spaces, entropy of architecture weights, noise
 * ceilings - plus reading run folders and joining them with ground truth. Results carry their
 * provenance.
 */
export * from './columns';
export * from './provenance';
export * from './random';
export * from './ranks';
export * from './correlation';
export * from './bootstrap';
export * from './summary';
export * from './ceiling';
export * from './percentile';
export * from './topk';
export * from './mutual';
export * from './archops';
export * from './bias';
export * from './subspaces';
export * from './entropy';
export * from './runs';
