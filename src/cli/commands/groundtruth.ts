import * as path from 'node:path';
import { intOption, stringOption, type Command, type OptionValues } from '../command';
import { formatNb201 } from '../../spaces/nb201/arch';
import {
  DivergenceError,
  groundTruthPreset,
  runGroundTruth,
  writeArchList,
  writeGroundTruthConfig,
  type GroundTruthHyper,
} from '../../train';
import { architectureList } from './evaluate';
import {
  COMMON_OPTIONS,
  HYPER_OPTIONS,
  applyHyperOverrides,
  commonSettings,
  defaultOut,
  defaultWorkers,
  loadData,
  makeProgress,
  runCliChild,
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
separate processes (default: one per core), which share the list through claim files.
Example: supernet-lab groundtruth --dataset fashion-mnist --scale smoke --sample 4 --out /tmp/gt`,
  options: {
    ...COMMON_OPTIONS,
    ...HYPER_OPTIONS,
    'test-images': { type: 'string', description: "test images ('all' for the whole test set)" },
    archs: { type: 'string', description: 'file with one NB-201 architecture string per line' },
    sample: { type: 'string', description: 'train N uniformly sampled valid architectures' },
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
    const helpers: Promise<number>[] = [];
    if (workers > 1) {
      // Extra worker processes share the list through claim files in the run folder.
      const listFile = path.join(out, 'archs.txt');
      writeArchList(listFile, archs);
      const passthrough: string[] = [];
      for (const [name, v] of Object.entries(values)) {
        if (
          [
            'archs',
            'sample',
            'arch-seed',
            'workers',
            'worker',
            'out',
            'progress',
            'engine',
            'help',
          ].includes(name)
        )
          continue;
        if (v === true) passthrough.push(`--${name}`);
        else if (typeof v === 'string') passthrough.push(`--${name}`, v);
      }
      for (let w = 1; w < workers; w++) {
        helpers.push(
          runCliChild(
            [
              'groundtruth',
              ...passthrough,
              '--engine',
              engine.name,
              '--archs',
              listFile,
              '--out',
              out,
              '--worker',
              '--progress',
              'lines',
            ],
            { label: `gt worker ${w + 1}/${workers}`, env: { OMP_NUM_THREADS: '1' } },
          ),
        );
      }
    }
    const progress = makeProgress(workers > 1 ? 'lines' : s.progressMode, 'groundtruth ');
    progress.line(
      `groundtruth: ${archs.length} architectures, ${s.dataset} (${data.train.shape[0]} train / ` +
        `${data.valid.shape[0]} valid / ${data.test.shape[0]} test), C=${hyper.channels} N=${hyper.cellsPerStage}, ` +
        `${hyper.epochs} epochs, engine ${engine.name}, ${workers} process(es) -> ${out}`,
    );
    let code = 0;
    try {
      const r = runGroundTruth({
        runDir: out,
        config: cfg,
        data,
        progress,
        worker: values['worker'] ? `pid ${process.pid}` : 'main',
      });
      const codes = await Promise.all(helpers);
      if (codes.some((c) => c !== 0)) {
        process.stderr.write(
          `supernet-lab groundtruth: a worker failed (exit codes ${codes.join(', ')})\n`,
        );
        code = 1;
      }
      // Workers may have finished architectures after this process ran out of work.
      const final = runGroundTruth({ runDir: out, config: cfg, data, progress, limit: 0 });
      if (values['worker'] !== true) {
        process.stdout.write(
          JSON.stringify({
            run: out,
            done: final.rows.length,
            pending: final.pending,
            trainedHere: r.trained,
            file: path.join(out, 'groundtruth.csv'),
          }) + '\n',
        );
      }
      if (final.pending > 0 && values['worker'] !== true && code === 0) {
        process.stderr.write(
          `supernet-lab groundtruth: ${final.pending} architectures are still claimed by other processes\n`,
        );
      }
      return code;
    } catch (err) {
      await Promise.allSettled(helpers);
      if (err instanceof DivergenceError) {
        process.stderr.write(`supernet-lab groundtruth: ${err.message}\n`);
        return 3;
      }
      throw err;
    }
  },
};
