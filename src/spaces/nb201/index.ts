export * from './definition';
export * from './arch';
export * from './graph';
export * from './sample';
export * from './cost';
export * from './codec';
export * from './space';
