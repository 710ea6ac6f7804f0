export * from './definition';
export * from './genotype';
export * from './sample';
export * from './cost';
export * from './space';
