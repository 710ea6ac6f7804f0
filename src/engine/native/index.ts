import type { LoadedEngine } from '../loaders';
import { EngineUnavailableError } from '../types';

/** Placeholder until the oneDNN addon lands (phase 2). */
export async function loadNative(): Promise<LoadedEngine> {
  throw new EngineUnavailableError('native', 'the native addon is not built yet');
}
