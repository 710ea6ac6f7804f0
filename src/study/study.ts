/**
 * The main job (`npm start` = `supernet-lab study --scale laptop`): the weight-sharing study of
 * seed 001 on any registered space (NAS-Bench-201 by default), end to end and for real:
 *
 *   1. train a supernet with SPOS (uniform single-path sampling)          -> <out>/supernet
 *   2. ground truth: a seed table (`table`; the shipped laptop table for NB-201 on Fashion-MNIST
 *      at laptop scale) averaged over seeds, or a sample of architectures trained stand-alone
 *                                                                         -> <out>/groundtruth
 *   3. score the table's cells / a larger sample on the supernet (BN recalibration, val acc.)
 *                                                                         -> <out>/supernet/scores
 *   4. Spearman, Kendall tau-b with bootstrap intervals, top-k vs random top-k, size bias, the
 *      table's noise ceiling and the regime in words                    -> stdout, summary.json
 *   5. an HTML report                                                     -> <out>/report.html
 *
 * Steps run as `supernet-lab` child processes. With a table: one process trains the supernet
 * (all threads), then scoring is split over `workers` processes. Without: one process trains
 * the supernet, then scores, then joins the ground-truth work; the others train ground-truth
 * architectures from the start (they share the list through claim files). Everything resumes:
 * re-running the same command after a kill continues where each step stopped.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { buildReport, reportHtml, type GroundTruthSource } from '../plots/report';
import {
  checkpointName,
  groundTruthPath,
  latestCheckpoint,
  readGroundTruth,
  readScores,
  readTableText,
  scoresPath,
  writeFileAtomic,
  writeJsonAtomic,
  writeTableAtomic,
} from '../runs/folder';
import type { Scale } from '../core/scale';
import { spaceBinding } from '../supernet/registry';
import { formatDuration } from '../train/progress';
import { seedReference } from './seed-reference';
import { summarize, type StudySummary } from './summary';
import { readTableTruth, tableCeiling, tableGroundTruth } from './table';

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
  /**
   * Ground truth from this seed table (src/groundtruth/laptop.ts format): its cells are scored
   * and ranked against their mean over seeds; nothing is trained stand-alone. Absent: a sample
   * is trained stand-alone (groundTruthArchs).
   */
  table?: string;
  /** Architectures trained stand-alone / scored on the supernet (defaults: per scale; with a
   * table, scoredArchs keeps its first cells only). */
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
  /**
   * Runs `supernet-lab <args>` in a child process (with one compute thread when `oneThread`,
   * i.e. while other children share the cores); resolves with the exit code.
   */
  runChild: (args: string[], label: string, oneThread: boolean) => Promise<number>;
  log?: (line: string) => void;
}

export interface StudyResult {
  summary: StudySummary;
  supernetDir: string;
  /** The stand-alone ground-truth run folder, or null when a table was the ground truth. */
  groundTruthDir: string | null;
  /** The seed table used as ground truth (as displayed), or null. */
  table: string | null;
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
  const table = options.table ? readTableTruth(options.table) : null;
  const supernetDir = path.join(out, 'supernet');
  const groundTruthDir = path.join(out, 'groundtruth');
  const scoredFile = path.join(out, 'archs-scored.txt');
  const truthFile = path.join(out, 'archs-groundtruth.txt');
  const list = (archs: readonly string[]) => archs.join('\n') + '\n';
  const workers = Math.max(1, options.workers);
  const timings: Record<string, number> = {};
  const stamp = (name: string, t0: number) => {
    timings[name] = (Date.now() - t0) / 1000;
  };

  // The samples. With a table: its cells (the first scoredArchs when given). Without: scored
  // archs drawn uniformly, the ground-truth sample is their first nTruth.
  let scored: string[];
  let nTruth = 0;
  if (table) {
    scored = table.cells.map((c) => c.arch).slice(0, options.scoredArchs ?? table.cells.length);
    writeTableAtomic(scoredFile, list(scored));
  } else {
    const nScored = options.scoredArchs ?? sizes.scoredArchs;
    nTruth = Math.min(options.groundTruthArchs ?? sizes.groundTruthArchs, nScored);
    const previous = fs.existsSync(scoredFile)
      ? readTableText(scoredFile)
          .split('\n')
          .filter((l) => l.trim() !== '')
      : null;
    scored =
      previous && previous.length === nScored
        ? previous
        : options.sample(nScored, `study/${options.seed}`);
    if (scored !== previous) writeTableAtomic(scoredFile, list(scored));
    writeTableAtomic(truthFile, list(scored.slice(0, nTruth)));
  }

  const common = ['--space', options.space, '--dataset', options.dataset, '--scale', options.scale];
  common.push('--seed', String(options.seed), '--engine', options.engine, '--progress', 'lines');
  if (options.dataDir) common.push('--data-dir', options.dataDir);
  const supernetArgs = ['train', ...common, '--out', supernetDir, ...(options.supernetFlags ?? [])];
  const truthArgs = ['groundtruth', ...common, '--archs', truthFile, '--out', groundTruthDir];
  truthArgs.push('--worker', ...(options.groundTruthFlags ?? []));
  log(
    `study (${options.space}, ${options.scale}, ${options.dataset}, seed ${options.seed}): supernet + ` +
      (table
        ? `${scored.length} cells of ${table.file} scored (ground truth: their mean over seeds)`
        : `${nTruth} stand-alone architectures + ${scored.length} scored`) +
      `, ${workers} process(es), engine ${options.engine} -> ${out}`,
  );

