import { installFrugalBackprop } from './backprop';
import { registerFastGradients } from './gradients';
import { loadCpu, loadTensorflow, loadWasm, loadWebgpu, type LoadedEngine } from './loaders';
import { loadNative } from './native';
import {
  EngineUnavailableError,
  parseEngineRequest,
  type EngineInfo,
  type EngineName,
  type EngineRequest,
} from './types';

/** Environment variable that picks the engine when no explicit choice is made. */
export const ENGINE_ENV_VAR = 'SUPERNET_LAB_ENGINE';

/**
 * Order tried by 'auto' (fastest first, by measurement: see environment.md). webgpu is only
 * used when asked for explicitly: on the machines measured, training through tfjs-webgpu was
 * slower than the native CPU engine, and probing a GPU can take seconds.
 */
export const AUTO_ORDER: readonly EngineName[] = ['tensorflow', 'native', 'wasm', 'cpu'];

const loaders: Record<EngineName, () => Promise<LoadedEngine>> = {
  native: loadNative,
  wasm: loadWasm,
  cpu: loadCpu,
  webgpu: loadWebgpu,
  tensorflow: loadTensorflow,
};

let current: EngineInfo | null = null;
let pending: Promise<EngineInfo> | null = null;

/** The engine asked for by SUPERNET_LAB_ENGINE, or 'auto'. */
export function defaultEngineRequest(): EngineRequest {
  const v = process.env[ENGINE_ENV_VAR];
  if (v == null || v.trim() === '') return 'auto';
  return parseEngineRequest(v, `${ENGINE_ENV_VAR} value`);
}

/** Backends whose first-order gradients free the tape as they go (see installFrugalBackprop). */
const FRUGAL_BACKPROP_BACKENDS: ReadonlySet<string> = new Set(['native', 'wasm', 'cpu']);

async function doInit(requested: EngineRequest): Promise<EngineInfo> {
  registerFastGradients();
  installFrugalBackprop(FRUGAL_BACKPROP_BACKENDS);
  if (requested !== 'auto') {
    const loaded = await loaders[requested]();
    return { ...loaded, requested, skipped: [] };
  }
  const skipped: { engine: EngineName; reason: string }[] = [];
  for (const name of AUTO_ORDER) {
    try {
      const loaded = await loaders[name]();
      return { ...loaded, requested, skipped };
    } catch (err) {
      const reason =
        err instanceof EngineUnavailableError
          ? err.message.replace(/^engine '\w+' is not available: /, '')
          : String(err);
      skipped.push({ engine: name, reason });
    }
  }
  throw new Error(
    `no tensor engine could be initialised: ${skipped.map((s) => `${s.engine}: ${s.reason}`).join('; ')}`,
  );
}

/**
 * Chooses and initialises the tensor engine (tfjs backend plus supernet-lab's kernels).
 * Idempotent: a second call returns the engine already set up when `requested` is 'auto' or
 * the same engine; asking for a different engine switches to it. A requested engine that
 * cannot be used throws an EngineUnavailableError saying why and how to get it.
 */
export async function initEngine(
  requested: EngineRequest = defaultEngineRequest(),
): Promise<EngineInfo> {
  const req = parseEngineRequest(String(requested));
  while (pending) await pending.catch(() => undefined);
  if (current && (req === 'auto' || req === current.name)) return current;
  pending = doInit(req);
  try {
    current = await pending;
    return current;
  } finally {
    pending = null;
  }
}

/** The engine set up by `initEngine`, or null before the first call. */
export function engineInfo(): EngineInfo | null {
  return current;
}
