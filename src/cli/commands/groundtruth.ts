import * as path from 'node:path';
import {
  UsageError,
  choiceOption,
  intOption,
  stringOption,
  type Command,
  type OptionValues,
} from '../command';
import { runPoolSettled } from '../../engine/pool';
import { readCsvTable } from '../../analysis/runs';
import type { RunConfigInput } from '../../runs/config';
import { groundTruthPath, readScores, toCsv, writeTableAtomic } from '../../runs/folder';
import { withTableLock } from '../../runs/lock';
import {
  collectGroundTruth,
  groundTruthLine,
  groundTruthLosses,
  openGroundTruthRun,
  runGroundTruth,
  writeGroundTruthTables,
  type GroundTruthJob,
  type GroundTruthJobResult,
} from '../../evaluate';
import { canonicalArchs } from '../../evaluate/score-run';
import { randomCells, scoredCells } from '../../experiments/subspace';
import type { SpaceSetup } from '../../supernet/binding';
import { shardBounds } from '../../sweep/spec';
import { loadRunData, runSetup } from '../../train/pipeline';
import {
  ARCH_OPTIONS,
  COMMON_OPTIONS,
  HYPER_OPTIONS,
  archList,
  datasetName,
  defaultOut,
  defaultWorkers,
  hyperWithOverrides,
  makeProgress,
  presetWithOverrides,
  runSettings,
  setUpEngine,
  printJson,
} from './run-options';

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

/**
 * The cells a supernet on a randomly reduced space scores (--reduction random --factor F
 * --repeat R --sample N: the `subspace` command's scored list), for its stand-alone ground
 * truth where no benchmark table holds it (seed 001 Fig. 2a, NB-101).
 */
function reducedSpaceArchs(values: OptionValues, setup: SpaceSetup): string[] {
  for (const other of ['arch', 'archs', 'scores']) {
    if (values[other] !== undefined) {
      throw new UsageError(
        `give --factor (a reduced space's scored cells) or --${other}, not both`,
      );
    }
  }
  if (values['sample'] === undefined) {
    throw new UsageError('--factor needs --sample N (the cells the subspace run scores)');
  }
  choiceOption(values, 'reduction', ['random'], 'random');
  const factor = intOption(values, 'factor', 1, 1, 1_000_000);
  const repeat = intOption(values, 'repeat', 0, 0, 10_000);
  const sample = intOption(values, 'sample', 1, 1, 1_000_000);
  const space = setup.spec.space;
  const cells = randomCells(space, factor, repeat);
  const list = scoredCells(space, cells, sample, 'random', factor, repeat);
  const names = list.map((a) => setup.spec.format(a));
  return canonicalArchs(setup, names);
}

/** The --shard I/K part of an architecture list (all of it without --shard). */
function shardOf(values: Record<string, unknown>, archs: string[]): string[] {
  const v = values['shard'];
  if (v === undefined) return archs;
  const m = /^(\d+)\/(\d+)$/.exec(String(v));
  const [shard, shards] = m ? [Number(m[1]), Number(m[2])] : [NaN, NaN];
  if (!(shards >= 1 && shard < shards && shards <= archs.length)) {
    throw new UsageError(
      `--shard must be I/K with 0 <= I < K <= ${archs.length} (the architectures), got ${JSON.stringify(v)}`,
    );
  }
  const [start, end] = shardBounds(archs.length, shard, shards);
  return archs.slice(start, end);
}

