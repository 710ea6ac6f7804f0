/**
 * The `train`, `evaluate` and `groundtruth` commands for the four other spaces (nb101, darts,
 * proxyless, darts-ptb): the same run folders and flags as NB-201 where they make sense, backed
 * by the space-generic runner (src/train/space-runs.ts). NB-201 keeps its own code path.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  UsageError,
  choiceOption,
  intOption,
  numberOption,
  stringOption,
  type OptionValues,
} from '../command';
import { initEngine, parseEngineRequest, type EngineInfo } from '../../engine';
import { readCsvTable } from '../../analysis/runs';
import {
  DivergenceError,
  SAMPLER_NAMES,
  SCALES,
  TRAIN_DATASETS,
  canonicalArchs,
  createProgress,
  defaultRunsRoot,
  loadSpaceData,
  readScores,
  readSpaceRunConfig,
  sampleSpaceArchs,
  scoreSpaceRun,
  spaceGroundTruthRun,
  spacePreset,
  spaceSetup,
  toCsv,
  trainSpaceRun,
  writeFileAtomic,
  type LoadedSpaceData,
  type OtherSpace,
  type ProgressSink,
  type Scale,
  type SpaceHyper,
  type SpacePreset,
  type SpaceRunConfigInput,
  type SpaceSetup,
  type SpaceSkeleton,
} from '../../train';
import { checkpointEpochsOption } from './train';

function progressOf(values: OptionValues, label: string): ProgressSink {
  const v = values['progress'];
  let mode: 'bar' | 'lines' | 'none' = process.stderr.isTTY ? 'bar' : 'lines';
  if (v !== undefined) mode = choiceOption(values, 'progress', ['bar', 'lines', 'none'], 'lines');
  return createProgress({ label, bar: mode === 'bar', silent: mode === 'none' });
}

async function engineOf(values: OptionValues): Promise<EngineInfo> {
  const request =
    typeof values['engine'] === 'string'
      ? values['engine']
      : (process.env.SUPERNET_LAB_ENGINE ?? 'auto');
  try {
    return await initEngine(parseEngineRequest(request, '--engine'));
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
}

function dataDirOf(values: OptionValues): string | undefined {
  return typeof values['data-dir'] === 'string' ? values['data-dir'] : undefined;
}

function imagesOption(values: OptionValues, name: string, fallback: number | null): number | null {
  const v = values[name];
  if (v === 'all') return null;
  if (v === undefined) return fallback;
  return intOption(values, name, 1, 1);
}

/** Rejects flags that have no meaning for `space`. */
function rejectFlags(values: OptionValues, space: OtherSpace, flags: string[]): void {
  for (const f of flags) {
    if (values[f] !== undefined) {
      throw new UsageError(`--${f} does not apply to --space ${space}`);
    }
  }
}

/** The scale's preset with --dataset, --train-images, --channels, ... applied. */
function presetWithOverrides(space: OtherSpace, values: OptionValues): SpacePreset {
  const scale: Scale = choiceOption(values, 'scale', SCALES, 'laptop');
  const p = spacePreset(space, scale);
  if (p.data.kind === 'images') {
    p.data.dataset = choiceOption(values, 'dataset', TRAIN_DATASETS, p.data.dataset);
    p.data.trainImages = imagesOption(values, 'train-images', p.data.trainImages);
    p.data.validImages = imagesOption(values, 'valid-images', p.data.validImages);
  } else {
    if (values['dataset'] !== undefined && values['dataset'] !== 'ptb') {
      throw new UsageError(
        `--space darts-ptb trains on Penn Treebank text: --dataset must be ptb (or left out), got ${JSON.stringify(values['dataset'])}`,
      );
    }
    rejectFlags(values, space, ['train-images', 'valid-images']);
  }
  const setSkeleton = (sk: SpaceSkeleton) => {
    const channels =
      values['channels'] === undefined ? undefined : intOption(values, 'channels', 1, 1, 4096);
    const cells = values['cells'] === undefined ? undefined : intOption(values, 'cells', 1, 1, 100);
    if (sk.space === 'nb101') {
      if (channels !== undefined) {
        if (channels % 2 !== 0)
          throw new UsageError(`--channels must be even for nb101, got ${channels}`);
        sk.net.stemChannels = channels;
      }
      if (cells !== undefined) sk.net.cellsPerStack = cells;
    } else if (sk.space === 'darts') {
      if (channels !== undefined) sk.net.channels = channels;
      if (cells !== undefined) sk.net.layers = cells;
    } else if (sk.space === 'darts-ptb') {
      if (channels !== undefined) sk.net = { ...sk.net, embedding: channels, hidden: channels };
      rejectFlags(values, space, ['cells']);
    } else {
      rejectFlags(values, space, ['channels', 'cells']);
    }
  };
  setSkeleton(p.skeleton);
  setSkeleton(p.standaloneSkeleton);
  return p;
}

