/**
 * The deterministic smoke run behind test/train/golden.test.ts: train a tiny supernet of a space
 * for 2 epochs into a run folder, score 3 sampled architectures on its final checkpoint, train
 * one of them stand-alone, and hash what they wrote.
 */
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Rng } from '../../src/engine/random';
import { latestCheckpoint, readCheckpoint } from '../../src/runs/folder';
import type { RunConfigInput, RunSeeds } from '../../src/runs/config';
import { spaceBinding } from '../../src/supernet/registry';
import type { SpaceHyper } from '../../src/supernet/binding';
import { sampleDistinct } from '../../src/spaces/choices';
import { NB201_SAMPLING } from '../../src/spaces/nb201/codec';
import {
  imageRunData,
  loadRunData,
  runSetup,
  sampleArchs,
  trainRun,
  type RunData,
} from '../../src/train/pipeline';
import { runGroundTruth, scoreRun } from '../../src/evaluate';
import { NB101_SMOKE_SKELETON } from '../../src/supernet/nb101';
import { DARTS_SMOKE_SKELETON } from '../../src/supernet/darts';
import { PROXYLESS_SMOKE_SKELETON } from '../../src/supernet/proxyless';
import { DARTS_PTB_SMOKE_SKELETON } from '../../src/supernet/darts-ptb';
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

const IMAGES = {
  kind: 'images' as const,
  dataset: 'fashion-mnist' as const,
  trainImages: null,
  validImages: null,
  validFraction: 0.5,
};

/**
 * Supernet (2 epochs) -> 3 scores -> 1 stand-alone architecture (1 epoch), through the one
 * pipeline, for a space and its skeleton.
 */
async function goldenPipeline(
  space: string,
  net: object,
  data: RunData,
  dataSettings: RunConfigInput['data'],
  hyper: SpaceHyper,
  standaloneHyper: SpaceHyper,
  archs: string[],
  seeds: RunSeeds | undefined,
  dir: string,
): Promise<GoldenResult> {
  const runDir = path.join(dir, 'supernet');
  const common = {
    space,
    scale: 'smoke' as const,
    dataset: dataSettings.kind === 'images' ? dataSettings.dataset : 'ptb',
    skeleton: { space, net },
    data: dataSettings,
    seed: 7,
    sampler: 'uniform' as const,
    engine: 'cpu',
    ...(seeds ? { seeds } : {}),
  };
  await trainRun({
    runDir,
    data,
    config: { ...common, ...hyper, kind: 'supernet', epochs: 2, checkpointEpochs: [2] },
    progress: silent,
  });
  const scored = scoreRun({ runDir, archs, data, progress: silent });
  const gtDir = path.join(dir, 'groundtruth');
  const gt = runGroundTruth({
    runDir: gtDir,
    data,
    progress: silent,
    config: { ...common, ...standaloneHyper, kind: 'groundtruth', epochs: 1, archs: [archs[0]] },
  });
  return {
    checkpoint: hashCheckpoint(runDir),
    scores: hashFile(scored.file!),
    standalone: { accuracy: round(gt.rows[0].val_accuracy), loss: round(standaloneLoss(gtDir)) },
  };
}

function goldenNb201(dir: string): Promise<GoldenResult> {
  const data = imageRunData(fakeTrainingData(48, 8));
  const b = spaceBinding('nb201').preset('smoke');
  const small = {
    batchSize: 16,
    calibrationBatches: 2,
    calibrationBatchSize: 16,
    evalBatchSize: 24,
  };
  return goldenPipeline(
    'nb201',
    { channels: 2, cellsPerStage: 1 },
    data,
    { ...IMAGES, testImages: null },
    { ...b.supernet, ...small },
    { ...b.standalone, batchSize: 16, evalBatchSize: 24 },
    sampleArchs(NB201_SAMPLING, 3, 7),
    undefined,
    dir,
  );
}

/** The settings of the other spaces' trainer before the one pipeline (legacy seeds, no Nesterov, no augmentation). */
const LEGACY: SpaceHyper = {
  epochs: 2,
  batchSize: 16,
  lr: 0.05,
  momentum: 0.9,
  nesterov: false,
  augment: false,
  weightDecay: 5e-4,
  clipNorm: 5,
  calibrationBatches: 2,
  calibrationBatchSize: 16,
  evalBatchSize: 24,
};

function legacySeeds(space: string): RunSeeds {
  return {
    data: 'space-supernet/7/data',
    sampler: `space-supernet/${space}/7/sampler/epoch-{epoch}`,
    calibration: '7/calibration',
    standaloneData: 'space-supernet/7/data',
    standaloneInit: 7,
  };
}

async function goldenSpace(
  space: string,
  net: object,
  data: RunData,
  dataSettings: RunConfigInput['data'],
  dir: string,
): Promise<GoldenResult> {
  const setup = runSetup({ space, skeleton: { space, net } }, data);
  const archs = sampleDistinct(setup.spec, 3, new Rng(`golden/${space}`)).map((a: unknown) =>
    setup.spec.format(a),
  );
  return goldenPipeline(
    space,
    net,
    data,
    dataSettings,
    LEGACY,
    LEGACY,
    archs,
    legacySeeds(space),
    dir,
  );
}

export async function goldenRun(space: string, dir: string): Promise<GoldenResult> {
  const { inChannels: _i, numClasses: _n, ...nb101 } = { ...NB101_SMOKE_SKELETON, stemChannels: 2 };
  const { inChannels: _di, numClasses: _dn, ...darts } = DARTS_SMOKE_SKELETON;
  const {
    inChannels: _pi,
    numClasses: _pn,
    imageSize: _ps,
    ...proxyless
  } = PROXYLESS_SMOKE_SKELETON;
  switch (space) {
    case 'nb201':
      return goldenNb201(dir);
    case 'nb101':
      return goldenSpace('nb101', nb101, imageRunData(fakeTrainingData(48, 8)), IMAGES, dir);
    case 'darts':
      return goldenSpace('darts', darts, imageRunData(fakeTrainingData(32, 8)), IMAGES, dir);
    case 'proxyless':
      return goldenSpace(
        'proxyless',
        proxyless,
        imageRunData(fakeTrainingData(32, 16)),
        IMAGES,
        dir,
      );
    case 'darts-ptb': {
      const settings = { kind: 'ptb' as const, steps: 8, trainTokens: 512, validTokens: 256 };
      const data = await loadRunData('darts-ptb', settings, DARTS_PTB_SMOKE_SKELETON, {
        dataDir: PTB_DIR,
      });
      return goldenSpace('darts-ptb', { ...DARTS_PTB_SMOKE_SKELETON }, data, settings, dir);
    }
    default:
      throw new Error(`no golden run for ${space}`);
  }
}
