import * as os from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { packageRoot } from '../info';
import { cpuReplacementKernels, registerKernels, wasmReplacementKernels } from './kernels/register';
import { EngineUnavailableError, type EngineInfo, type EngineName } from './types';

/** What a loader reports; `initEngine` adds `requested` and `skipped`. */
export type LoadedEngine = Omit<EngineInfo, 'requested' | 'skipped'>;

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

async function activate(engine: EngineName, backend: string): Promise<void> {
  let ok: boolean;
  try {
    ok = await tf.setBackend(backend);
  } catch (err) {
    throw new EngineUnavailableError(engine, `tfjs backend '${backend}' failed: ${errorText(err)}`);
  }
  if (!ok) throw new EngineUnavailableError(engine, `tfjs backend '${backend}' did not initialise`);
  await tf.ready();
}

/** Silences tfjs's "install the node backend" hint of the cpu backend (we choose on purpose). */
function quietCpuBackend(backendName: string): void {
  const b = tf.findBackend(backendName) as unknown as { firstUse?: boolean } | null;
  if (b && 'firstUse' in b) b.firstUse = false;
}

export async function loadCpu(): Promise<LoadedEngine> {
  const kernels = registerKernels(cpuReplacementKernels('cpu'));
  await activate('cpu', 'cpu');
  quietCpuBackend('cpu');
  return {
    name: 'cpu',
    backend: 'cpu',
    threads: 1,
    details: { implementation: 'tfjs pure JavaScript kernels (slow; reference)' },
    kernels,
  };
}

type WasmModule = typeof import('@tensorflow/tfjs-backend-wasm');

export async function loadWasm(): Promise<LoadedEngine> {
  let wasm: WasmModule;
  try {
    wasm = require('@tensorflow/tfjs-backend-wasm') as WasmModule;
  } catch (err) {
    throw new EngineUnavailableError(
      'wasm',
      `cannot load @tensorflow/tfjs-backend-wasm (${errorText(err)}); run npm install`,
    );
  }
  const pkgDir = path.dirname(
    require.resolve('@tensorflow/tfjs-backend-wasm/package.json', { paths: [packageRoot] }),
  );
  // Node has no fetch for file paths: point the loader at the .wasm files on disk.
  wasm.setWasmPaths(path.join(pkgDir, 'wasm-out') + path.sep, false);
  const kernels = registerKernels(wasmReplacementKernels());
  await activate('wasm', 'wasm');
  const simd = await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT');
  return {
    name: 'wasm',
    backend: 'wasm',
    threads: wasm.getThreadsCount(),
    details: { simd: Boolean(simd), implementation: 'tfjs-backend-wasm (XNNPACK) + our kernels' },
    kernels,
  };
}

/** tfjs-node(-gpu): only when the user installed it (it downloads libtensorflow on install). */
export async function loadTensorflow(): Promise<LoadedEngine> {
  const candidates = ['@tensorflow/tfjs-node-gpu', '@tensorflow/tfjs-node'];
  const failures: string[] = [];
  for (const pkg of candidates) {
    let resolved: string;
    try {
      resolved = require.resolve(pkg, { paths: [packageRoot, process.cwd()] });
    } catch {
      failures.push(`${pkg} is not installed`);
      continue;
    }
    try {
      await import(resolved);
      await activate('tensorflow', 'tensorflow');
      return {
        name: 'tensorflow',
        backend: 'tensorflow',
        threads: os.cpus().length,
        details: { package: pkg, gpu: pkg.endsWith('-gpu') },
        kernels: [],
      };
    } catch (err) {
      failures.push(`${pkg} failed to load: ${errorText(err)}`);
    }
  }
  throw new EngineUnavailableError(
    'tensorflow',
    `${failures.join('; ')}. It is optional: with internet access run ` +
      '`npm install @tensorflow/tfjs-node` (CPU) or `@tensorflow/tfjs-node-gpu` (CUDA) ' +
      'with the same version as @tensorflow/tfjs.',
  );
}

interface WebGpuNodeModule {
  create(options: string[]): { requestAdapter(opts?: object): Promise<unknown> };
  globals: Record<string, unknown>;
}

/** webgpu: in Node through the `webgpu` package (Dawn; Vulkan on Linux), natively in browsers. */
export async function loadWebgpu(): Promise<LoadedEngine> {
  const g = globalThis as unknown as { navigator?: { gpu?: unknown } };
  if (!g.navigator?.gpu) {
    let mod: WebGpuNodeModule;
    try {
      mod = (await import('webgpu')) as unknown as WebGpuNodeModule;
    } catch (err) {
      throw new EngineUnavailableError(
        'webgpu',
        `cannot load the 'webgpu' package (${errorText(err)}); run npm install`,
      );
    }
    Object.assign(globalThis, mod.globals);
    const gpu = mod.create([]);
    if (g.navigator) Object.assign(g.navigator, { gpu });
    else Object.defineProperty(globalThis, 'navigator', { value: { gpu }, configurable: true });
  }
  const gpu = (g.navigator as { gpu: { requestAdapter(o?: object): Promise<unknown> } }).gpu;
  let adapter: unknown = null;
  try {
    adapter = await gpu.requestAdapter({ powerPreference: 'high-performance' });
  } catch (err) {
    throw new EngineUnavailableError('webgpu', `requestAdapter failed: ${errorText(err)}`);
  }
  if (adapter == null) {
    throw new EngineUnavailableError(
      'webgpu',
      'no GPU adapter found. In Node this needs a Vulkan driver: install libvulkan1 and your ' +
        "GPU's Vulkan ICD (e.g. the NVIDIA driver's nvidia_icd.json; set VK_DRIVER_FILES to it). " +
        'See environment.md, section Engines.',
    );
  }
  try {
    require('@tensorflow/tfjs-backend-webgpu');
  } catch (err) {
    throw new EngineUnavailableError(
      'webgpu',
      `cannot load @tensorflow/tfjs-backend-webgpu (${errorText(err)}); run npm install`,
    );
  }
  await activate('webgpu', 'webgpu');
  const info = (adapter as { info?: { vendor?: string; architecture?: string; device?: string } })
    .info;
  return {
    name: 'webgpu',
    backend: 'webgpu',
    threads: 1,
    details: {
      adapter: [info?.vendor, info?.architecture, info?.device].filter(Boolean).join(' ') || '?',
      note: 'read tensors with await t.data() (dataSync is unavailable in Node)',
    },
    kernels: [],
  };
}
