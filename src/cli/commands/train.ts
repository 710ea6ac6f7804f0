import * as os from 'node:os';
import * as path from 'node:path';
import { spawn, type ChildProcess } from 'node:child_process';
import {
  UsageError,
  choiceOption,
  intOption,
  numberOption,
  stringOption,
  type Command,
  type OptionSpec,
  type OptionValues,
} from '../command';
import { ENGINE_REQUESTS, initEngine, parseEngineRequest, type EngineInfo } from '../../engine';
import { packageRoot } from '../../info';
import { SAMPLER_NAMES } from '../../train/samplers';
import { OTHER_SPACES } from '../../train/space-presets';
import { trainOtherSpace } from './space-runs';
import {
  DivergenceError,
  SCALES,
  TRAIN_DATASETS,
  createProgress,
  defaultRunsRoot,
  listCheckpoints,
  loadTrainingData,
  supernetPreset,
  trainSupernet,
  type Nb201TrainHyper,
  type ProgressSink,
  type Scale,
  type SupernetHyper,
  type TrainDataset,
  type TrainingData,
} from '../../train';

// ---- options shared by train, evaluate, groundtruth and study ----

export const COMMON_OPTIONS: Record<string, OptionSpec> = {
  space: {
    type: 'string',
    description:
      'search space: nb201; train, evaluate and groundtruth also take nb101, darts, proxyless, darts-ptb',
    default: 'nb201',
  },
  dataset: {
    type: 'string',
    description: `dataset: ${TRAIN_DATASETS.join(', ')}`,
    default: 'fashion-mnist',
  },
  scale: { type: 'string', description: `preset: ${SCALES.join(', ')}`, default: 'laptop' },
  seed: { type: 'string', description: 'run seed (weights, data order, sampling)', default: '0' },
  engine: {
    type: 'string',
    description: `tensor engine: ${ENGINE_REQUESTS.join(', ')}`,
    default: 'auto (or $SUPERNET_LAB_ENGINE)',
  },
  'data-dir': {
    type: 'string',
    description: 'dataset folder/archive (Fashion-MNIST idx folder, CIFAR archive or folder)',
  },
  download: { type: 'boolean', description: 'CIFAR: download the official archive if missing' },
  progress: {
    type: 'string',
    description: 'progress output on stderr: bar (on a terminal), lines, none',
    default: 'bar on a terminal, else lines',
  },
};

export const HYPER_OPTIONS: Record<string, OptionSpec> = {
  epochs: { type: 'string', description: 'training epochs' },
  'batch-size': { type: 'string', description: 'mini-batch size' },
  lr: { type: 'string', description: 'initial learning rate (cosine schedule)' },
  'weight-decay': { type: 'string', description: 'L2 weight decay' },
  clip: { type: 'string', description: 'gradient clipping by global norm (0: off)' },
  momentum: { type: 'string', description: 'SGD momentum (Nesterov)' },
  channels: { type: 'string', description: 'skeleton: channels of the first stage (C)' },
  cells: { type: 'string', description: 'skeleton: cells per stage (N)' },
  'train-images': { type: 'string', description: "training images ('all' for the whole split)" },
  'valid-images': { type: 'string', description: "validation images ('all' for the whole split)" },
  'no-augment': { type: 'boolean', description: 'no random crop / flip' },
  'calib-batches': { type: 'string', description: 'BN recalibration: batches (B)' },
  'calib-size': { type: 'string', description: 'BN recalibration: images per batch (S)' },
};

export interface CommonSettings {
  dataset: TrainDataset;
  scale: Scale;
  seed: number;
  engineRequest: string;
  dataDir?: string;
  download: boolean;
  progressMode: 'bar' | 'lines' | 'none';
}

/** Spaces the train / evaluate / groundtruth commands take (nb201 plus the space runner's). */
export const TRAIN_SPACES = ['nb201', ...OTHER_SPACES] as const;
export type TrainSpace = (typeof TRAIN_SPACES)[number];

/** --space of a command that takes `supported` spaces; exit 2 naming the value otherwise. */
export function spaceOption(values: OptionValues, supported: readonly string[]): TrainSpace {
  const v = values['space'];
  if (v === undefined) return 'nb201';
  if (typeof v === 'string' && supported.includes(v)) return v as TrainSpace;
  if (typeof v === 'string' && (TRAIN_SPACES as readonly string[]).includes(v)) {
    throw new UsageError(
      `--space ${v}: this command supports ${supported.join(', ')} only (train, evaluate and groundtruth take ${TRAIN_SPACES.join(', ')})`,
    );
  }
  throw new UsageError(
    `--space must be one of ${supported.join(', ')}; got ${JSON.stringify(v)} (unknown space)`,
  );
}

