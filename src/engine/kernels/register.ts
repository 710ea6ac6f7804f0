import * as tf from '@tensorflow/tfjs';
import type { KernelConfig, KernelFunc } from '@tensorflow/tfjs';
import { batchNormKernels } from './batchnorm';
import { convGradKernels } from './conv-grads';
import { depthwiseGradKernels } from './depthwise-grads';
import { poolGradKernels } from './pool-grads';
import { segmentSumKernels } from './segment-sum';
import { tileKernels } from './tile';
import { DILATION_AWARE_BACKENDS } from '../gradients';

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

/**
 * Our replacement kernels for the pure-JS cpu backend (and, copied, the native one): correctness
 * fixes (AvgPoolGrad, dilation-aware depthwise gradients), fused batch norm, a faster Tile.
 */
export function cpuReplacementKernels(backendName = 'cpu'): KernelConfig[] {
  DILATION_AWARE_BACKENDS.add(backendName);
  return [
    ...poolGradKernels(backendName),
    ...batchNormKernels(backendName),
    ...depthwiseGradKernels(backendName),
    ...tileKernels(backendName, stockKernel('Tile', 'cpu')),
  ];
}

/** The kernel tfjs registered (before ours), kept for dtypes our replacement does not handle. */
const stockKernels = new Map<string, KernelFunc | null>();
function stockKernel(kernelName: string, backendName: string): KernelFunc | null {
  const key = `${backendName}/${kernelName}`;
  if (!stockKernels.has(key)) {
    stockKernels.set(key, tf.getKernel(kernelName, backendName)?.kernelFunc ?? null);
  }
  return stockKernels.get(key) ?? null;
}

/**
 * Our replacement kernels for the wasm backend: the missing/naive convolution gradients, the
 * border-correct AvgPoolGrad, depthwise gradients, fused batch norm and UnsortedSegmentSum.
 */
export function wasmReplacementKernels(): KernelConfig[] {
  DILATION_AWARE_BACKENDS.add('wasm');
  return [
    ...convGradKernels('wasm'),
    ...poolGradKernels('wasm'),
    ...depthwiseGradKernels('wasm'),
    ...batchNormKernels('wasm'),
    ...tileKernels('wasm', stockKernel('Tile', 'wasm')),
    ...segmentSumKernels(),
  ];
}