  // With a table the supernet trains alone (every thread) and scoring is sharded over the
  // workers; without, ground-truth workers share the cores with it from the start.
  const shareCores = !table && workers > 1;
  const child = async (args: string[], label: string, share: boolean, step: string) => {
    const code = await options.runChild(args, label, share);
    if (code !== 0) fail(step, code);
  };
  const supernetChain = async () => {
    let t0 = Date.now();
    await child(supernetArgs, 'supernet', shareCores, 'supernet training');
    stamp('supernet', t0);
    t0 = Date.now();
    const evalArgs = ['evaluate', '--run', supernetDir, '--archs', scoredFile];
    evalArgs.push('--engine', options.engine, '--progress', 'lines');
    evalArgs.push('--epoch', options.scoreAllEpochs ? 'all' : 'latest');
    if (table && workers > 1) evalArgs.push('--workers', String(workers));
    if (options.dataDir) evalArgs.push('--data-dir', options.dataDir);
    await child(evalArgs, 'score', shareCores, 'scoring');
    stamp('scoring', t0);
    if (shareCores) {
      // Join the ground-truth work still left.
      t0 = Date.now();
      await child(truthArgs, 'groundtruth 1', true, 'ground-truth training');
      stamp('groundtruth (after scoring)', t0);
    }
  };
  const truthWorker = async (i: number) => {
    const t0 = Date.now();
    await child(truthArgs, `groundtruth ${i + 1}`, shareCores, 'ground-truth training');
    stamp(`groundtruth worker ${i + 1}`, t0);
  };
  if (table) {
    await supernetChain();
  } else if (workers === 1) {
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
  if (!table) {
    // Every process is done; anything still missing (a worker that died) is trained now.
    const missing = nTruth - readGroundTruth(groundTruthPath(groundTruthDir)).length;
    if (missing > 0) {
      log(`study: ${missing} ground-truth architectures left; training them`);
      await child(truthArgs, 'groundtruth', false, 'ground-truth training');
    }
  }

  const epoch = latestCheckpoint(supernetDir);
  if (epoch === null) throw new Error(`study: ${supernetDir} has no checkpoint`);
  const scoresFile = scoresPath(supernetDir, epoch);
  if (!fs.existsSync(scoresFile)) throw new Error(`study: ${scoresFile} is missing`);
  const scores = readScores(scoresFile);
  const truth = table ? table.cells : readGroundTruth(groundTruthPath(groundTruthDir));
  const scoredSet = new Set(scores.map((s) => s.arch));
  const ceiling = table
    ? tableCeiling(
        table,
        table.cells.filter((c) => scoredSet.has(c.arch)).map((c) => c.arch),
        options.seed,
      )
    : null;
  const summary = summarize(scores, truth, epoch, sizes.topK, {
    ceiling,
    reference: seedReference(options.space),
    seed: options.seed,
  });
  let reportFile: string | null = null;
  if (options.report !== false) {
    const t0 = Date.now();
    try {
      reportFile = await writeStudyReport(
        out,
        table ? [supernetDir] : [supernetDir, groundTruthDir],
        sizes.topK,
        options,
        table ? tableGroundTruth(table, ceiling) : undefined,
      );
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
      scoredArchs: scored.length,
      groundTruthArchs: table ? truth.length : nTruth,
      checkpoint: checkpointName(epoch),
      summary,
      seconds,
      timings,
      supernet: path.relative(out, supernetDir),
      groundtruth: table
        ? {
            table: table.file,
            rows: table.rows.length,
            cells: table.cells.length,
            budget: table.budget,
          }
        : path.relative(out, groundTruthDir),
      report: reportFile ? path.relative(out, reportFile) : null,
    },
    { checksum: true },
  );
  log(
    `study finished in ${formatDuration(seconds)} (${Object.entries(timings)
      .map(([k, v]) => `${k} ${formatDuration(v)}`)
      .join(', ')})`,
  );
  return {
    summary,
    supernetDir,
    groundTruthDir: table ? null : groundTruthDir,
    table: table?.file ?? null,
    reportFile,
    seconds,
    timings,
  };
}

async function writeStudyReport(
  out: string,
  runs: string[],
  ks: readonly number[],
  options: StudyOptions,
  groundTruth: GroundTruthSource | undefined,
): Promise<string> {
  const report = buildReport({
    runs,
    k: Math.max(...ks),
    resamples: 1000,
    seed: options.seed,
    groundTruth,
    title: `Weight sharing on ${spaceBinding(options.space).title} (${options.dataset}, ${options.scale} scale, seed ${options.seed})`,
  });
  const file = path.join(out, 'report.html');
  writeFileAtomic(file, reportHtml(report));
  return file;
}