function hyperWithOverrides(h: SpaceHyper, values: OptionValues): SpaceHyper {
  const out: SpaceHyper = { ...h };
  out.epochs = intOption(values, 'epochs', h.epochs, 1, 1_000_000);
  out.batchSize = intOption(values, 'batch-size', h.batchSize, 1, 1_000_000);
  out.lr = numberOption(values, 'lr', h.lr);
  if (!(out.lr > 0)) throw new UsageError(`--lr must be > 0, got ${out.lr}`);
  out.weightDecay = numberOption(values, 'weight-decay', h.weightDecay);
  if (!(out.weightDecay >= 0)) {
    throw new UsageError(`--weight-decay must be >= 0, got ${out.weightDecay}`);
  }
  out.clipNorm = numberOption(values, 'clip', h.clipNorm);
  if (!(out.clipNorm >= 0)) throw new UsageError(`--clip must be >= 0, got ${out.clipNorm}`);
  out.momentum = numberOption(values, 'momentum', h.momentum);
  if (!(out.momentum >= 0 && out.momentum < 1)) {
    throw new UsageError(`--momentum must be in [0, 1), got ${out.momentum}`);
  }
  out.calibrationBatches = intOption(values, 'calib-batches', h.calibrationBatches, 0, 1_000_000);
  out.calibrationBatchSize = intOption(values, 'calib-size', h.calibrationBatchSize, 1, 1_000_000);
  return out;
}

function datasetName(p: SpacePreset): string {
  return p.data.kind === 'images' ? p.data.dataset : 'ptb';
}

function parseEpochs(values: OptionValues, fallback: number[]): number[] {
  const v = values['checkpoint-epochs'];
  if (v === undefined) return fallback;
  if (typeof v !== 'string' || !/^\s*\d+(\s*,\s*\d+)*\s*$/.test(v)) {
    throw new UsageError(
      `--checkpoint-epochs must be a comma-separated list of epochs, got ${JSON.stringify(v)}`,
    );
  }
  return v.split(',').map((s) => Number(s.trim()));
}

function wrapDivergence(command: string, err: unknown): number {
  if (err instanceof DivergenceError) {
    process.stderr.write(`supernet-lab ${command}: ${err.message}\n`);
    return 3;
  }
  throw err;
}

/** `supernet-lab train --space nb101|darts|proxyless|darts-ptb ...` */
export async function trainOtherSpace(space: OtherSpace, values: OptionValues): Promise<number> {
  const preset = presetWithOverrides(space, values);
  const hyper = hyperWithOverrides(preset.supernet, values);
  const seed = intOption(values, 'seed', 0, 0, 2 ** 32 - 1);
  const sampler = choiceOption(values, 'sampler', SAMPLER_NAMES, 'uniform');
  if (sampler === 'fewshot') {
    throw new UsageError(`--sampler fewshot is implemented for nb201 only, not --space ${space}`);
  }
  rejectFlags(values, space, ['few-shot-edge']);
  const samplerPaths =
    values['sampler-paths'] === undefined
      ? undefined
      : intOption(values, 'sampler-paths', 2, 0, 64);
  const checkpointEpochs = parseEpochs(
    values,
    preset.supernet.checkpointEpochs.filter((e) => e <= hyper.epochs),
  );
  const out = path.resolve(
    stringOption(
      values,
      'out',
      path.join(
        defaultRunsRoot(),
        `supernet-${space}-${datasetName(preset)}-${preset.scale}-seed${seed}`,
      ),
    ),
  );
  const engine = await engineOf(values);
  const progress = progressOf(values, `supernet ${space} `);
  const config: SpaceRunConfigInput = {
    ...hyper,
    kind: 'supernet',
    space,
    scale: preset.scale,
    dataset: datasetName(preset),
    skeleton: preset.skeleton,
    data: preset.data,
    seed,
    sampler,
    ...(samplerPaths === undefined ? {} : { samplerPaths }),
    checkpointEpochs,
    engine: engine.name,
  };
  const data = await loadSpaceData(preset.data, preset.skeleton, {
    dataDir: dataDirOf(values),
    download: values['download'] === true,
    log: (line) => progress.line(line),
  });
  progress.line(
    `supernet ${space}: ${data.summary}, ${JSON.stringify(preset.skeleton.net)}, ${hyper.epochs} epochs, ` +
      `batch ${hyper.batchSize}, sampler ${sampler}, engine ${engine.name} -> ${out}`,
  );
  try {
    const r = await trainSpaceRun({ runDir: out, config, data, progress });
    process.stdout.write(
      JSON.stringify({
        run: out,
        space,
        epochsDone: r.epochsDone,
        epochsRun: r.epochsRun,
        resumedFrom: r.resumedFrom,
        seconds: r.seconds,
      }) + '\n',
    );
    return 0;
  } catch (err) {
    return wrapDivergence('train', err);
  }
}

