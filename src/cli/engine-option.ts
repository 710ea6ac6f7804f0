import {
  ENGINE_ENV_VAR,
  ENGINE_REQUESTS,
  EngineUnavailableError,
  defaultEngineRequest,
  initEngine,
  isEngineRequest,
  type EngineInfo,
  type EngineRequest,
} from '../engine';
import { UsageError, type OptionSpec, type OptionValues } from './command';

/** The `--engine` flag; add it to any command's options as `engine: engineOption`. */
export const engineOption: OptionSpec = {
  type: 'string',
  description: `tensor engine: ${ENGINE_REQUESTS.join(' | ')} (or env ${ENGINE_ENV_VAR})`,
  default: 'auto',
};

/** Reads `--engine` (falling back to SUPERNET_LAB_ENGINE, then 'auto'); UsageError if bad. */
export function engineRequestOption(values: OptionValues, name = 'engine'): EngineRequest {
  const v = values[name];
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
    `--${name} must be one of ${ENGINE_REQUESTS.join(', ')}; got ${JSON.stringify(v)}`,
  );
}

/**
 * Initialises the engine chosen by `--engine`. An unavailable engine becomes a UsageError
 * (exit 2) whose message says why and how to get it.
 */
export async function initEngineFromOptions(
  values: OptionValues,
  name = 'engine',
): Promise<EngineInfo> {
  const requested = engineRequestOption(values, name);
  try {
    return await initEngine(requested);
  } catch (err) {
    if (err instanceof EngineUnavailableError) throw new UsageError(`--${name}: ${err.message}`);
    throw err;
  }
}
