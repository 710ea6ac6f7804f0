/**
 * Tensor engine: chooses and sets up the tfjs backend (native oneDNN addon, wasm, cpu, webgpu,
 * tfjs-node), registers supernet-lab's fast/fixed kernels, and provides fused ops, seeding and
 * the multi-process job runner.
 */
export { initEngine, engineInfo, defaultEngineRequest, ENGINE_ENV_VAR, AUTO_ORDER } from './init';
export {
  ENGINE_NAMES,
  ENGINE_REQUESTS,
  EngineUnavailableError,
  isEngineRequest,
  parseEngineRequest,
} from './types';
export type { EngineInfo, EngineName, EngineRequest } from './types';
export { batchNorm2dTrain, batchNorm2dInfer, blendRunningStats } from './batchnorm';
export type { BatchNormTrainResult } from './batchnorm';
export { Rng, createRng, hashString } from './random';
export type { RngState, Seed } from './random';
export { FusedSgd } from './sgd';
export type { SgdOptions } from './sgd';
export { reluGrad } from './gradients';
export { profileKernels, profileStep, splitTimeline } from './profile';
export type { KernelTime, StepProfile, StepTimeSplit } from './profile';
