/**
 * SPOS supernet training on NAS-Bench-201 (uniform single-path sampling, one valid architecture
 * per mini-batch), into a run folder (see run-folder.ts), resumable.
 *
 * Determinism and resume: epoch e draws its data order, augmentation and architecture samples
 * from generators seeded by (seed, e) alone, and a checkpoint after epoch e holds the weights,
 * BN statistics and momentum buffers. Resuming from it therefore replays epochs e+1.. exactly as
 * an uninterrupted run would (same kernels, same thread count).
 */
import * as fs from 'node:fs';
import * as tf from '@tensorflow/tfjs';
import { iterateBatches, defaultAugmentation, batchCount } from '../data';
import { Rng } from '../engine/random';
import type { Nb201Arch } from '../spaces/nb201/definition';
import { createSampler, isFewShot, NB201_SAMPLER_SPACE, multiPathStep } from './samplers';
import type { SamplerSettings } from './samplers';
import { createSupernet, type Nb201Network } from '../supernet/network';
import { cosineLr } from '../core/schedule';
import { Sgd } from '../core/sgd';
import { loadNetworkTensors, networkTensors } from './network-tensors';
import { DivergenceError, trainStep } from './step';
import type { TrainingData } from './data';
import type { SupernetHyper, Scale, TrainDataset } from './presets';
import { createProgress, formatDuration, type ProgressSink } from './progress';
import {
  appendLog,
  checkpointName,
  latestCheckpoint,
  pruneCheckpoints,
  readCheckpoint,
  readJson,
  truncateLog,
  writeCheckpoint,
  writeJsonAtomic,
  type StoredTensor,
} from './run-folder';
import * as path from 'node:path';
import { libraryInfo, type LibraryInfo } from '../info';

/**
 * `sampler` (with `samplerPaths` / `fewShotEdge`) selects the path sampler (src/train/samplers);
 * uniform keeps the original SPOS random stream.
 */
export interface SupernetRunConfig extends Omit<SupernetHyper, 'sampler'>, SamplerSettings {
  kind: 'supernet';
  space: 'nb201';
  dataset: TrainDataset;
  scale: Scale;
  seed: number;
  engine: string;
  inputChannels: number;
  classes: number;
  imageSize: number;
  library: LibraryInfo;
  createdAt: string;
}

/** Checkpoint loop state (manifest.state). */
export interface SupernetCheckpointState {
  epoch: number;
  globalStep: number;
  /**
   * Randomness: every epoch reseeds its data order/augmentation (`data`) and its architecture
   * sampler (`sampler`) from the run seed and the epoch number, so nothing else is needed to
   * continue; recorded for provenance.
   */
  rng: { scheme: 'per-epoch'; data: string; sampler: string; nextEpoch: number };
  /** The path sampler's configuration/state (src/train/samplers); absent in older runs. */
  pathSampler?: Record<string, unknown>;
}

/** Keys that must agree between a run folder's config and a resumed run. */
const RESUME_KEYS: ReadonlyArray<keyof SupernetRunConfig> = [
  'kind',
  'space',
  'dataset',
  'scale',
  'seed',
  'channels',
  'cellsPerStage',
  'epochs',
  'batchSize',
  'lr',
  'minLr',
  'momentum',
  'nesterov',
  'weightDecay',
  'clipNorm',
  'augment',
  'trainImages',
  'validImages',
  'validFraction',
  'sampler',
  'samplerPaths',
  'fewShotEdge',
  'inputChannels',
  'classes',
  'imageSize',
];

/** Throws when `existing` (a run folder's config) and `wanted` differ on a resumable key. */
export function assertResumable<T extends object>(
  runDir: string,
  existing: T,
  wanted: T,
  keys: ReadonlyArray<keyof T>,
): void {
  const diffs = keys
    .filter((k) => JSON.stringify(existing[k]) !== JSON.stringify(wanted[k]))
    .map(
      (k) =>
        `${String(k)}: ${JSON.stringify(existing[k])} in the folder, ${JSON.stringify(wanted[k])} now`,
    );
  if (diffs.length > 0) {
    throw new Error(
      `${runDir} holds a run with a different configuration (${diffs.join('; ')}); use another --out or the same settings`,
    );
  }
}

export function dataSeed(seed: number): string {
  return `supernet/${seed}/data`;
}

