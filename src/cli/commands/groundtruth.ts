import * as path from 'node:path';
import { UsageError, intOption, stringOption, type Command, type OptionValues } from '../command';
import { formatNb201 } from '../../spaces/nb201/arch';
import { runPoolSettled } from '../../engine/pool';
import {
  DivergenceError,
  collectGroundTruth,
  groundTruthLine,
  groundTruthPreset,
  runGroundTruth,
  writeGroundTruth,
  writeGroundTruthConfig,
  type GroundTruthHyper,
} from '../../train';
import type { GroundTruthJob, GroundTruthJobResult } from '../../train/groundtruth-task';
import { architectureList } from './evaluate';
import { groundTruthOtherSpace } from './space-runs';
import {
  TRAIN_SPACES,
  spaceOption,
  COMMON_OPTIONS,
  HYPER_OPTIONS,
  applyHyperOverrides,
  commonSettings,
  defaultOut,
  defaultWorkers,
  loadData,
  makeProgress,
  setUpEngine,
} from './train';

function testImages(values: OptionValues, fallback: number | null): number | null {
  if (values['test-images'] === 'all') return null;
  if (values['test-images'] === undefined) return fallback;
  return intOption(values, 'test-images', 1, 1);
}

export const groundtruthCommand: Command = {
  name: 'groundtruth',
  summary:
    'Train architectures stand-alone (ground truth): val/test accuracy, params, FLOPs, time.',
  details: `
Each architecture trains from scratch with its own seeded weights (paper scale: the benchmark's
200-epoch schedule; laptop/smoke: short schedules on image subsets), then reports accuracy on the
validation split (the one supernets are scored on) and on the test set. Writes
<out>/groundtruth.csv (arch,val_accuracy,test_accuracy,params,flops,epochs,seconds) after every
architecture. Re-running skips finished architectures; --workers N trains N at a time in
separate processes of the engine's pool (default: one per core); claim files in the run folder
let other processes (e.g. a second command) share the same list.
Example: supernet-lab groundtruth --dataset fashion-mnist --scale smoke --sample 4 --out /tmp/gt
Other spaces (--space nb101|darts|proxyless|darts-ptb): stand-alone presets per scale (see
train); one process; also writes standalone-loss.csv (loss, perplexity). With --scores FILE it
trains the scored architectures and writes <out>/correlation.csv (supernet_accuracy,
supernet_loss, supernet_perplexity, val_accuracy, val_loss, val_perplexity, params, flops):
  supernet-lab groundtruth --space nb101 --scale smoke --scores /tmp/nb101/scores/epoch-0002.csv --out /tmp/nb101-gt
  supernet-lab correlate --table /tmp/nb101-gt/correlation.csv --x supernet_accuracy --y val_accuracy`,
  options: {
    ...COMMON_OPTIONS,
    ...HYPER_OPTIONS,
    'test-images': { type: 'string', description: "test images ('all' for the whole test set)" },
    archs: { type: 'string', description: 'file with one NB-201 architecture string per line' },
    sample: { type: 'string', description: 'train N uniformly sampled valid architectures' },
    arch: { type: 'string', description: 'other spaces: train this one architecture' },
    scores: {
      type: 'string',
      description:
        'other spaces: a supernet scores CSV; trains its architectures (unless --arch/--archs/--sample) and writes <out>/correlation.csv for correlate',
    },
    'arch-seed': { type: 'string', description: 'seed of --sample', default: '0' },
    out: { type: 'string', description: 'run folder' },
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
    const space = spaceOption(values, TRAIN_SPACES);
    if (space !== 'nb201') return groundTruthOtherSpace(space, values);
    for (const flag of ['arch', 'scores']) {
      if (values[flag] !== undefined)
        throw new UsageError(`--${flag} is for the other spaces, not nb201`);
    }
    const s = commonSettings(values);
    const preset = groundTruthPreset(s.scale);
    const hyper: GroundTruthHyper = {
      ...applyHyperOverrides(preset, values),
      testImages: testImages(values, preset.testImages),
    };
    const archs = architectureList(values);
    const out = path.resolve(stringOption(values, 'out', defaultOut('groundtruth', s)));
    const workers =
      values['worker'] === true ? 1 : intOption(values, 'workers', defaultWorkers(), 1, 256);
    const engine = await setUpEngine(s);
    const data = await loadData(s, hyper, hyper.testImages);
    const cfg = {
      ...hyper,
      kind: 'groundtruth' as const,
      space: 'nb201' as const,
      dataset: s.dataset,
      scale: s.scale,
      seed: s.seed,
      engine: engine.name,
      inputChannels: data.inputChannels,
      classes: data.classes,
      imageSize: data.imageSize,
      archs: archs.map(formatNb201),
    };
    writeGroundTruthConfig(out, cfg);
    const progress = makeProgress(workers > 1 ? 'lines' : s.progressMode, 'groundtruth ');
    progress.line(
      `groundtruth: ${archs.length} architectures, ${s.dataset} (${data.train.shape[0]} train / ` +
        `${data.valid.shape[0]} valid / ${data.test.shape[0]} test), C=${hyper.channels} N=${hyper.cellsPerStage}, ` +
        `${hyper.epochs} epochs, engine ${engine.name}, ${workers} process(es) -> ${out}`,
    );
    const isWorker = values['worker'] === true;
    try {
      if (workers > 1) {
        // The engine's process pool: one job per architecture, one process per worker.
        let done = collectGroundTruth(out, archs).length;
        const results = await runPoolSettled<GroundTruthJob, GroundTruthJobResult>(
          { module: require.resolve('../../train/groundtruth-task'), exportName: 'groundTruthJob' },
          archs.map((a) => ({ runDir: out, arch: formatNb201(a), dataDir: s.dataDir })),
          {
            workers,
            engine: engine.name,
            onResult: (r) => {
              if (!r.ok) {
                progress.line(
                  `[worker ${r.workerIndex + 1}] job ${r.index + 1} failed: ${r.error}`,
                );
                return;
              }
              const row = (r.value as GroundTruthJobResult).row;
              if (row)
                progress.line(
                  groundTruthLine(row, ++done, archs.length, `worker ${r.workerIndex + 1}`),
                );
            },
          },
        );
        const failed = results.filter((r) => !r.ok) as Array<{ error: string }>;
        if (failed.length > 0) {
          const diverged = failed.find((f) => /DivergenceError|diverged/.test(f.error));
          process.stderr.write(
            `supernet-lab groundtruth: ${failed.length} architectures failed: ${failed[0].error}\n`,
          );
          if (diverged) return 3;
          return 1;
        }
      } else {
        runGroundTruth({
          runDir: out,
          config: cfg,
          data,
          progress,
          worker: isWorker ? `pid ${process.pid}` : 'main',
        });
      }
    } catch (err) {
      if (err instanceof DivergenceError) {
        process.stderr.write(`supernet-lab groundtruth: ${err.message}\n`);
        return 3;
      }
      throw err;
    }
    const rows = collectGroundTruth(out, archs);
    writeGroundTruth(path.join(out, 'groundtruth.csv'), rows);
    const pending = archs.length - rows.length;
    if (!isWorker) {
      process.stdout.write(
        JSON.stringify({
          run: out,
          done: rows.length,
          pending,
          file: path.join(out, 'groundtruth.csv'),
        }) + '\n',
      );
      if (pending > 0) {
        process.stderr.write(
          `supernet-lab groundtruth: ${pending} architectures are still claimed by other processes\n`,
        );
      }
    }
    return 0;
  },
};