/** Architecture strings of the space from --arch, --archs FILE, --sample N, or a fallback. */
function spaceArchList(
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
  if (typeof values['arch'] === 'string') {
    const text = values['arch'];
    try {
      return canonicalArchs(setup, [text]);
    } catch (err) {
      throw new UsageError(
        `--arch ${JSON.stringify(text)} is not a ${space} architecture: ${(err as Error).message}`,
      );
    }
  }
  if (typeof values['archs'] === 'string') {
    const file = values['archs'];
    let text: string;
    try {
      text = fs.readFileSync(file, 'utf8');
    } catch (err) {
      throw new UsageError(`--archs ${file}: ${(err as Error).message}`);
    }
    const lines = text
      .split(/\r?\n/)
      .map((l) => l.trim())
      .filter((l) => l !== '' && !l.startsWith('#') && l !== 'arch');
    if (lines.length === 0) throw new UsageError(`--archs ${file} lists no architectures`);
    try {
      return canonicalArchs(setup, lines);
    } catch (err) {
      throw new UsageError(`--archs ${file}: ${(err as Error).message}`);
    }
  }
  if (values['sample'] !== undefined) {
    const n = intOption(values, 'sample', 1, 1, 100_000);
    return sampleSpaceArchs(setup, n, intOption(values, 'arch-seed', 0, 0, 2 ** 32 - 1));
  }
  if (fallback) return fallback();
  throw new UsageError(
    `give --arch STR, --archs FILE (one ${space} architecture per line) or --sample N`,
  );
}

/** `supernet-lab evaluate --run DIR` of a run of one of the other spaces. */
export async function evaluateOtherSpace(runDir: string, values: OptionValues): Promise<number> {
  let config;
  try {
    config = readSpaceRunConfig(runDir);
  } catch (err) {
    throw new UsageError(`--run ${runDir}: ${(err as Error).message}`);
  }
  if (values['space'] !== undefined && values['space'] !== config.space) {
    throw new UsageError(
      `--space ${String(values['space'])} does not match --run ${runDir}, which holds a ${config.space} run`,
    );
  }
  if (config.kind !== 'supernet') {
    throw new UsageError(`--run ${runDir} is a ${config.kind} run, not a supernet run`);
  }
  if (values['workers'] !== undefined && values['workers'] !== '1') {
    throw new UsageError(`--workers: ${config.space} runs are scored in one process`);
  }
  const epochs = checkpointEpochsOption(values, runDir);
  const engine = await engineOf(values);
  const data = await loadSpaceData(config.data, config.skeleton, { dataDir: dataDirOf(values) });
  const setup = spaceSetup(config.skeleton, data.shape);
  const archs = spaceArchList(values, setup);
  const calibration = {
    batches: intOption(values, 'calib-batches', config.calibrationBatches, 0),
    batchSize: intOption(values, 'calib-size', config.calibrationBatchSize, 1),
  };
  for (const epoch of epochs) {
    const progress = progressOf(values, `score ${config.space} epoch ${epoch} `);
    const r = await scoreSpaceRun({ runDir, epoch, archs, data, calibration, progress });
    const best = [...r.rows].sort((a, b) => b.accuracy - a.accuracy)[0];
    process.stdout.write(
      JSON.stringify({
        run: runDir,
        space: config.space,
        epoch,
        engine: engine.name,
        archs: r.rows.length,
        scored: r.scored,
        file: r.file,
        seconds: r.seconds,
        best: best ? { arch: best.arch, accuracy: best.accuracy, loss: best.loss } : null,
      }) + '\n',
    );
  }
  return 0;
}

