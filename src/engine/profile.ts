import * as tf from '@tensorflow/tfjs';
import type { KernelConfig, KernelFunc } from '@tensorflow/tfjs';

export interface KernelTime {
  kernel: string;
  calls: number;
  ms: number;
}

/**
 * Wraps every kernel of `backendName` with a timer (synchronous backends only: cpu, native,
 * wasm): wall-clock, or this process's CPU time ('cpu': robust on a busy machine, but it adds up
 * the time of all threads). Returns a function that restores the kernels and returns the times, slowest
 * first. For profiling runs, not for production.
 */
export function profileKernels(
  backendName: string = tf.getBackend(),
  clock: 'wall' | 'cpu' = 'wall',
): () => KernelTime[] {
  const now =
    clock === 'wall'
      ? () => performance.now()
      : () => {
          const u = process.cpuUsage();
          return (u.user + u.system) / 1000;
        };
  const originals: KernelConfig[] = tf.getKernelsForBackend(backendName).map((k) => ({ ...k }));
  const times = new Map<string, KernelTime>();
  for (const config of originals) {
    const inner: KernelFunc = config.kernelFunc;
    const entry: KernelTime = { kernel: config.kernelName, calls: 0, ms: 0 };
    times.set(config.kernelName, entry);
    tf.unregisterKernel(config.kernelName, backendName);
    tf.registerKernel({
      ...config,
      kernelFunc: (args) => {
        const t0 = now();
        const out = inner(args);
        entry.ms += now() - t0;
        entry.calls++;
        return out;
      },
    });
  }
  return () => {
    for (const config of originals) {
      tf.unregisterKernel(config.kernelName, backendName);
      tf.registerKernel(config);
    }
    return [...times.values()].filter((t) => t.calls > 0).sort((a, b) => b.ms - a.ms);
  };
}