export function commonSettings(values: OptionValues): CommonSettings {
  spaceOption(values, ['nb201']);
  const engine = typeof values['engine'] === 'string' ? values['engine'] : undefined;
  if (engine !== undefined) {
    try {
      parseEngineRequest(engine, '--engine');
    } catch (err) {
      throw new UsageError((err as Error).message);
    }
  }
  const progress = values['progress'];
  let progressMode: CommonSettings['progressMode'] = process.stderr.isTTY ? 'bar' : 'lines';
  if (progress !== undefined)
    progressMode = choiceOption(values, 'progress', ['bar', 'lines', 'none'], 'lines');
  return {
    dataset: choiceOption(values, 'dataset', TRAIN_DATASETS, 'fashion-mnist'),
    scale: choiceOption(values, 'scale', SCALES, 'laptop'),
    seed: intOption(values, 'seed', 0, 0, 2 ** 32 - 1),
    engineRequest: engine ?? process.env.SUPERNET_LAB_ENGINE ?? 'auto',
    dataDir: typeof values['data-dir'] === 'string' ? values['data-dir'] : undefined,
    download: values['download'] === true,
    progressMode,
  };
}

function imagesOption(values: OptionValues, name: string, fallback: number | null): number | null {
  const v = values[name];
  if (v === 'all') return null;
  if (v === undefined) return fallback;
  return intOption(values, name, 1, 1);
}

/** Applies --epochs, --lr, ... over a preset. */
export function applyHyperOverrides<T extends Nb201TrainHyper>(preset: T, values: OptionValues): T {
  const out: T = { ...preset };
  out.epochs = intOption(values, 'epochs', preset.epochs, 1, 1_000_000);
  out.batchSize = intOption(values, 'batch-size', preset.batchSize, 1, 1_000_000);
  out.lr = numberOption(values, 'lr', preset.lr);
  if (!(out.lr > 0)) throw new UsageError(`--lr must be > 0, got ${out.lr}`);
  out.weightDecay = numberOption(values, 'weight-decay', preset.weightDecay);
  if (!(out.weightDecay >= 0))
    throw new UsageError(`--weight-decay must be >= 0, got ${out.weightDecay}`);
  out.clipNorm = numberOption(values, 'clip', preset.clipNorm);
  if (!(out.clipNorm >= 0)) throw new UsageError(`--clip must be >= 0, got ${out.clipNorm}`);
  out.momentum = numberOption(values, 'momentum', preset.momentum);
  if (!(out.momentum >= 0 && out.momentum < 1)) {
    throw new UsageError(`--momentum must be in [0, 1), got ${out.momentum}`);
  }
  out.channels = intOption(values, 'channels', preset.channels, 1, 4096);
  out.cellsPerStage = intOption(values, 'cells', preset.cellsPerStage, 0, 100);
  out.trainImages = imagesOption(values, 'train-images', preset.trainImages);
  out.validImages = imagesOption(values, 'valid-images', preset.validImages);
  if (values['no-augment'] === true) out.augment = false;
  out.calibrationBatches = intOption(
    values,
    'calib-batches',
    preset.calibrationBatches,
    0,
    1_000_000,
  );
  out.calibrationBatchSize = intOption(
    values,
    'calib-size',
    preset.calibrationBatchSize,
    1,
    1_000_000,
  );
  return out;
}

export function makeProgress(mode: CommonSettings['progressMode'], label: string): ProgressSink {
  return createProgress({ label, bar: mode === 'bar', silent: mode === 'none' });
}

