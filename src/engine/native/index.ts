import * as tf from '@tensorflow/tfjs';
import type { KernelBackend } from '@tensorflow/tfjs';
import type { LoadedEngine } from '../loaders';
import { cpuReplacementKernels, registerKernels } from '../kernels/register';
import { DILATION_AWARE_BACKENDS } from '../gradients';
import { EngineUnavailableError } from '../types';
import { loadAddon, type NativeAddon } from './addon';
import { createNativeBackendClass } from './backend';
import { installDirectClone } from './clone';
import { nativeKernels } from './kernels';

export { ADDON_PATH, THREADS_ENV_VAR, nativeThreadRequest, nativeWaitPolicy } from './addon';

/** The tfjs backend name of the native engine. */
export const NATIVE_BACKEND = 'native';

let registered: string[] | null = null;

/**
 * Registers the 'native' tfjs backend: the cpu backend's storage (JS-owned typed arrays, which
 * the addon reads and writes in place) with every cpu kernel, and oneDNN/OpenMP kernels for the
 * ones that dominate training (convolutions and their gradients, pooling, matmul, batch norm).
 */
function registerNativeBackend(addon: NativeAddon): string[] {
  if (registered) return registered;
  // The cpu backend's class, without depending on @tensorflow/tfjs-backend-cpu directly.
  const cpu = tf.findBackend('cpu');
  if (!cpu) throw new Error('the tfjs cpu backend is not registered');
  const NativeBackend = createNativeBackendClass(cpu.constructor as new () => KernelBackend, (a) =>
    addon.addressMod64(a),
  );
  // Correct cpu kernels first: the native ones fall back to them for unsupported cases.
  registerKernels(cpuReplacementKernels('cpu'));
  for (const config of tf.getKernelsForBackend('cpu')) {
    if (tf.getKernel(config.kernelName, NATIVE_BACKEND) == null) {
      tf.registerKernel({ ...config, backendName: NATIVE_BACKEND });
    }
  }
  DILATION_AWARE_BACKENDS.add(NATIVE_BACKEND);
  const names = registerKernels(nativeKernels(addon, NATIVE_BACKEND));
  tf.registerBackend(NATIVE_BACKEND, () => new NativeBackend(), 0);
  installDirectClone(NATIVE_BACKEND);
  registered = names;
  return names;
}

export async function loadNative(): Promise<LoadedEngine> {
  let addon: NativeAddon;
  try {
    addon = loadAddon();
  } catch (err) {
    throw new EngineUnavailableError('native', err instanceof Error ? err.message : String(err));
  }
  const kernels = registerNativeBackend(addon);
  let ok = false;
  try {
    ok = await tf.setBackend(NATIVE_BACKEND);
  } catch (err) {
    throw new EngineUnavailableError('native', `backend failed to start: ${String(err)}`);
  }
  if (!ok) throw new EngineUnavailableError('native', 'backend failed to start');
  await tf.ready();
  return {
    name: 'native',
    backend: NATIVE_BACKEND,
    threads: addon.threads(),
    details: {
      onednn: addon.onednnVersion(),
      implementation: 'tfjs cpu storage + oneDNN/OpenMP kernels (N-API addon)',
    },
    kernels,
  };
}
