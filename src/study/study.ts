/**
 * The main job (`npm start` = `supernet-lab study --scale laptop`): the weight-sharing study of
 * seed 001 on any registered space (NAS-Bench-201 by default), end to end and for real:
 *
 *   1. train a supernet with SPOS (uniform single-path sampling)          -> <out>/supernet
 *   2. train a sample of architectures stand-alone (ground truth)         -> <out>/groundtruth
 *   3. score a larger sample on the supernet (BN recalibration, val acc.) -> <out>/supernet/scores
 *   4. Spearman, Kendall tau-b, top-k vs random top-k                     -> stdout, summary.json
 *   5. an HTML report                                                     -> <out>/report.html
 *
 * Steps run as `supernet-lab` child processes, one per core: one process trains the supernet,
 * then scores, then joins the ground-truth work; the others train ground-truth architectures from
 * the start (they share the list through claim files). Everything resumes: re-running the same
 * command after a kill continues where each step stopped.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { buildReport, reportHtml } from '../plots/report';
import {
  checkpointName,
  groundTruthPath,
  latestCheckpoint,
  readGroundTruth,
  readTableText,
  scoresPath,
  writeFileAtomic,
  writeJsonAtomic,
  writeTableAtomic,
} from '../runs/folder';
import type { Scale } from '../core/scale';
import { spaceBinding } from '../supernet/registry';
import { formatDuration } from '../train/progress';
import { summarizeFiles, type StudySummary } from './summary';

export interface StudyOptions {
  out: string;
  /** A registered space (src/supernet/registry.ts). */
  space: string;
  /** Image dataset, or 'ptb' (darts-ptb). */
  dataset: string;
  scale: Scale;
  seed: number;
  engine: string;
  dataDir?: string;
  /** Worker processes (default: one per core). */
  workers: number;
  /** Architectures trained stand-alone / scored on the supernet (defaults: per scale). */
  groundTruthArchs?: number;
  scoredArchs?: number;
  /** Extra flags for every train / groundtruth child (e.g. ['--channels', '4']). */
  supernetFlags?: string[];
  groundTruthFlags?: string[];
  /** Score every kept checkpoint (correlation vs epochs), not only the last. */
  scoreAllEpochs?: boolean;
  /** Build the HTML report (default true). */
  report?: boolean;
  /** `count` distinct architecture strings of the space drawn with `seed` (the CLI's sampler). */
  sample: (count: number, seed: string) => string[];
  /** Runs `supernet-lab <args>` in a child process; resolves with the exit code. */
  runChild: (args: string[], label: string) => Promise<number>;
  log?: (line: string) => void;
}

export interface StudyResult {
  summary: StudySummary;
  supernetDir: string;
  groundTruthDir: string;
  reportFile: string | null;
  seconds: number;
  /** Wall time of each stage in seconds. */
  timings: Record<string, number>;
}

function fail(step: string, code: number): never {
  throw new Error(`study: ${step} failed (exit code ${code}); re-run the same command to resume`);
}