export const groundtruthCommand: Command = {
  name: 'groundtruth',
  summary:
    'Train architectures stand-alone (ground truth): val/test accuracy, loss, params, FLOPs, time.',
  details: `
Each architecture of the space trains from scratch with its own seeded weights and data order
(paper scale: the space's original schedule, e.g. NB-201's 200 epochs; laptop/smoke: short
schedules on subsets), then reports accuracy and loss on the validation split (the one supernets
are scored on) and, where the preset has one (NB-201), on the test split. Writes
<out>/groundtruth.csv (arch,val_accuracy,test_accuracy,params,flops,epochs,seconds) and
<out>/standalone-loss.csv (loss, perplexity) after every architecture. Re-running skips finished
architectures; --workers N trains N at a time in separate processes of the engine's pool
(default: one per core); claim files in the run folder let other processes (e.g. a second
command) share the same list: several groundtruth processes on one --out divide the work
instead of refusing each other, and rewrite the tables one at a time (the folder's
.tables.lock). With --scores FILE it trains the scored architectures (unless
--arch/--archs/--sample) and writes <out>/correlation.csv for correlate. With --reduction random
--factor F --repeat R --sample N it trains the N cells that \`subspace\` with the same flags
scores (ground truth of a reduced space without a benchmark table: seed 001 Fig. 2a).
Examples:
  supernet-lab groundtruth --scale smoke --sample 4 --out /tmp/gt
  supernet-lab groundtruth --space nb101 --scale smoke --scores /tmp/nb101/scores/epoch-0002.csv --out /tmp/nb101-gt
  supernet-lab correlate --table /tmp/nb101-gt/correlation.csv --x supernet_accuracy --y val_accuracy`,
  options: {
    ...COMMON_OPTIONS,
    ...HYPER_OPTIONS,
    'test-images': { type: 'string', description: "test images ('all' for the whole test set)" },
    ...ARCH_OPTIONS,
    scores: {
      type: 'string',
      description:
        'a supernet scores CSV: trains its architectures (unless --arch/--archs/--sample) and writes <out>/correlation.csv',
    },
    reduction: {
      type: 'string',
      description: "with --factor: 'random' (the scored cells of a randomly reduced space)",
    },
    factor: {
      type: 'string',
      description: 'train the --sample cells that subspace --factor F --repeat R scores',
    },
    repeat: { type: 'string', description: 'with --factor: the subspace repeat', default: '0' },
    out: { type: 'string', description: 'run folder' },
    shard: {
      type: 'string',
      description:
        'I/K: train part I (0-based) of K contiguous parts of the list (sweeps split long lists this way)',
    },
    workers: {
      type: 'string',
      description: 'processes training in parallel',
      default: 'one per core',
    },
    worker: {
      type: 'boolean',
      description: '(internal) run as a worker of another groundtruth process',
    },
  },
  async run(values) {
    const s = runSettings(values);
    const preset = presetWithOverrides(s, values);
    const hyper = hyperWithOverrides(preset.standalone, values);
    const dataSettings = preset.standaloneData ?? preset.data;
    const dataset = datasetName(preset);
    const out = path.resolve(stringOption(values, 'out', defaultOut('groundtruth', s, dataset)));
    const isWorker = values['worker'] === true;
    const workers = isWorker ? 1 : intOption(values, 'workers', defaultWorkers(), 1, 256);
    const scoresFile = typeof values['scores'] === 'string' ? path.resolve(values['scores']) : null;
    let scored: ReturnType<typeof readScores> | null = null;
    if (scoresFile) {
      try {
        scored = readScores(scoresFile);
      } catch (err) {
        throw new UsageError(`--scores ${scoresFile}: ${(err as Error).message}`);
      }
    }
    const engine = await setUpEngine(s);
    const progress = makeProgress(
      workers > 1 ? 'lines' : s.progressMode,
      `groundtruth ${s.space} `,
    );
    const data = await loadRunData(s.space, dataSettings, preset.standaloneSkeleton.net, {
      dataDir: s.dataDir,
      download: s.download,
      log: (line) => progress.line(line),
    });
    const setup = runSetup({ space: s.space, skeleton: preset.standaloneSkeleton }, data);
    const scoredNames = scored?.map((r) => r.arch) ?? [];
    if (values['reduction'] !== undefined && values['factor'] === undefined) {
      throw new UsageError('--reduction needs --factor F (and --repeat R, --sample N)');
    }
    const archs = shardOf(
      values,
      values['factor'] !== undefined
        ? reducedSpaceArchs(values, setup)
        : archList(values, setup, scored ? () => canonicalArchs(setup, scoredNames) : undefined),
    );
    const config: RunConfigInput = {
      ...hyper,
      kind: 'groundtruth',
      space: s.space,
      scale: s.scale,
      dataset,
      skeleton: preset.standaloneSkeleton,
      data: dataSettings,
      seed: s.seed,
      sampler: 'uniform',
      engine: engine.name,
      archs,
    };
    const run = openGroundTruthRun(out, config, data);
    progress.line(
      `groundtruth ${s.space}: ${archs.length} architectures, ${data.summary}, ` +
        `${JSON.stringify(preset.standaloneSkeleton.net)}, ${hyper.epochs} epochs, engine ${engine.name}, ` +
        `${workers} process(es) -> ${out}`,
    );
    let trained = 0;
    if (workers > 1) {
      // The engine's process pool: one job per architecture, one process per worker.
      let done = collectGroundTruth(run).length;
      const results = await runPoolSettled<GroundTruthJob, GroundTruthJobResult>(
        {
          module: require.resolve('../../evaluate/groundtruth-task'),
          exportName: 'groundTruthJob',
        },
        archs.map((arch) => ({ runDir: out, arch, dataDir: s.dataDir })),
        {
          workers,
          engine: engine.name,
          onResult: (r) => {
            if (!r.ok) {
              progress.line(`[worker ${r.workerIndex + 1}] job ${r.index + 1} failed: ${r.error}`);
              return;
            }
            const row = (r.value as GroundTruthJobResult).row;
            if (!row) return;
            trained++;
            progress.line(
              groundTruthLine(row, ++done, archs.length, `worker ${r.workerIndex + 1}`),
            );
          },
        },
      );
      const failed = results.filter((r) => !r.ok) as Array<{ error: string }>;
      if (failed.length > 0) {
        const err = new Error(`${failed.length} architectures failed: ${failed[0].error}`);
        if (failed.some((f) => /DivergenceError|diverged/.test(f.error)))
          err.name = 'DivergenceError';
        throw err;
      }
    } else {
      const worker = isWorker ? `pid ${process.pid}` : 'main';
      trained = runGroundTruth({ runDir: out, config, data, progress, worker }).trained;
    }
    const rows = writeGroundTruthTables(run);
    let table: string | undefined;
    if (scored) {
      const byArch = new Map(rows.map((r) => [r.arch, r]));
      const losses = groundTruthLosses(run);
      const lines = canonicalArchs(setup, scoredNames).flatMap((a, i) => {
        const g = byArch.get(a);
        if (!g) return [];
        const sc = scored![i];
        const loss = losses.get(a) ?? NaN;
        const supernet = [sc.accuracy, sc.loss, Math.exp(sc.loss)];
        return [[a, ...supernet, g.val_accuracy, loss, Math.exp(loss), g.params, g.flops]];
      });
      const file = path.join(out, 'correlation.csv');
      withTableLock(out, 'groundtruth correlation table', () =>
        writeTableAtomic(file, toCsv(CORRELATION_HEADER, lines)),
      );
      readCsvTable(file);
      table = file;
    }
    const pending = archs.length - rows.length;
    if (!isWorker) {
      printJson({
        run: out,
        space: s.space,
        done: rows.length,
        trained,
        pending,
        file: groundTruthPath(out),
        ...(table ? { correlationTable: table } : {}),
      });
      if (pending > 0) {
        process.stderr.write(
          `supernet-lab groundtruth: ${pending} architectures are still claimed by other processes\n`,
        );
      }
    }
    return 0;
  },
};
