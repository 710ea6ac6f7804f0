/** Search spaces as pure data: parse/format/validate, enumerate, sample, mutate, params/FLOPs. */
/** The list of spaces is src/supernet/registry.ts (each binding points at its pure space). */

export * from './types';
export * from './nb201';
export * from './nb101';
export * from './darts';
export * from './darts-ptb';
export * from './proxyless';