export function samplerSeed(seed: number, epoch: number): string {
  return `supernet/${seed}/sampler/epoch-${epoch}`;
}

export { networkTensors, loadNetworkTensors } from './network-tensors';

/** Checkpoint tensor-name prefix of few-shot sub-supernet k (`shot-k/param/...`). */
export function shotPrefix(k: number): string {
  return `shot-${k}/`;
}

/** The tensors of one few-shot sub-supernet, with its prefix removed. */
function shotTensors(
  tensors: ReadonlyMap<string, StoredTensor>,
  k: number,
): Map<string, StoredTensor> {
  const prefix = shotPrefix(k);
  const out = new Map<string, StoredTensor>();
  for (const [name, t] of tensors) {
    if (name.startsWith(prefix)) out.set(name.slice(prefix.length), t);
  }
  return out;
}

function buildSupernet(config: SupernetRunConfig): Nb201Network {
  return createSupernet(
    {
      channels: config.channels,
      cellsPerStage: config.cellsPerStage,
      inputChannels: config.inputChannels,
      classes: config.classes,
    },
    { seed: config.seed },
  );
}

/**
 * Every (sub-)supernet of a run folder at a checkpoint and the rule that picks the one that
 * scores an architecture: one network (route always 0) for every sampler but few-shot; for
 * few-shot, one sub-supernet per option of the split edge, and an architecture is scored on the
 * sub-supernet of its own op on that edge (the one that trained it).
 */
export function loadSupernets(
  runDir: string,
  epoch?: number,
): {
  nets: Nb201Network[];
  route: (arch: Nb201Arch) => number;
  config: SupernetRunConfig;
  epoch: number;
} {
  const config = readJson<SupernetRunConfig>(path.join(runDir, 'config.json'));
  if (config.sampler !== 'fewshot') {
    const { net, epoch: e } = loadSupernet(runDir, epoch);
    return { nets: [net], route: () => 0, config, epoch: e };
  }
  const e = epoch ?? latestCheckpoint(runDir);
  if (e === null) throw new Error(`${runDir} has no checkpoint yet`);
  const { tensors } = readCheckpoint(runDir, e);
  const sampler = createSampler(NB201_SAMPLER_SPACE, config);
  if (!isFewShot(sampler)) throw new Error('unreachable: few-shot config without few-shot sampler');
  const nets: Nb201Network[] = [];
  for (let k = 0; k < sampler.shots; k++) {
    const net = buildSupernet(config);
    loadNetworkTensors(net, shotTensors(tensors, k));
    nets.push(net);
  }
  return { nets, route: (a) => sampler.route(a), config, epoch: e };
}

/** The supernet of a run folder at a checkpoint (weights and BN statistics). */
export function loadSupernet(
  runDir: string,
  epoch?: number,
): { net: Nb201Network; config: SupernetRunConfig; epoch: number } {
  const config = readJson<SupernetRunConfig>(path.join(runDir, 'config.json'));
  if (config.kind !== 'supernet')
    throw new Error(`${runDir} is a ${config.kind} run, not a supernet run`);
  if (config.sampler === 'fewshot') {
    throw new Error(`${runDir} is a few-shot run (several sub-supernets): use loadSupernets`);
  }
  const e = epoch ?? latestCheckpoint(runDir);
  if (e === null) throw new Error(`${runDir} has no checkpoint yet`);
  const dir = path.join(runDir, 'checkpoints', checkpointName(e));
  if (!fs.existsSync(path.join(dir, 'manifest.json'))) {
    throw new Error(`${runDir} has no checkpoint for epoch ${e} (expected ${dir})`);
  }
  const { tensors } = readCheckpoint(runDir, e);
  const net = createSupernet(
    {
      channels: config.channels,
      cellsPerStage: config.cellsPerStage,
      inputChannels: config.inputChannels,
      classes: config.classes,
    },
    { seed: config.seed },
  );
  loadNetworkTensors(net, tensors);
  return { net, config, epoch: e };
}

export interface TrainSupernetOptions {
  runDir: string;
  config: Omit<SupernetRunConfig, 'library' | 'createdAt'>;
  data: TrainingData;
  progress?: ProgressSink;
  /** Stop after this epoch as if killed (tests of resume). */
  stopAfterEpoch?: number;
  /** Called after every completed epoch (after its checkpoint is written). */
  onEpoch?: (epoch: number, entry: Record<string, number>) => void;
}

