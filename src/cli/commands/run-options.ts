/**
 * What train, evaluate, groundtruth and study share, for every space: the option specs, the
 * scale preset with flags applied (through the space's binding), architecture lists, engine and
 * progress set-up, and child processes (workers).
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { spawn, type ChildProcess } from 'node:child_process';
import {
  UsageError,
  choiceOption,
  intOption,
  numberOption,
  optionalInt,
  stringOption,
  type OptionSpec,
  type OptionValues,
} from '../command';
import { ENGINE_REQUESTS, type EngineInfo, type EngineRequest } from '../../engine';
import { engineRequestOption, initEngineFromOptions } from '../engine-option';
import { packageRoot } from '../../info';
import { SCALES, TRAIN_DATASETS, type Scale } from '../../core/scale';
import { SAMPLER_NAMES } from '../../supernet/binding';
import type { SpaceHyper, SpacePreset, SpaceSetup } from '../../supernet/binding';
import { SPACE_NAMES, spaceBinding } from '../../supernet/registry';
import { listCheckpoints, parseCsv, defaultRunsRoot } from '../../runs/folder';
import { canonicalArchs } from '../../evaluate/score-run';
import { acquireRunLock, type ReleaseRunLock } from '../../runs/lock';
import { createProgress, type ProgressSink } from '../../train/progress';
import { sampleArchs } from '../../train/pipeline';

export const COMMON_OPTIONS: Record<string, OptionSpec> = {
  space: {
    type: 'string',
    description: `search space: ${SPACE_NAMES.join(', ')}`,
    default: 'nb201',
  },
  dataset: {
    type: 'string',
    description: `dataset: ${TRAIN_DATASETS.join(', ')} (darts-ptb: ptb)`,
    default: "the preset's (fashion-mnist; cifar10 at paper scale)",
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
    description: 'dataset folder/archive (Fashion-MNIST idx folder, CIFAR archive, PTB folder)',
  },
  download: { type: 'boolean', description: 'CIFAR: download the official archive if missing' },
  progress: {
    type: 'string',
    description: 'progress output on stderr: bar (on a terminal), lines, none',
    default: 'bar on a terminal, else lines',
  },
};

/** `--wait` of every command that takes a folder's lock. */
export const WAIT_OPTION: Record<string, OptionSpec> = {
  wait: {
    type: 'boolean',
    description: 'wait while another process writes the folder (default: refuse, naming it)',
  },
};

/**
 * Takes the lock of a folder this command writes (src/runs/lock.ts): a live holder is a refusal
 * naming it (RunLockedError, exit 1), or with --wait a line on stderr and a wait. `name` picks a
 * lock other than the folder's `.lock` (e.g. one per scoring shard).
 */
export function lockRunFolder(
  dir: string,
  command: string,
  values: OptionValues,
  name?: string,
): Promise<ReleaseRunLock> {
  return acquireRunLock(dir, {
    command,
    wait: values['wait'] === true,
    ...(name === undefined ? {} : { name }),
    onWait: (message) => process.stderr.write(`${message}\nwaiting for it (--wait)...\n`),
  });
}

export const HYPER_OPTIONS: Record<string, OptionSpec> = {
  epochs: { type: 'string', description: 'training epochs' },
  'batch-size': { type: 'string', description: 'mini-batch size' },
  lr: { type: 'string', description: 'initial learning rate (cosine schedule unless constant)' },
  'weight-decay': { type: 'string', description: 'L2 weight decay' },
  clip: { type: 'string', description: 'gradient clipping by global norm (0: off)' },
  momentum: { type: 'string', description: 'SGD momentum' },
  'no-nesterov': { type: 'boolean', description: 'plain momentum instead of Nesterov' },
  channels: {
    type: 'string',
    description:
      'skeleton width (nb201: C; nb101: stem channels; darts: C; darts-ptb: hidden size)',
  },
  cells: {
    type: 'string',
    description: 'skeleton depth (nb201: cells per stage; nb101: cells per stack; darts: cells)',
  },
  'train-images': { type: 'string', description: "training images ('all' for the whole split)" },
  'valid-images': { type: 'string', description: "validation images ('all' for the whole split)" },
  'no-augment': { type: 'boolean', description: 'no random crop / flip' },
  'calib-batches': { type: 'string', description: 'BN recalibration: batches (B)' },
  'calib-size': { type: 'string', description: 'BN recalibration: images per batch (S)' },
};

export const SAMPLER_OPTIONS: Record<string, OptionSpec> = {
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
    description: 'fewshot: the decision (nb201: edge 0-5) whose options split the supernet (0)',
  },
};