/** Header of the table `groundtruth --scores` writes for `correlate`. */
export const CORRELATION_HEADER = [
  'arch',
  'supernet_accuracy',
  'supernet_loss',
  'supernet_perplexity',
  'val_accuracy',
  'val_loss',
  'val_perplexity',
  'params',
  'flops',
] as const;

/** `supernet-lab groundtruth --space nb101|darts|proxyless|darts-ptb ...` */
export async function groundTruthOtherSpace(
  space: OtherSpace,
  values: OptionValues,
): Promise<number> {
  const preset = presetWithOverrides(space, values);
  const hyper = hyperWithOverrides(preset.standalone, values);
  const seed = intOption(values, 'seed', 0, 0, 2 ** 32 - 1);
  const scoresFile =
    typeof values['scores'] === 'string' ? path.resolve(values['scores']) : undefined;
  if (values['workers'] !== undefined && values['workers'] !== '1') {
    throw new UsageError(`--workers: ${space} ground truth trains in one process`);
  }
  const out = path.resolve(
    stringOption(
      values,
      'out',
      path.join(
        defaultRunsRoot(),
        `groundtruth-${space}-${datasetName(preset)}-${preset.scale}-seed${seed}`,
      ),
    ),
  );
  let scored: ReturnType<typeof readScores> | undefined;
  if (scoresFile) {
    try {
      scored = readScores(scoresFile);
    } catch (err) {
      throw new UsageError(`--scores ${scoresFile}: ${(err as Error).message}`);
    }
  }
  const engine = await engineOf(values);
  const progress = progressOf(values, `groundtruth ${space} `);
  const data: LoadedSpaceData = await loadSpaceData(preset.data, preset.standaloneSkeleton, {
    dataDir: dataDirOf(values),
    download: values['download'] === true,
    log: (line) => progress.line(line),
  });
  const setup = spaceSetup(preset.standaloneSkeleton, data.shape);
  const archs = spaceArchList(
    values,
    setup,
    scored
      ? () =>
          canonicalArchs(
            setup,
            scored!.map((r) => r.arch),
          )
      : undefined,
  );
  const config: SpaceRunConfigInput = {
    ...hyper,
    kind: 'groundtruth',
    space,
    scale: preset.scale,
    dataset: datasetName(preset),
    skeleton: preset.standaloneSkeleton,
    data: preset.data,
    seed,
    sampler: 'uniform',
    engine: engine.name,
  };
  progress.line(
    `groundtruth ${space}: ${archs.length} architectures, ${data.summary}, ${JSON.stringify(preset.standaloneSkeleton.net)}, ` +
      `${hyper.epochs} epochs, engine ${engine.name} -> ${out}`,
  );
  let result: Awaited<ReturnType<typeof spaceGroundTruthRun>>;
  try {
    result = await spaceGroundTruthRun({ runDir: out, config, archs, data, progress });
  } catch (err) {
    return wrapDivergence('groundtruth', err);
  }
  let table: string | undefined;
  if (scored) {
    const byArch = new Map(result.rows.map((r) => [r.arch, r]));
    const rows = canonicalArchs(
      setup,
      scored.map((r) => r.arch),
    ).flatMap((a, i) => {
      const g = byArch.get(a);
      if (!g) return [];
      const s = scored![i];
      const loss = result.losses.get(a) ?? NaN;
      return [
        [
          a,
          s.accuracy,
          s.loss,
          Math.exp(s.loss),
          g.val_accuracy,
          loss,
          Math.exp(loss),
          g.params,
          g.flops,
        ],
      ];
    });
    table = path.join(out, 'correlation.csv');
    writeFileAtomic(table, toCsv(CORRELATION_HEADER, rows));
    readCsvTable(table);
  }
  process.stdout.write(
    JSON.stringify({
      run: out,
      space,
      done: result.rows.length,
      trained: result.trained,
      file: path.join(out, 'groundtruth.csv'),
      ...(table ? { correlationTable: table } : {}),
    }) + '\n',
  );
  return 0;
}
