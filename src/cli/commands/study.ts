import * as path from 'node:path';
import { UsageError, intOption, stringOption, type Command, type OptionValues } from '../command';
import { formatSummary, runStudy } from '../../study';
import { defaultRunsRoot } from '../../runs/folder';
import { loadRunData, runSetup, sampleArchs } from '../../train/pipeline';
import {
  COMMON_OPTIONS,
  ONE_THREAD,
  WAIT_OPTION,
  datasetName,
  defaultWorkers,
  lockRunFolder,
  presetWithOverrides,
  runCliChild,
  runSettings,
} from './run-options';

/** Flags forwarded unchanged to the supernet (`train`) and ground-truth children. */
const SHARED_FLAGS = ['channels', 'cells', 'train-images', 'valid-images', 'batch-size'] as const;

function forward(values: OptionValues, names: readonly string[]): string[] {
  const out: string[] = [];
  for (const name of names) {
    const v = values[name];
    if (typeof v === 'string') out.push(`--${name}`, v);
  }
  return out;
}

export const studyCommand: Command = {
  name: 'study',
  summary: 'The main job: supernet, stand-alone ground truth, scoring, rank correlation, report.',
  details: `
Runs the weight-sharing study of seed 001 for real, on any space (--space, default nb201):
  1. trains a supernet with SPOS uniform sampling (supernet-lab train),
  2. trains a sample of architectures stand-alone (supernet-lab groundtruth),
  3. scores a larger sample on the supernet after BN recalibration (supernet-lab evaluate),
  4. prints Spearman and Kendall tau-b between supernet scores and ground truth, top-k and
     random top-k, and writes <out>/summary.json and the HTML report <out>/report.html.
Work is spread over --workers processes (default: one per core). Re-running the same command
resumes every step. \`npm start\` runs \`supernet-lab study --scale laptop\` (Fashion-MNIST,
C=8, N=1; about 5 minutes on 2 cores). One study writes a folder at a time (a second gets a
refusal naming the holder; --wait waits); its steps lock their own sub-folders. --scale smoke
takes a minute or two, e.g.
  supernet-lab study --space darts --scale smoke --out /tmp/darts-study`,
  options: {
    ...COMMON_OPTIONS,
    out: {
      type: 'string',
      description: 'study folder',
      default: 'kernels-data/runs/study-<space>-<dataset>-<scale>-seed<seed>',
    },
    workers: { type: 'string', description: 'processes', default: 'one per core' },
    'gt-archs': {
      type: 'string',
      description: 'architectures trained stand-alone (default per scale)',
    },
    'scored-archs': {
      type: 'string',
      description: 'architectures scored on the supernet (default per scale)',
    },
    epochs: { type: 'string', description: 'supernet epochs (default per scale)' },
    'gt-epochs': {
      type: 'string',
      description: 'stand-alone epochs per architecture (default per scale)',
    },
    'score-all-epochs': {
      type: 'boolean',
      description: 'score every kept checkpoint, not only the last',
    },
    'no-report': { type: 'boolean', description: 'skip the HTML report' },
    channels: { type: 'string', description: 'skeleton C for supernet and stand-alone nets' },
    cells: { type: 'string', description: 'skeleton N for supernet and stand-alone nets' },
    'train-images': { type: 'string', description: 'training images' },
    'valid-images': { type: 'string', description: 'validation images' },
    'batch-size': { type: 'string', description: 'mini-batch size of every training' },
    ...WAIT_OPTION,
  },
  async run(values) {
    const s = runSettings(values);
    const preset = presetWithOverrides(s, values);
    const dataset = datasetName(preset);
    const out = path.resolve(
      stringOption(
        values,
        'out',
        path.join(defaultRunsRoot(), `study-${s.space}-${dataset}-${s.scale}-seed${s.seed}`),
      ),
    );
    const workers = intOption(values, 'workers', defaultWorkers(), 1, 256);
    const gtArchs =
      values['gt-archs'] === undefined ? undefined : intOption(values, 'gt-archs', 1, 2, 15284);
    const scoredArchs =
      values['scored-archs'] === undefined
        ? undefined
        : intOption(values, 'scored-archs', 1, 2, 1_000_000);
    if (gtArchs !== undefined && scoredArchs !== undefined && gtArchs > scoredArchs) {
      throw new UsageError(`--gt-archs (${gtArchs}) cannot exceed --scored-archs (${scoredArchs})`);
    }
    const shared = forward(values, SHARED_FLAGS);
    const supernetFlags = [...shared];
    if (values['epochs'] !== undefined)
      supernetFlags.push('--epochs', String(intOption(values, 'epochs', 1, 1)));
    const groundTruthFlags = [...shared];
    if (values['gt-epochs'] !== undefined)
      groundTruthFlags.push('--epochs', String(intOption(values, 'gt-epochs', 1, 1)));
    // Architecture sampling needs the space's run spec, which needs the data's shape.
    const data = await loadRunData(s.space, preset.data, preset.skeleton.net, {
      dataDir: s.dataDir,
    });
    const setup = runSetup(preset, data);
    const release = await lockRunFolder(out, 'study', values);
    const result = await runStudy({
      out,
      space: s.space,
      dataset,
      sample: (count, seed) => sampleArchs(setup.spec, count, seed),
      scale: s.scale,
      seed: s.seed,
      engine: s.engineRequest,
      dataDir: s.dataDir,
      workers,
      groundTruthArchs: gtArchs,
      scoredArchs,
      supernetFlags,
      groundTruthFlags,
      scoreAllEpochs: values['score-all-epochs'] === true,
      report: values['no-report'] !== true,
      runChild: (args, label) => runCliChild(args, { label, env: workers > 1 ? ONE_THREAD : {} }),
    }).finally(release);
    process.stdout.write(formatSummary(result.summary) + '\n');
    process.stdout.write(`results: ${path.relative(process.cwd(), out) || out}/summary.json\n`);
    if (result.reportFile) {
      process.stdout.write(`report:  ${path.relative(process.cwd(), result.reportFile)}\n`);
    }
    process.stdout.write(`time:    ${(result.seconds / 60).toFixed(1)} min\n`);
    return 0;
  },
};