export const ARCH_OPTIONS: Record<string, OptionSpec> = {
  arch: { type: 'string', description: "one architecture (the space's string format)" },
  archs: {
    type: 'string',
    description: 'file with one architecture per line (or a CSV with an arch column)',
  },
  sample: { type: 'string', description: 'N seeded uniformly sampled distinct architectures' },
  'arch-seed': {
    type: 'string',
    description: "seed of --sample, or 'study': the list the study notebooks score",
    default: '0',
  },
};

/** Prints a command's result: one line of JSON on stdout. */
export function printJson(value: unknown): void {
  process.stdout.write(JSON.stringify(value) + '\n');
}

export type ProgressMode = 'bar' | 'lines' | 'none';

/** Settings every command that runs work shares. */
export interface RunSettings {
  space: string;
  scale: Scale;
  seed: number;
  engineRequest: EngineRequest;
  dataDir?: string;
  download: boolean;
  progressMode: ProgressMode;
}

export function progressModeOf(values: OptionValues): ProgressMode {
  if (values['progress'] === undefined) return process.stderr.isTTY ? 'bar' : 'lines';
  return choiceOption(values, 'progress', ['bar', 'lines', 'none'], 'lines');
}

export function runSettings(values: OptionValues): RunSettings {
  const run = {
    space: choiceOption(values, 'space', SPACE_NAMES, 'nb201'),
    scale: choiceOption(values, 'scale', SCALES, 'laptop'),
    seed: intOption(values, 'seed', 0, 0, 2 ** 32 - 1),
  };
  return { ...folderSettings(values, run), download: values['download'] === true };
}

/** Settings of a command that works on an existing run folder (its space, scale and seed). */
export function folderSettings(
  values: OptionValues,
  config: { space: string; scale: Scale; seed: number },
): RunSettings {
  return {
    space: config.space,
    scale: config.scale,
    seed: config.seed,
    engineRequest: engineRequestOption(values),
    dataDir: typeof values['data-dir'] === 'string' ? values['data-dir'] : undefined,
    download: false,
    progressMode: progressModeOf(values),
  };
}

export function makeProgress(mode: ProgressMode, label: string): ProgressSink {
  return createProgress({ label, bar: mode === 'bar', silent: mode === 'none' });
}

export function setUpEngine(settings: Pick<RunSettings, 'engineRequest'>): Promise<EngineInfo> {
  return initEngineFromOptions({ engine: settings.engineRequest });
}

/** An image count flag: a positive integer, or 'all' (null). */
export function imagesOption<F extends number | null | undefined>(
  values: OptionValues,
  name: string,
  fallback: F,
): number | null | F {
  const v = values[name];
  if (v === 'all') return null;
  if (v === undefined) return fallback;
  return intOption(values, name, 1, 1);
}

function rejectFlags(values: OptionValues, space: string, flags: readonly string[]): void {
  for (const f of flags) {
    if (values[f] !== undefined) throw new UsageError(`--${f} does not apply to --space ${space}`);
  }
}

/**
 * The space's preset at --scale with --dataset, --train-images, --valid-images, --test-images,
 * --channels and --cells applied (the binding maps width and depth onto its skeleton).
 */
export function presetWithOverrides(settings: RunSettings, values: OptionValues): SpacePreset {
  const binding = spaceBinding(settings.space);
  const p = binding.preset(settings.scale);
  for (const data of [p.data, p.standaloneData]) {
    if (!data) continue;
    if (data.kind === 'images') {
      data.dataset = choiceOption(values, 'dataset', TRAIN_DATASETS, data.dataset);
      data.trainImages = imagesOption(values, 'train-images', data.trainImages);
      data.validImages = imagesOption(values, 'valid-images', data.validImages);
      if (data.testImages !== undefined || values['test-images'] !== undefined) {
        data.testImages = imagesOption(values, 'test-images', data.testImages ?? null);
      }
    } else {
      if (values['dataset'] !== undefined && values['dataset'] !== 'ptb') {
        throw new UsageError(
          `--space ${settings.space} trains on Penn Treebank text: --dataset must be ptb (or left out), got ${JSON.stringify(values['dataset'])}`,
        );
      }
      rejectFlags(values, settings.space, [
        'train-images',
        'valid-images',
        'test-images',
        'no-augment',
      ]);
    }
  }
  const size = {
    channels: optionalInt(values, 'channels', 1, 4096),
    cells: optionalInt(values, 'cells', 0, 100),
  };
  if (size.channels !== undefined || size.cells !== undefined) {
    if (!binding.resize) rejectFlags(values, settings.space, ['channels', 'cells']);
    for (const sk of [p.skeleton, p.standaloneSkeleton]) sk.net = binding.resize!(sk.net, size);
  }
  return p;
}

