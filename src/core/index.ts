/**
 * What training loops and architecture optimizers share without importing each other: the SGD
 * optimizer (PyTorch semantics, clipping), learning-rate schedules and the divergence error.
 */
export * from './sgd';
export * from './schedule';
export * from './divergence';
export * from './scale';