export async function setUpEngine(settings: CommonSettings): Promise<EngineInfo> {
  let info: EngineInfo;
  try {
    info = await initEngine(parseEngineRequest(settings.engineRequest, '--engine'));
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  return info;
}

export async function loadData(
  settings: CommonSettings,
  hyper: Pick<Nb201TrainHyper, 'trainImages' | 'validImages' | 'validFraction'>,
  testImages?: number | null,
): Promise<TrainingData> {
  return loadTrainingData(settings.dataset, {
    trainImages: hyper.trainImages,
    validImages: hyper.validImages,
    testImages: testImages ?? null,
    validFraction: hyper.validFraction,
    source: settings.dataDir,
    download: settings.download,
    log: (line) => process.stderr.write(line + '\n'),
  });
}

export function defaultOut(kind: string, s: CommonSettings): string {
  return path.join(defaultRunsRoot(), `${kind}-nb201-${s.dataset}-${s.scale}-seed${s.seed}`);
}

/** --epoch latest|all|N of a run folder: the kept checkpoint epochs it names (exit 2 otherwise). */
export function checkpointEpochsOption(values: OptionValues, runDir: string): number[] {
  const kept = listCheckpoints(runDir);
  if (kept.length === 0) throw new UsageError(`--run ${runDir} has no checkpoint yet`);
  const epochArg = stringOption(values, 'epoch', 'latest');
  if (epochArg === 'latest') return [kept[kept.length - 1]];
  if (epochArg === 'all') return kept;
  const e = intOption(values, 'epoch', 0, 1);
  if (!kept.includes(e)) {
    throw new UsageError(`--epoch ${e}: ${runDir} keeps checkpoints of epochs ${kept.join(', ')}`);
  }
  return [e];
}

export function parseEpochList(values: OptionValues, name: string, fallback: number[]): number[] {
  const v = values[name];
  if (v === undefined) return fallback;
  if (typeof v !== 'string' || !/^\s*\d+(\s*,\s*\d+)*\s*$/.test(v)) {
    throw new UsageError(
      `--${name} must be a comma-separated list of epochs, got ${JSON.stringify(v)}`,
    );
  }
  return v.split(',').map((s) => Number(s.trim()));
}

/** How to run this CLI in a child process (tsx from src/, or the built bin). */
export function cliInvocation(): { command: string; args: string[] } {
  if (__filename.endsWith('.ts')) {
    return {
      command: process.execPath,
      args: ['--import', 'tsx', path.join(packageRoot, 'src', 'cli', 'run.ts')],
    };
  }
  return { command: process.execPath, args: [path.join(packageRoot, 'bin', 'supernet-lab.js')] };
}

/** Environment of a child that shares the cores with others: one compute thread. */
export const ONE_THREAD: Record<string, string> = {
  SUPERNET_LAB_THREADS: '1',
  OMP_NUM_THREADS: '1',
};

const liveChildren = new Set<ChildProcess>();
let signalsHooked = false;

/** Children die with the parent: SIGINT/SIGTERM are passed on before exiting. */
function hookSignals(): void {
  if (signalsHooked) return;
  signalsHooked = true;
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.on(signal, () => {
      for (const child of liveChildren) child.kill(signal);
      process.exit(signal === 'SIGINT' ? 130 : 143);
    });
  }
}