/** --epochs, --lr, ... over a preset's hyper-parameters. */
export function hyperWithOverrides(h: SpaceHyper, values: OptionValues): SpaceHyper {
  const out: SpaceHyper = { ...h };
  out.epochs = intOption(values, 'epochs', h.epochs, 1, 1_000_000);
  out.batchSize = intOption(values, 'batch-size', h.batchSize, 1, 1_000_000);
  out.lr = numberOption(values, 'lr', h.lr, '> 0');
  out.weightDecay = numberOption(values, 'weight-decay', h.weightDecay, '>= 0');
  out.clipNorm = numberOption(values, 'clip', h.clipNorm, '>= 0');
  out.momentum = numberOption(values, 'momentum', h.momentum, 'in [0, 1)');
  if (values['no-nesterov'] === true) out.nesterov = false;
  if (values['no-augment'] === true) out.augment = false;
  out.calibrationBatches = intOption(values, 'calib-batches', h.calibrationBatches, 0, 1_000_000);
  out.calibrationBatchSize = intOption(values, 'calib-size', h.calibrationBatchSize, 1, 1_000_000);
  return out;
}

/** The dataset name of a preset's data ('ptb' for text). */
export function datasetName(p: Pick<SpacePreset, 'data'>): string {
  return p.data.kind === 'images' ? p.data.dataset : 'ptb';
}

export function defaultOut(kind: string, settings: RunSettings, dataset: string): string {
  return path.join(
    defaultRunsRoot(),
    `${kind}-${settings.space}-${dataset}-${settings.scale}-seed${settings.seed}`,
  );
}

/** Architecture strings of a list file: one per line, or the arch column of a CSV. */
export function readArchStrings(file: string): string[] {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw new UsageError(`cannot read architecture list ${file}: ${(err as Error).message}`);
  }
  const first = text.split(/\r?\n/, 1)[0].trim();
  if (/^arch(,|$)/.test(first)) {
    const { header, rows } = parseCsv(text);
    const col = header.indexOf('arch');
    return rows.map((r) => r[col]).filter((a) => a !== undefined && a.trim() !== '');
  }
  return text
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'));
}

/** Canonical architecture strings from --arch, --archs FILE or --sample N (or a fallback). */
export function archList(
  values: OptionValues,
  setup: SpaceSetup,
  fallback?: () => string[],
): string[] {
  const given = (['arch', 'archs', 'sample'] as const).filter((k) => values[k] !== undefined);
  if (given.length > 1) {
    throw new UsageError(
      `give one of --arch, --archs or --sample, not ${given.map((g) => '--' + g).join(' and ')}`,
    );
  }
  const space = setup.spec.space;
  const check = (what: string, texts: string[]) => {
    try {
      return canonicalArchs(setup, texts);
    } catch (err) {
      throw new UsageError(`${what}: ${(err as Error).message}`);
    }
  };
  if (typeof values['arch'] === 'string') {
    const text = values['arch'];
    try {
      return [setup.spec.format(setup.parse(text))];
    } catch (err) {
      throw new UsageError(
        `--arch ${JSON.stringify(text)} is not a ${space} architecture: ${(err as Error).message}`,
      );
    }
  }
  if (typeof values['archs'] === 'string') {
    const file = values['archs'];
    const lines = readArchStrings(file);
    if (lines.length === 0) throw new UsageError(`--archs ${file} lists no architectures`);
    return check(`--archs ${file}`, lines);
  }
  if (values['sample'] !== undefined) {
    const n = intOption(values, 'sample', 1, 1, 1_000_000);
    // 'study': the notebooks' list (src/experiments/base.ts studyArchs), so a sweep job scores it.
    const seed =
      values['arch-seed'] === 'study' ? 'study' : intOption(values, 'arch-seed', 0, 0, 2 ** 32 - 1);
    return sampleArchs(setup.spec, n, seed);
  }
  if (fallback) return fallback();
  throw new UsageError(
    `give --arch STR, --archs FILE (one ${space} architecture per line) or --sample N`,
  );
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

/** --shard I/N. */
export function parseShard(values: OptionValues): { index: number; count: number } | undefined {
  const v = values['shard'];
  if (v === undefined) return undefined;
  const m = typeof v === 'string' ? /^(\d+)\/(\d+)$/.exec(v.trim()) : null;
  if (!m || Number(m[2]) < 1 || Number(m[1]) >= Number(m[2])) {
    throw new UsageError(`--shard must be I/N with 0 <= I < N, got ${JSON.stringify(v)}`);
  }
  return { index: Number(m[1]), count: Number(m[2]) };
}

/** Node's arguments that run this CLI in a child process (tsx from src/, or the built bin). */
function cliArgs(): string[] {
  return __filename.endsWith('.ts')
    ? ['--import', 'tsx', path.join(packageRoot, 'src', 'cli', 'run.ts')]
    : [path.join(packageRoot, 'bin', 'supernet-lab.js')];
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
  hookSignals();
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...cliArgs(), ...args], {
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
  return Math.max(1, os.availableParallelism());
}
