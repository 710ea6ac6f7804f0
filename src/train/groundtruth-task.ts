/**
 * Ground-truth training as a task of the engine's process pool (src/engine/pool.ts): one job per
 * architecture, each worker loading the dataset once. Jobs go through the run folder's claim
 * files, so pool workers also cooperate with other processes working on the same folder.
 */
import * as path from 'node:path';
import type { PoolContext } from '../engine/pool';
import { parseNb201 } from '../spaces/nb201/arch';
import { loadTrainingData, type TrainingData } from './data';
import { trainGroundTruthArch, type GroundTruthRunConfig } from './groundtruth';
import type { TrainDataset } from '../core/scale';
import { readJson, type GroundTruthRow } from '../runs/folder';

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

const cache = new Map<string, Promise<TrainingData>>();

function dataFor(config: GroundTruthRunConfig, dataDir: string | undefined): Promise<TrainingData> {
  const key = JSON.stringify([
    config.dataset,
    config.trainImages,
    config.validImages,
    config.testImages,
    config.validFraction,
    dataDir,
  ]);
  let p = cache.get(key);
  if (!p) {
    p = loadTrainingData(config.dataset as TrainDataset, {
      trainImages: config.trainImages,
      validImages: config.validImages,
      testImages: config.testImages,
      validFraction: config.validFraction,
      source: dataDir,
    });
    cache.set(key, p);
  }
  return p;
}

/** Pool task: trains one architecture of a ground-truth run folder (see the module comment). */
export async function groundTruthJob(
  job: GroundTruthJob,
  context: PoolContext,
): Promise<GroundTruthJobResult> {
  const config = readJson<GroundTruthRunConfig>(path.join(job.runDir, 'config.json'));
  const data = await dataFor(config, job.dataDir);
  const row = trainGroundTruthArch(job.runDir, config, parseNb201(job.arch), data, {
    worker: `worker ${context.workerIndex + 1}`,
  });
  return { arch: job.arch, row };
}