/** Runs `supernet-lab <args>` in a child process; resolves with its exit code. */
export function runCliChild(
  args: string[],
  options: { label?: string; env?: Record<string, string> } = {},
): Promise<number> {
  const { command, args: pre } = cliInvocation();
  hookSignals();
  return new Promise((resolve, reject) => {
    const child = spawn(command, [...pre, ...args], {
      cwd: process.cwd(),
      env: { ...process.env, ...options.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    liveChildren.add(child);
    const prefix = options.label ? `[${options.label}] ` : '';
    const relay = (stream: NodeJS.ReadableStream, out: NodeJS.WritableStream) => {
      let buf = '';
      stream.setEncoding('utf8');
      stream.on('data', (chunk: string) => {
        buf += chunk;
        let i: number;
        while ((i = buf.indexOf('\n')) >= 0) {
          out.write(prefix + buf.slice(0, i) + '\n');
          buf = buf.slice(i + 1);
        }
      });
      stream.on('end', () => {
        if (buf) out.write(prefix + buf + '\n');
      });
    };
    relay(child.stdout, process.stderr);
    relay(child.stderr, process.stderr);
    child.on('error', (err) => {
      liveChildren.delete(child);
      reject(err);
    });
    child.on('close', (code, signal) => {
      liveChildren.delete(child);
      resolve(code ?? (signal ? 128 : 1));
    });
  });
}

/** Default number of worker processes: one per core. */
export function defaultWorkers(): number {
  return Math.max(
    1,
    typeof os.availableParallelism === 'function' ? os.availableParallelism() : os.cpus().length,
  );
}

// ---- train ----

const LAPTOP = supernetPreset('laptop');

export const trainCommand: Command = {
  name: 'train',
  summary:
    'Train a supernet (nb201, nb101, darts, proxyless, darts-ptb; SPOS or another sampler) into a run folder.',
  details: `
NB-201 presets (--scale): paper = Table 2 of the weight-sharing study (1000 epochs, batch 256, LR 0.05
cosine, WD 5e-4, clip 5, C=16, N=5, BN calibration 25 x 400); laptop = C=${LAPTOP.channels}, N=${LAPTOP.cellsPerStage}, ${LAPTOP.epochs} epochs on
${LAPTOP.trainImages} images; smoke = tiny, for CI. Flags override single values.
Run folder (--out, default kernels-data/runs/supernet-nb201-<dataset>-<scale>-seed<seed>):
config.json, log.jsonl, checkpoints/epoch-XXXX (kept: --checkpoint-epochs and the newest).
Re-running the same command resumes after the newest checkpoint; the result is identical to an
uninterrupted run. A NaN/inf loss stops with exit code 3 and keeps the last good checkpoint.
Example: supernet-lab train --dataset fashion-mnist --scale smoke --out /tmp/sn
Other spaces (--space nb101|darts|proxyless|darts-ptb): presets per scale in
src/train/space-presets.ts (paper = seed 001 Table 2 for that space; laptop = a few minutes on 2
CPU cores on Fashion-MNIST, or the PTB files for darts-ptb; smoke = tiny). Same run folder,
resume, --checkpoint-epochs and NaN behaviour; --channels / --cells set the space's skeleton
(nb101: stem channels / cells per stack; darts: C / cells; darts-ptb: hidden size); samplers
uniform, fairnas, multipath, sandwich; SGD momentum without Nesterov; --dataset defaults to the
preset's (fashion-mnist; cifar10 at paper; darts-ptb: the PTB files, --data-dir). Default folder
supernet-<space>-<dataset>-<scale>-seed<seed>.
Example: supernet-lab train --space nb101 --scale smoke --out /tmp/nb101`,
  options: {
    ...COMMON_OPTIONS,
    ...HYPER_OPTIONS,
    out: { type: 'string', description: 'run folder' },
    'checkpoint-epochs': {
      type: 'string',
      description: 'comma-separated epochs whose checkpoints are kept (the newest always is)',
    },
    sampler: {
      type: 'string',
      description: `path sampler: ${SAMPLER_NAMES.join(', ')} (default uniform = SPOS)`,
    },
    'sampler-paths': {
      type: 'string',
      description: 'multipath: paths per step (2); sandwich: random paths besides the extremes (2)',
    },
    'few-shot-edge': {
      type: 'string',
      description: 'fewshot: the edge (0-5) whose ops split the space into sub-supernets (0)',
    },
  },
  async run(values) {
    const space = spaceOption(values, TRAIN_SPACES);
    if (space !== 'nb201') return trainOtherSpace(space, values);
    const s = commonSettings(values);
    const sampler = choiceOption(values, 'sampler', SAMPLER_NAMES, 'uniform');
    const fewShotEdge =
      values['few-shot-edge'] === undefined
        ? undefined
        : intOption(values, 'few-shot-edge', 0, 0, 5);
    const samplerPaths =
      values['sampler-paths'] === undefined
        ? undefined
        : intOption(values, 'sampler-paths', 2, 0, 64);
    const hyper: SupernetHyper = applyHyperOverrides(supernetPreset(s.scale), values);
    const preset = supernetPreset(s.scale);
    hyper.checkpointEpochs = parseEpochList(
      values,
      'checkpoint-epochs',
      preset.checkpointEpochs.filter((e) => e <= hyper.epochs),
    );
    const out = path.resolve(stringOption(values, 'out', defaultOut('supernet', s)));
    const engine = await setUpEngine(s);
    const data = await loadData(s, hyper);
    const progress = makeProgress(s.progressMode, 'supernet ');
    progress.line(
      `supernet: ${s.dataset} (${data.train.shape[0]} train / ${data.valid.shape[0]} valid images), ` +
        `C=${hyper.channels} N=${hyper.cellsPerStage}, ${hyper.epochs} epochs, batch ${hyper.batchSize}, ` +
        `engine ${engine.name} -> ${out}`,
    );
    try {
      const r = await trainSupernet({
        runDir: out,
        config: {
          ...hyper,
          kind: 'supernet',
          space: 'nb201',
          dataset: s.dataset,
          scale: s.scale,
          seed: s.seed,
          engine: engine.name,
          inputChannels: data.inputChannels,
          classes: data.classes,
          imageSize: data.imageSize,
          sampler,
          ...(samplerPaths === undefined ? {} : { samplerPaths }),
          ...(fewShotEdge === undefined ? {} : { fewShotEdge }),
        },
        data,
        progress,
      });
      process.stdout.write(JSON.stringify({ run: out, ...r }) + '\n');
      return 0;
    } catch (err) {
      if (err instanceof DivergenceError) {
        process.stderr.write(`supernet-lab train: ${err.message}\n`);
        return 3;
      }
      throw err;
    }
  },
};
