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
import * as path from 'node:path';
import type { Nb201Arch } from '../spaces/nb201/definition';
import { createSampler, isFewShot, NB201_SAMPLER_SPACE } from './samplers';
import type { SamplerSettings } from './samplers';
import { createSupernet, type Nb201Network } from '../supernet/network';
import { loadNetworkTensors } from './network-tensors';
import { imageBatchSource, type TrainingData } from './data';
import type { Scale, TrainDataset } from '../core/scale';
import type { SupernetHyper } from '../supernet/nb201/presets';
import { createProgress, type ProgressSink } from './progress';
import {
  checkpointName,
  latestCheckpoint,
  readCheckpoint,
  readJson,
  writeJsonAtomic,
  type EpochLogEntry,
} from '../runs/folder';
import { libraryInfo, type LibraryInfo } from '../info';
import { fit, netTensors, shotPrefix, type FitCheckpointState } from './fit';
import { supernetStrategy } from './strategies';

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

/** Checkpoint loop state (manifest.state): the one loop's. */
export type SupernetCheckpointState = FitCheckpointState;

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

export { shotPrefix };

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
    loadNetworkTensors(net, netTensors(tensors, k, sampler.shots));
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
  onEpoch?: (epoch: number, entry: EpochLogEntry) => void;
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

/** Trains (or resumes) a supernet run through the one loop (fit.ts); see the module comment. */
export async function trainSupernet(options: TrainSupernetOptions): Promise<TrainSupernetResult> {
  const { runDir, data } = options;
  const cfg = options.config;
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
  const strategy = supernetStrategy(NB201_SAMPLER_SPACE, config, () => buildSupernet(config));
  try {
    const r = fit({
      strategy,
      source: imageBatchSource(data, { augment: config.augment }),
      hyper: config,
      seeds: { data: dataSeed(config.seed), sampler: (e) => samplerSeed(config.seed, e) },
      describe: (a) => `[${a.join(', ')}]`,
      runDir,
      checkpointEpochs: config.checkpointEpochs,
      progress: options.progress ?? createProgress({ label: 'supernet ' }),
      stopAfterEpoch: options.stopAfterEpoch,
      onEpoch: options.onEpoch,
    });
    return {
      epochsDone: latestCheckpoint(runDir) ?? 0,
      epochsRun: r.epochsRun,
      resumedFrom: r.resumedFrom,
      seconds: r.seconds,
    };
  } finally {
    strategy.nets.forEach((n) => n.dispose());
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
