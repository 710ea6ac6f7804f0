/**
 * Memory drills (in this process): `steps` supernet training steps through the one pipeline
 * (trainRun, a checkpoint every epoch) and `steps` sub-network evaluations (BN recalibration +
 * validation, scoreArch) on tiny generated images. Flat means: tf.memory().numTensors the same
 * at every sample after the first, and RSS growing by less than 64 MiB from the first tenth of
 * the run to its last tenth.
 */
import * as tf from '@tensorflow/tfjs';
import { Rng } from '../../src/engine/random';
import type { Dataset } from '../../src/data/types';
import type { RunConfigInput } from '../../src/runs/config';
import { spaceBinding } from '../../src/supernet/registry';
import { createProgress } from '../../src/train/progress';
import { imageRunData, loadRunNetworks, sampleArchs, trainRun } from '../../src/train/pipeline';
import type { TrainingData } from '../../src/train/data';
import { scoreArch } from '../../src/evaluate/score';
import { newResult, tempDir, type DrillResult } from './common';

const RSS_GROWTH_LIMIT_MB = 64;
const BATCH = 8;
const STEPS_PER_EPOCH = 25;

function generated(n: number, seed: number): Dataset {
  const rng = new Rng(`drills/memory/${seed}`);
  const labels = new Int32Array(n);
  const images = new Float32Array(n * 64);
  for (let i = 0; i < n; i++) {
    labels[i] = rng.int(3);
    for (let p = 0; p < 64; p++) images[i * 64 + p] = rng.normal(labels[i] - 1, 1);
  }
  return {
    name: `generated/${seed}`,
    images,
    labels,
    shape: [n, 8, 8, 1],
    numClasses: 3,
    classNames: ['a', 'b', 'c'],
    mean: [0],
    std: [1],
    source: 'generated',
  };
}

const DATA: TrainingData = {
  train: generated(BATCH * STEPS_PER_EPOCH, 1),
  valid: generated(16, 2),
  test: generated(16, 3),
  inputChannels: 1,
  classes: 3,
  imageSize: 8,
};

interface Sample {
  at: number;
  tensors: number;
  rssMb: number;
}

const sample = (at: number): Sample => ({
  at,
  tensors: tf.memory().numTensors,
  rssMb: Math.round(process.memoryUsage().rss / 2 ** 20),
});

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;

/** Judges a series of samples (see the module comment) into `result`. */
function judge(result: DrillResult, samples: Sample[], what: string): void {
  result.tried++;
  const later = samples.slice(1);
  const tensors = new Set(later.map((s) => s.tensors));
  const tenth = Math.max(1, Math.floor(samples.length / 10));
  const growth =
    median(samples.slice(-tenth).map((s) => s.rssMb)) -
    median(samples.slice(0, tenth).map((s) => s.rssMb));
  result.data = {
    ...result.data,
    [what]: {
      samples: samples.length,
      tensors: [...tensors],
      rssFirstMb: samples[0]?.rssMb,
      rssLastMb: samples[samples.length - 1]?.rssMb,
      rssGrowthMb: growth,
    },
  };
  if (tensors.size === 1 && growth < RSS_GROWTH_LIMIT_MB) result.ok++;
  else result.notes.push(`${what}: tensor counts ${[...tensors].join(', ')}, RSS +${growth} MiB`);
}

function config(epochs: number, engine: string): RunConfigInput {
  return {
    ...spaceBinding('nb201').preset('smoke').supernet,
    epochs,
    batchSize: BATCH,
    checkpointEpochs: [],
    kind: 'supernet',
    space: 'nb201',
    dataset: 'fashion-mnist',
    scale: 'smoke',
    skeleton: { space: 'nb201', net: { channels: 3, cellsPerStage: 1 } },
    data: {
      kind: 'images',
      dataset: 'fashion-mnist',
      trainImages: null,
      validImages: null,
      validFraction: 0.5,
    },
    seed: 0,
    sampler: 'uniform',
    calibrationBatches: 1,
    calibrationBatchSize: BATCH,
    engine,
  };
}

/** `steps` training steps, then `steps` sub-network evaluations on the trained supernet. */
export async function memoryDrill(steps: number, engine: string): Promise<DrillResult> {
  const result = newResult('memory', `${steps} training steps + ${steps} evaluations`);
  const t0 = Date.now();
  const runDir = tempDir('memory');
  const data = imageRunData(DATA);
  const epochs = Math.max(2, Math.ceil(steps / STEPS_PER_EPOCH));
  const train: Sample[] = [];
  const every = Math.max(1, Math.floor(epochs / 50));
  await trainRun({
    runDir,
    config: config(epochs, engine),
    data,
    progress: createProgress({ silent: true }),
    onEpoch: (epoch) => {
      if (epoch % every === 0) train.push(sample(epoch * STEPS_PER_EPOCH));
    },
  });
  judge(result, train, 'training');

  const run = loadRunNetworks(runDir, data);
  const evals: Sample[] = [];
  try {
    const archs = sampleArchs(run.setup.spec, 64, 'drills/memory').map((a) => run.setup.parse(a));
    const source = data.source();
    const calibration = { batches: 1, batchSize: BATCH, seed: 'drills/memory/calibration' };
    const stride = Math.max(1, Math.floor(steps / 50));
    for (let i = 0; i < steps; i++) {
      const arch = archs[i % archs.length];
      scoreArch(run.nets[run.route(arch)], arch, source, calibration, 16);
      if ((i + 1) % stride === 0) evals.push(sample(i + 1));
    }
  } finally {
    run.dispose();
  }
  judge(result, evals, 'evaluation');
  result.seconds = Math.round((Date.now() - t0) / 100) / 10;
  return result;
}
