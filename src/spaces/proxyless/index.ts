export * from './definition';
export * from './arch';
export * from './layers';
export * from './cost';
export * from './sample';
export * from './space';
