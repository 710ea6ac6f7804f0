/**
 * The deterministic smoke run behind test/train/golden.test.ts: train a tiny supernet of a space
 * for 2 epochs into a run folder, score 3 sampled architectures on its final checkpoint, train
 * one of them stand-alone, and hash what they wrote.
 */
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Rng } from '../../src/engine/random';
import { formatNb201 } from '../../src/spaces/nb201/arch';
import {
  latestCheckpoint,
  readCheckpoint,
  runGroundTruth,
  sampleArchitectures,
  scoreSupernet,
  supernetPreset,
  groundTruthPreset,
  trainSupernet,
  type TrainingData,
} from '../../src/train';
import {
  sampleDistinct,
  scoreSpaceArch,
  trainSpaceNetwork,
  type BatchSource,
  type SpaceRunSpec,
  type SpaceTrainHyper,
} from '../../src/train/samplers';
import { NB101_SMOKE_SKELETON, nb101RunSpec } from '../../src/supernet/nb101';
import { DARTS_SMOKE_SKELETON, dartsRunSpec } from '../../src/supernet/darts';
import { PROXYLESS_SMOKE_SKELETON, proxylessRunSpec } from '../../src/supernet/proxyless';
import {
  DARTS_PTB_SMOKE_SKELETON,
  dartsPtbRunSpec,
  ptbBatchSource,
} from '../../src/supernet/darts-ptb';
import { fakeTrainingData } from '../supernet/smoke-data';

export interface GoldenResult {
  /** sha256 over the final checkpoint's tensors (sorted names, shapes, float bytes). */
  checkpoint: string;
  /** sha256 of the scores CSV (arch,accuracy,loss rows as stored). */
  scores: string;
  /** Validation accuracy (and loss) of the first scored architecture trained stand-alone. */
  standalone: { accuracy: number; loss: number };
}

export const PTB_DIR = path.resolve(__dirname, '..', '..', '..', 'shared', 'data', 'ptb');

export function hashCheckpoint(runDir: string): string {
  const epoch = latestCheckpoint(runDir);
  if (epoch === null) throw new Error(`${runDir} has no checkpoint`);
  const { tensors } = readCheckpoint(runDir, epoch);
  const h = crypto.createHash('sha256');
  for (const name of [...tensors.keys()].sort()) {
    const t = tensors.get(name)!;
    h.update(`${name}:${t.shape.join('x')};`);
    h.update(Buffer.from(t.data.buffer, t.data.byteOffset, t.data.byteLength));
  }
  return h.digest('hex');
}

export function hashFile(file: string): string {
  return crypto.createHash('sha256').update(fs.readFileSync(file)).digest('hex');
}

const round = (v: number) => Number(v.toPrecision(7));
const silent = { update() {}, line() {}, done() {} };

/** The validation loss of the one architecture of a ground-truth folder (results/*.json). */
function standaloneLoss(gtDir: string): number {
  const [file] = fs.readdirSync(path.join(gtDir, 'results'));
  return (
    JSON.parse(fs.readFileSync(path.join(gtDir, 'results', file), 'utf8')) as { val_loss: number }
  ).val_loss;
}

function goldenNb201(dir: string): GoldenResult {
  const data = fakeTrainingData(48, 8);
  const runDir = path.join(dir, 'supernet');
  const base = {
    kind: 'supernet' as const,
    space: 'nb201' as const,
    dataset: 'fashion-mnist' as const,
    scale: 'smoke' as const,
    seed: 7,
    engine: 'cpu',
    inputChannels: 1,
    classes: 3,
    imageSize: 8,
  };
  trainSupernet({
    runDir,
    data,
    config: {
      ...supernetPreset('smoke'),
      ...base,
      channels: 2,
      cellsPerStage: 1,
      epochs: 2,
      batchSize: 16,
      checkpointEpochs: [2],
      calibrationBatches: 2,
      calibrationBatchSize: 16,
      evalBatchSize: 24,
    },
    progress: silent,
  });
  const archs = sampleArchitectures(3, 7);
  const scored = scoreSupernet({ runDir, archs, data, progress: silent });
  const gtDir = path.join(dir, 'groundtruth');
  const gt = runGroundTruth({
    runDir: gtDir,
    data,
    progress: silent,
    config: {
      ...groundTruthPreset('smoke'),
      ...base,
      kind: 'groundtruth',
      channels: 2,
      cellsPerStage: 1,
      epochs: 1,
      batchSize: 16,
      evalBatchSize: 24,
      archs: [formatNb201(archs[0])],
    },
  });
  return {
    checkpoint: hashCheckpoint(runDir),
    scores: hashFile(scored.file!),
    standalone: { accuracy: round(gt.rows[0].val_accuracy), loss: round(standaloneLoss(gtDir)) },
  };
}

const HYPER: SpaceTrainHyper = {
  seed: 7,
  epochs: 2,
  batchSize: 16,
  lr: 0.05,
  momentum: 0.9,
  weightDecay: 5e-4,
  clipNorm: 5,
  calibrationBatches: 2,
  calibrationBatchSize: 16,
  evalBatchSize: 24,
  sampler: 'uniform',
};

function goldenSpace<A>(
  spec: SpaceRunSpec<A>,
  data: TrainingData | BatchSource,
  dir: string,
): GoldenResult {
  const runDir = path.join(dir, 'supernet');
  const net = spec.build(HYPER.seed);
  const archs = sampleDistinct(spec, 3, new Rng(`golden/${spec.space}`));
  let csv: string;
  try {
    trainSpaceNetwork(spec, net, data, HYPER, { runDir });
    csv =
      'arch,accuracy,loss\n' +
      archs
        .map((a) => {
          const r = scoreSpaceArch(net, a, data, HYPER);
          return `${spec.format(a)},${round(r.accuracy)},${round(r.loss)}`;
        })
        .join('\n');
  } finally {
    net.dispose();
  }
  const alone = spec.build(HYPER.seed);
  let standalone: { accuracy: number; loss: number };
  try {
    trainSpaceNetwork(spec, alone, data, { ...HYPER, epochs: 1 }, { fixed: archs[0] });
    const r = scoreSpaceArch(alone, archs[0], data, HYPER);
    standalone = { accuracy: round(r.accuracy), loss: round(r.loss) };
  } finally {
    alone.dispose();
  }
  return {
    checkpoint: hashCheckpoint(runDir),
    scores: crypto.createHash('sha256').update(csv).digest('hex'),
    standalone,
  };
}

export function goldenRun(space: string, dir: string): GoldenResult {
  switch (space) {
    case 'nb201':
      return goldenNb201(dir);
    case 'nb101':
      return goldenSpace(
        nb101RunSpec({ ...NB101_SMOKE_SKELETON, stemChannels: 2 }),
        fakeTrainingData(48, 8),
        dir,
      );
    case 'darts':
      return goldenSpace(dartsRunSpec(DARTS_SMOKE_SKELETON, 8), fakeTrainingData(32, 8), dir);
    case 'proxyless':
      return goldenSpace(proxylessRunSpec(PROXYLESS_SMOKE_SKELETON), fakeTrainingData(32, 16), dir);
    case 'darts-ptb':
      return goldenSpace(
        dartsPtbRunSpec(DARTS_PTB_SMOKE_SKELETON),
        ptbBatchSource({
          dir: PTB_DIR,
          vocabulary: DARTS_PTB_SMOKE_SKELETON.vocabulary,
          steps: 8,
          trainTokens: 512,
          validTokens: 256,
        }),
        dir,
      );
    default:
      throw new Error(`no golden run for ${space}`);
  }
}
