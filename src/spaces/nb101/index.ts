export * from './definition';
export * from './arch';
export * from './enumerate';
export * from './hash';
export * from './cost';
export * from './space';