export async function runStudy(options: StudyOptions): Promise<StudyResult> {
  const started = Date.now();
  const log = options.log ?? ((line: string) => process.stderr.write(line + '\n'));
  const out = path.resolve(options.out);
  fs.mkdirSync(out, { recursive: true });
  const sizes = spaceBinding(options.space).preset(options.scale).study;
  const nScored = options.scoredArchs ?? sizes.scoredArchs;
  const nTruth = Math.min(options.groundTruthArchs ?? sizes.groundTruthArchs, nScored);
  const supernetDir = path.join(out, 'supernet');
  const groundTruthDir = path.join(out, 'groundtruth');
  const scoredFile = path.join(out, 'archs-scored.txt');
  const truthFile = path.join(out, 'archs-groundtruth.txt');

  // The samples: scored archs drawn uniformly; the ground-truth sample is their first nTruth.
  const list = (archs: readonly string[]) => archs.join('\n') + '\n';
  let scored = fs.existsSync(scoredFile)
    ? readTableText(scoredFile)
        .split('\n')
        .filter((l) => l.trim() !== '')
    : null;
  if (!scored || scored.length !== nScored) {
    scored = options.sample(nScored, `study/${options.seed}`);
    writeTableAtomic(scoredFile, list(scored));
  }
  writeTableAtomic(truthFile, list(scored.slice(0, nTruth)));

  const common = [
    '--space',
    options.space,
    '--dataset',
    options.dataset,
    '--scale',
    options.scale,
    '--seed',
    String(options.seed),
  ];
  common.push('--engine', options.engine, '--progress', 'lines');
  if (options.dataDir) common.push('--data-dir', options.dataDir);
  const supernetArgs = ['train', ...common, '--out', supernetDir, ...(options.supernetFlags ?? [])];
  const truthArgs = [
    'groundtruth',
    ...common,
    '--archs',
    truthFile,
    '--out',
    groundTruthDir,
    '--worker',
    ...(options.groundTruthFlags ?? []),
  ];
  const workers = Math.max(1, options.workers);
  const timings: Record<string, number> = {};
  const stamp = (name: string, t0: number) => {
    timings[name] = (Date.now() - t0) / 1000;
  };
  log(
    `study (${options.space}, ${options.scale}, ${options.dataset}, seed ${options.seed}): supernet + ${nTruth} stand-alone ` +
      `architectures + ${nScored} scored, ${workers} process(es), engine ${options.engine} -> ${out}`,
  );

  const supernetChain = async () => {
    let t0 = Date.now();
    const code = await options.runChild(supernetArgs, 'supernet');
    if (code !== 0) fail('supernet training', code);
    stamp('supernet', t0);
    t0 = Date.now();
    const evalArgs = [
      'evaluate',
      '--run',
      supernetDir,
      '--archs',
      scoredFile,
      '--engine',
      options.engine,
    ];
    evalArgs.push('--progress', 'lines', '--epoch', options.scoreAllEpochs ? 'all' : 'latest');
    if (options.dataDir) evalArgs.push('--data-dir', options.dataDir);
    const scoreCode = await options.runChild(evalArgs, 'score');
    if (scoreCode !== 0) fail('scoring', scoreCode);
    stamp('scoring', t0);
    if (workers > 1) {
      // Join the ground-truth work still left.
      t0 = Date.now();
      const gt = await options.runChild(truthArgs, 'groundtruth 1');
      if (gt !== 0) fail('ground-truth training', gt);
      stamp('groundtruth (after scoring)', t0);
    }
  };
  const truthWorker = async (i: number) => {
    const t0 = Date.now();
    const code = await options.runChild(truthArgs, `groundtruth ${i + 1}`);
    if (code !== 0) fail('ground-truth training', code);
    stamp(`groundtruth worker ${i + 1}`, t0);
  };
  if (workers === 1) {
    await supernetChain();
    await truthWorker(0);
  } else {
    const jobs = [
      supernetChain(),
      ...Array.from({ length: workers - 1 }, (_, i) => truthWorker(i + 1)),
    ];
    const settled = await Promise.allSettled(jobs);
    const failed = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
    if (failed) throw failed.reason;
  }
  // Every process is done; anything still missing (a worker that died) is trained now.
  const missing = nTruth - readGroundTruth(groundTruthPath(groundTruthDir)).length;
  if (missing > 0) {
    log(`study: ${missing} ground-truth architectures left; training them`);
    const code = await options.runChild(truthArgs, 'groundtruth');
    if (code !== 0) fail('ground-truth training', code);
  }

  const epoch = latestCheckpoint(supernetDir);
  if (epoch === null) throw new Error(`study: ${supernetDir} has no checkpoint`);
  const scores = scoresPath(supernetDir, epoch);
  if (!fs.existsSync(scores)) throw new Error(`study: ${scores} is missing`);
  const summary = summarizeFiles(scores, groundTruthPath(groundTruthDir), epoch, sizes.topK);
  let reportFile: string | null = null;
  if (options.report !== false) {
    const t0 = Date.now();
    try {
      reportFile = await writeStudyReport(out, [supernetDir, groundTruthDir], sizes.topK, options);
    } catch (err) {
      log(`study: the HTML report could not be written: ${(err as Error).message}`);
    }
    stamp('report', t0);
  }
  const seconds = (Date.now() - started) / 1000;
  writeJsonAtomic(
    path.join(out, 'summary.json'),
    {
      space: options.space,
      scale: options.scale,
      dataset: options.dataset,
      seed: options.seed,
      engine: options.engine,
      workers,
      scoredArchs: nScored,
      groundTruthArchs: nTruth,
      checkpoint: checkpointName(epoch),
      summary,
      seconds,
      timings,
      supernet: path.relative(out, supernetDir),
      groundtruth: path.relative(out, groundTruthDir),
      report: reportFile ? path.relative(out, reportFile) : null,
    },
    { checksum: true },
  );
  log(
    `study finished in ${formatDuration(seconds)} (${Object.entries(timings)
      .map(([k, v]) => `${k} ${formatDuration(v)}`)
      .join(', ')})`,
  );
  return { summary, supernetDir, groundTruthDir, reportFile, seconds, timings };
}

async function writeStudyReport(
  out: string,
  runs: string[],
  ks: readonly number[],
  options: StudyOptions,
): Promise<string> {
  const report = buildReport({
    runs,
    k: Math.max(...ks),
    resamples: 1000,
    seed: options.seed,
    title: `Weight sharing on ${spaceBinding(options.space).title} (${options.dataset}, ${options.scale} scale, seed ${options.seed})`,
  });
  const file = path.join(out, 'report.html');
  writeFileAtomic(file, reportHtml(report));
  return file;
}
