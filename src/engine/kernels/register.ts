import * as tf from '@tensorflow/tfjs';
import type { KernelConfig } from '@tensorflow/tfjs';
import { batchNormKernels } from './batchnorm';
import { convGradKernels } from './conv-grads';
import { depthwiseGradKernels } from './depthwise-grads';
import { poolGradKernels } from './pool-grads';

/** Registers (replacing any existing) kernels; returns their names. */
export function registerKernels(configs: KernelConfig[]): string[] {
  for (const config of configs) {
    if (tf.getKernel(config.kernelName, config.backendName) != null) {
      tf.unregisterKernel(config.kernelName, config.backendName);
    }
    tf.registerKernel(config);
  }
  return configs.map((c) => c.kernelName);
}

/** Our replacement kernels for the pure-JS cpu backend: correctness fixes + fused batch norm. */
export function cpuReplacementKernels(backendName = 'cpu'): KernelConfig[] {
  return [...poolGradKernels(backendName), ...batchNormKernels(backendName)];
}

/**
 * Our replacement kernels for the wasm backend: the missing/naive convolution gradients, the
 * border-correct AvgPoolGrad, depthwise gradients and fused batch norm.
 */
export function wasmReplacementKernels(): KernelConfig[] {
  return [
    ...convGradKernels('wasm'),
    ...poolGradKernels('wasm'),
    ...depthwiseGradKernels('wasm'),
    ...batchNormKernels('wasm'),
  ];
}
