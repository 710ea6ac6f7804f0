/**
 * Tensor engine: chooses and sets up the tfjs backend (native oneDNN addon, wasm, cpu, webgpu,
 * tfjs-node), registers supernet-lab's fast/fixed kernels, and provides fused ops, seeding and
 * the multi-process job runner.
 */
export * from './init';
export * from './types';
export * from './batchnorm';
export * from './random';
export * from './sgd';
export * from './gradients';
export * from './backprop';
export * from './profile';
