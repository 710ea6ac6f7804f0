/**
 * The experiments behind the study notebooks (notebooks/01-08) and `npm run figures`: each
 * function reuses matching run folders (kernels-data/runs) or runs what is missing at the chosen
 * scale, then returns tables, figures, a "seed reports / we measure / scale" comparison and a
 * conclusion computed from its numbers.
 */
export * from './scales';
export * from './context';
export * from './queue';
export * from './runs';
export * from './subspace';
export * from './report';
export * from './base';
export * from './correlation-epochs';
export * from './search-strategies';
export * from './basics';
export * from './reduced-spaces';
export * from './consistent-bias';
export * from './operator-bias';
export * from './tricks';
export * from './gaea';
export * from './space-correlation';
export * from './budget-frontier';
export * from './budget-frontier-budget';
export * from './budget-frontier-report';
