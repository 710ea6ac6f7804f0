/** The tensor engines supernet-lab can run on. */
export const ENGINE_NAMES = ['native', 'wasm', 'cpu', 'webgpu', 'tensorflow'] as const;
export type EngineName = (typeof ENGINE_NAMES)[number];
export type EngineRequest = EngineName | 'auto';
export const ENGINE_REQUESTS: readonly EngineRequest[] = ['auto', ...ENGINE_NAMES];

/** What `initEngine` set up. Recorded in run folders and benchmark JSON. */
export interface EngineInfo {
  /** The engine in use. */
  name: EngineName;
  /** What was asked for ('auto' or an engine name). */
  requested: EngineRequest;
  /** The tfjs backend name (native: 'native'; tensorflow: 'tensorflow'; ...). */
  backend: string;
  /** Compute threads this process uses (OpenMP threads for native, 1 for wasm in Node). */
  threads: number;
  /** Free-form details: SIMD, library versions, GPU adapter, ... */
  details: Record<string, string | number | boolean>;
  /** Kernels supernet-lab registered for this backend (replacements and fused ops). */
  kernels: string[];
  /** Why engines tried before this one (under 'auto') were skipped. */
  skipped: { engine: EngineName; reason: string }[];
}

/** Raised when a requested engine cannot be used; the message says why and how to get it. */
export class EngineUnavailableError extends Error {
  override name = 'EngineUnavailableError';
  constructor(
    readonly engine: EngineName,
    reason: string,
  ) {
    super(`engine '${engine}' is not available: ${reason}`);
  }
}

export function isEngineRequest(value: string): value is EngineRequest {
  return (ENGINE_REQUESTS as readonly string[]).includes(value);
}

export function parseEngineRequest(value: string, source = 'engine'): EngineRequest {
  const v = value.trim().toLowerCase();
  if (isEngineRequest(v)) return v;
  throw new Error(
    `unknown ${source} ${JSON.stringify(value)}; expected one of ${ENGINE_REQUESTS.join(', ')}`,
  );
}
