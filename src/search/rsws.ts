/**
 * RS-WS (random search with weight sharing, seed 002): train the supernet with uniform
 * single-path sampling (src/train's SPOS trainer, with the search's weight optimizer, budget and
 * data), then draw cells uniformly, score each on the supernet (BN recalibration on search-train
 * images, accuracy on the held-out half) and keep the best. The architecture parameters never
 * move: the record's weights are uniform (entropy ln 5).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { NB201_EDGES, NB201_OPS } from '../spaces/nb201/definition';
import { uniformSimplex } from '../optim/simplex';
import type { TrainingData } from '../train/data';
import type { ProgressSink } from '../train/progress';
import { latestCheckpoint, readLog, writeLog, writeScores, type ScoreRow } from '../runs/folder';
import { NB201_SAMPLING } from '../spaces/nb201/codec';
import type { RunConfigInput } from '../runs/config';
import { spaceBinding } from '../supernet/registry';
import { imageRunData, sampleArchs, trainRun } from '../train/pipeline';
import { scoreRun } from '../evaluate/score-run';

import { benchmarkAccuracies } from './benchmark';
import { writeArchRecords, type ArchRecord } from './arch-records';
import type { MethodOutcome, RunSearchOptions, SearchRunConfig } from './search-run';

/** The supernet run of an RS-WS search (a sub-folder, itself a complete `supernet` run folder). */
export function rswsSupernetDir(runDir: string): string {
  return path.join(runDir, 'supernet');
}

/** The weights' optimizer and budget of a search (RS-WS trains its supernet with them too). */
export function weightHyper(config: SearchRunConfig) {
  const h = config.hyper;
  return {
    epochs: config.epochs,
    batchSize: config.batchSize,
    lr: h.weightLr,
    minLr: h.weightLrMin,
    momentum: h.momentum,
    nesterov: h.nesterov,
    weightDecay: h.weightDecay,
    clipNorm: h.clipNorm,
  };
}

/** The supernet configuration RS-WS trains: the search's budget, data and weight optimizer. */
export function rswsSupernetConfig(config: SearchRunConfig): RunConfigInput {
  const preset = spaceBinding('nb201').preset(config.scale);
  return {
    ...preset.supernet,
    kind: 'supernet',
    space: 'nb201',
    dataset: config.dataset,
    scale: config.scale,
    seed: config.seed,
    engine: config.engine,
    skeleton: {
      space: 'nb201',
      net: { channels: config.channels, cellsPerStage: config.cellsPerStage },
    },
    data: {
      kind: 'images',
      dataset: config.dataset,
      trainImages: config.trainImages,
      validImages: config.validImages,
      validFraction: config.validFraction,
    },
    ...weightHyper(config),
    augment: config.augment,
    calibrationBatches: config.rsws.calibrationBatches,
    calibrationBatchSize: config.rsws.calibrationBatchSize,
    checkpointEpochs: [config.epochs],
    sampler: 'uniform',
  };
}

/** Best row by accuracy, then lower loss, then list order. */
function bestRow(rows: readonly ScoreRow[]): ScoreRow {
  return rows.reduce((best, r) =>
    r.accuracy > best.accuracy || (r.accuracy === best.accuracy && r.loss < best.loss) ? r : best,
  );
}

export async function runRsws(
  config: SearchRunConfig,
  data: TrainingData,
  options: RunSearchOptions,
  progress: ProgressSink,
): Promise<MethodOutcome> {
  const { runDir } = options;
  const supernetDir = rswsSupernetDir(runDir);
  const before = latestCheckpoint(supernetDir) ?? 0;
  const stopAfter =
    options.maxEpochs !== undefined
      ? Math.min(config.epochs, before + options.maxEpochs)
      : undefined;
  const runData = imageRunData(data);
  const trained = await trainRun({
    runDir: supernetDir,
    config: rswsSupernetConfig(config),
    data: runData,
    progress,
    stopAfterEpoch: stopAfter,
  });
  // Mirror the supernet's per-epoch log into the search folder (entropy of the uniform weights).
  const uniform = uniformSimplex(NB201_EDGES.length, NB201_OPS.length);
  const entropy = Math.log(NB201_OPS.length);
  writeLog(
    runDir,
    readLog(supernetDir).map((e) => ({ ...e, entropy, derived: null })),
  );
  const partialBase = {
    method: config.method,
    dataset: config.dataset,
    scale: config.scale,
    seed: config.seed,
    entropy,
    seconds: readLog(supernetDir).reduce((t, e) => t + e.seconds, 0),
  };
  if (trained.epochsDone < config.epochs) {
    return {
      epochsRun: trained.epochsRun,
      complete: false,
      partial: { ...partialBase, derived: '', benchmark: null, epochs: trained.epochsDone },
    };
  }
  const archs = sampleArchs(NB201_SAMPLING, config.rsws.samples, `rsws/${config.seed}`);
  progress.line(`rsws: scoring ${archs.length} uniformly drawn cells on the supernet`);
  const scored = scoreRun({
    runDir: supernetDir,
    epoch: config.epochs,
    archs,
    data: runData,
    calibration: {
      batches: config.rsws.calibrationBatches,
      batchSize: config.rsws.calibrationBatchSize,
    },
    progress,
  });
  progress.done();
  writeScores(runDir, config.epochs, scored.rows);
  const best = bestRow(scored.rows);
  const record: ArchRecord = {
    epoch: config.epochs,
    weights: uniform,
    entropy,
    derived: best.arch,
    params: uniform,
    benchmark: benchmarkAccuracies(best.arch),
  };
  writeArchRecords(runDir, [record]);
  progress.line(
    `rsws: best of ${archs.length} on the supernet ${best.arch} (${best.accuracy.toFixed(2)}% search-valid)` +
      (record.benchmark ? `, NB-201 CIFAR-10 ${record.benchmark.cifar10_test.toFixed(2)}%` : ''),
  );
  if (!fs.existsSync(path.join(runDir, 'scores'))) throw new Error('scores were not written');
  return {
    epochsRun: trained.epochsRun,
    complete: true,
    partial: {
      ...partialBase,
      derived: best.arch,
      benchmark: record.benchmark,
      supernetScore: best.accuracy,
      epochs: config.epochs,
    },
  };
}