export interface TrainSupernetResult {
  /** Epochs completed in total (including earlier runs of a resumed folder). */
  epochsDone: number;
  /** Epochs run by this call. */
  epochsRun: number;
  /** Epoch this call started from (0 for a fresh run). */
  resumedFrom: number;
  seconds: number;
}

/** Trains (or resumes) a supernet run; see the module comment. */
export async function trainSupernet(options: TrainSupernetOptions): Promise<TrainSupernetResult> {
  const { runDir, data } = options;
  const cfg = options.config;
  const progress = options.progress ?? createProgress({ label: 'supernet ' });
  validateSupernetConfig(cfg);
  fs.mkdirSync(runDir, { recursive: true });
  const configFile = path.join(runDir, 'config.json');
  let config: SupernetRunConfig;
  if (fs.existsSync(configFile)) {
    const existing = readJson<SupernetRunConfig>(configFile);
    assertResumable(runDir, existing, { ...existing, ...cfg }, RESUME_KEYS);
    config = existing;
  } else {
    config = { ...cfg, library: libraryInfo(), createdAt: new Date().toISOString() };
    writeJsonAtomic(configFile, config);
  }
  if (data.inputChannels !== config.inputChannels || data.classes !== config.classes) {
    throw new Error(
      `data has ${data.inputChannels} channels / ${data.classes} classes, config ${config.inputChannels} / ${config.classes}`,
    );
  }

  const pathSampler = createSampler(NB201_SAMPLER_SPACE, config);
  // Few-shot: one sub-supernet (separate weights and momentum, same initialisation) per option
  // of the split edge; every other sampler trains one network.
  const shots = isFewShot(pathSampler) ? pathSampler.shots : 1;
  const route = (arch: Nb201Arch) => (isFewShot(pathSampler) ? pathSampler.route(arch) : 0);
  const nets: Nb201Network[] = [];
  const sgds: Sgd[] = [];
  for (let k = 0; k < shots; k++) {
    nets.push(buildSupernet(config));
    sgds.push(
      new Sgd({
        momentum: config.momentum,
        nesterov: config.nesterov,
        weightDecay: config.weightDecay,
        clipNorm: config.clipNorm,
      }),
    );
  }
  const net = nets[0];
  const sgd = sgds[0];
  const started = Date.now();
  try {
    const latest = latestCheckpoint(runDir);
    let startEpoch = 1;
    let globalStep = 0;
    if (latest !== null) {
      const { manifest, tensors } = readCheckpoint<SupernetCheckpointState>(runDir, latest);
      if (shots === 1) loadNetworkTensors(net, tensors, sgd);
      else nets.forEach((n, k) => loadNetworkTensors(n, shotTensors(tensors, k), sgds[k]));
      startEpoch = latest + 1;
      globalStep = manifest.state.globalStep;
      truncateLog(runDir, latest);
      if (startEpoch <= config.epochs) {
        progress.line(`resuming ${runDir} after epoch ${latest}`);
      }
    } else {
      truncateLog(runDir, 0);
    }
    nets.forEach((n, k) => sgds[k].initBuffers(n.variables.trainable));
    const n = data.train.shape[0];
    const stepsPerEpoch = batchCount(n, config.batchSize, true);
    if (stepsPerEpoch < 1) {
      throw new Error(`${n} training images make no full batch of ${config.batchSize}`);
    }
    const schedule = {
      baseLr: config.lr,
      minLr: config.minLr,
      totalSteps: config.epochs * stepsPerEpoch,
    };
    const keep = new Set(config.checkpointEpochs);
    let epochsRun = 0;
    for (let epoch = startEpoch; epoch <= config.epochs; epoch++) {
      const t0 = Date.now();
      const sampler = new Rng(samplerSeed(config.seed, epoch));
      let lossSum = 0;
      let correct = 0;
      let seen = 0;
      let step = 0;
      let lr = cosineLr(schedule, globalStep);
      for (const batch of iterateBatches(data.train, {
        batchSize: config.batchSize,
        seed: dataSeed(config.seed),
        epoch,
        augment: config.augment ? defaultAugmentation(data.train) : undefined,
        dropLast: true,
      })) {
        const plan = pathSampler.next(sampler);
        lr = cosineLr(schedule, globalStep);
        let r;
        try {
          if (plan.paths.length === 1) {
            const arch: Nb201Arch = plan.paths[0];
            const k = route(arch);
            r = trainStep(nets[k], arch, batch.images, batch.labels, batch.shape, sgds[k], lr);
          } else {
            r = multiPathStep(
              net,
              plan.paths,
              plan.reduce,
              batch.images,
              batch.labels,
              batch.shape,
              sgd,
              lr,
              (a) => `[${a.join(', ')}]`,
            );
          }
        } catch (err) {
          if (err instanceof DivergenceError) {
            const last = latestCheckpoint(runDir);
            throw new DivergenceError(
              `training diverged at epoch ${epoch}, step ${step + 1} (${err.message}); stopped without saving. ` +
                (last !== null
                  ? `The last good checkpoint is ${path.join(runDir, 'checkpoints', checkpointName(last))}`
                  : 'No checkpoint was written yet') +
                '. Try a lower --lr or a smaller --clip.',
            );
          }
          throw err;
        }
        const count = batch.shape[0];
        lossSum += r.loss * count;
        correct += r.correct;
        seen += count;
        step++;
        globalStep++;
        progress.update(
          step,
          stepsPerEpoch,
          `epoch ${epoch}/${config.epochs} loss ${(lossSum / seen).toFixed(3)} acc ${((100 * correct) / seen).toFixed(1)}%`,
        );
      }
      const seconds = (Date.now() - t0) / 1000;
      const entry = {
        epoch,
        loss: lossSum / seen,
        accuracy: (100 * correct) / seen,
        lr,
        imagesPerSecond: seen / seconds,
        seconds,
      };
      progress.done();
      appendLog(runDir, entry);
      const state: SupernetCheckpointState = {
        epoch,
        globalStep,
        rng: {
          scheme: 'per-epoch',
          data: dataSeed(config.seed),
          sampler: samplerSeed(config.seed, epoch + 1),
          nextEpoch: epoch + 1,
        },
        pathSampler: pathSampler.state(),
      };
      const stored =
        shots === 1
          ? networkTensors(net, sgd)
          : nets.flatMap((n, k) =>
              networkTensors(n, sgds[k]).map((t) => ({ ...t, name: shotPrefix(k) + t.name })),
            );
      writeCheckpoint(runDir, epoch, stored, state);
      pruneCheckpoints(runDir, keep);
      epochsRun++;
      const remaining = ((Date.now() - started) / 1000 / epochsRun) * (config.epochs - epoch);
      progress.line(
        `epoch ${epoch}/${config.epochs}  loss ${entry.loss.toFixed(4)}  acc ${entry.accuracy.toFixed(2)}%  ` +
          `lr ${lr.toFixed(5)}  ${entry.imagesPerSecond.toFixed(0)} img/s  ${seconds.toFixed(1)}s  ETA ${formatDuration(remaining)}`,
      );
      options.onEpoch?.(epoch, entry);
      if (options.stopAfterEpoch !== undefined && epoch >= options.stopAfterEpoch) break;
    }
    const done = latestCheckpoint(runDir) ?? 0;
    return {
      epochsDone: done,
      epochsRun,
      resumedFrom: startEpoch - 1,
      seconds: (Date.now() - started) / 1000,
    };
  } finally {
    sgds.forEach((o) => o.dispose());
    nets.forEach((n) => n.dispose());
  }
}

export function validateSupernetConfig(
  cfg: Omit<SupernetRunConfig, 'library' | 'createdAt'>,
): void {
  const positive = ['channels', 'epochs', 'batchSize', 'inputChannels', 'classes'] as const;
  for (const k of positive) {
    if (!Number.isInteger(cfg[k]) || cfg[k] < 1) {
      throw new Error(`${k} must be a positive integer, got ${cfg[k]}`);
    }
  }
  if (!Number.isInteger(cfg.cellsPerStage) || cfg.cellsPerStage < 0) {
    throw new Error(`cellsPerStage must be a non-negative integer, got ${cfg.cellsPerStage}`);
  }
  if (!(cfg.lr > 0)) throw new Error(`lr must be > 0, got ${cfg.lr}`);
  if (cfg.imageSize % 4 !== 0) {
    throw new Error(`image size ${cfg.imageSize} is not divisible by 4 (two stride-2 reductions)`);
  }
  for (const e of cfg.checkpointEpochs) {
    if (!Number.isInteger(e) || e < 1)
      throw new Error(`checkpoint epoch ${e} is not a positive integer`);
  }
}
