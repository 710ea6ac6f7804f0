import {
  ENGINE_REQUESTS,
  EngineUnavailableError,
  defaultEngineRequest,
  initEngine,
  isEngineRequest,
  type EngineInfo,
  type EngineRequest,
} from '../engine';
import { UsageError, type OptionValues } from './command';

/** Reads `--engine` (falling back to SUPERNET_LAB_ENGINE, then 'auto'); UsageError if bad. */
export function engineRequestOption(values: OptionValues): EngineRequest {
  const v = values['engine'];
  if (v === undefined) {
    try {
      return defaultEngineRequest();
    } catch (err) {
      throw new UsageError(err instanceof Error ? err.message : String(err));
    }
  }
  if (typeof v === 'string' && isEngineRequest(v.trim().toLowerCase())) {
    return v.trim().toLowerCase() as EngineRequest;
  }
  throw new UsageError(
    `--engine must be one of ${ENGINE_REQUESTS.join(', ')}; got ${JSON.stringify(v)}`,
  );
}

/** Initialises the engine chosen by `--engine`; a failure is a UsageError (exit 2) saying why. */
export async function initEngineFromOptions(values: OptionValues): Promise<EngineInfo> {
  const requested = engineRequestOption(values);
  try {
    return await initEngine(requested);
  } catch (err) {
    const prefix = err instanceof EngineUnavailableError ? '--engine: ' : '';
    throw new UsageError(prefix + (err as Error).message);
  }
}
