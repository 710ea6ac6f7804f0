/**
 * Ground-truth training as a task of the engine's process pool (src/engine/pool.ts): one job per
 * architecture, each worker loading the data once. Jobs go through the run folder's claim
 * files, so pool workers also cooperate with other processes working on the same folder.
 */
import type { PoolContext } from '../engine/pool';
import { readRunConfig, type RunConfigInput } from '../runs/config';
import type { GroundTruthRow } from '../runs/folder';
import { loadConfigData, type RunData } from '../train/pipeline';
import { openGroundTruthRun, trainGroundTruthArch } from './groundtruth';

export interface GroundTruthJob {
  runDir: string;
  arch: string;
  /** Dataset folder/archive (default location when absent). */
  dataDir?: string;
}

export interface GroundTruthJobResult {
  arch: string;
  /** null when the architecture was already done or claimed by another live process. */
  row: GroundTruthRow | null;
}

const cache = new Map<string, Promise<RunData>>();

/** Pool task: trains one architecture of a ground-truth run folder (see the module comment). */
export async function groundTruthJob(
  job: GroundTruthJob,
  context: PoolContext,
): Promise<GroundTruthJobResult> {
  const config = readRunConfig(job.runDir);
  const key = JSON.stringify([config.space, config.data, config.skeleton, job.dataDir]);
  let data = cache.get(key);
  if (!data) {
    data = loadConfigData(config, { dataDir: job.dataDir });
    cache.set(key, data);
  }
  const loaded = await data;
  const run = openGroundTruthRun(job.runDir, config as unknown as RunConfigInput, loaded);
  const row = trainGroundTruthArch(run, job.arch, loaded, {
    worker: `worker ${context.workerIndex + 1}`,
  });
  return { arch: job.arch, row };
}
