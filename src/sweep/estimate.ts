/**
 * `sweep plan --estimate`: how much compute a sweep is, from the bench's measured throughput
 * (kernels-data/bench/*.json, written by `supernet-lab bench`). Each job is counted in images
 * through the network: training = epochs x training images (search: weights and architecture
 * steps, 2 x), scoring = checkpoints x architectures x (BN calibration + validation images),
 * ground truth = architectures x epochs x training images, a subspace job = its supernet's
 * training + its scored cells (at most the subspace's) once. Images per second come from the
 * bench's workload closest to the scale (paper: NB-201 C=16 N=5 on 32x32 CIFAR; laptop and
 * smoke: C=8 N=1 on 28x28), single-threaded training where the bench measured it (a sweep job
 * has one thread), per engine (and PyTorch, the bench's reference): other spaces'
 * networks are counted at that workload's cost, so their hours are a first-order guide. Text
 * (PTB) jobs have no bench workload and are listed apart.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { BadInputError } from '../errors';
import { packageRoot } from '../info';
import { spaceBinding } from '../supernet/registry';
import { reducedSize } from '../spaces/reduce';
import type { ImageDataSettings } from '../supernet/binding';
import { SEARCH_SCALE_SETTINGS } from '../search/scales';
import {
  shardBounds,
  type Images,
  type ResolvedJob,
  type SubspaceJobSpec,
  type TrainJobSpec,
} from './spec';

/** Images of the official training sets (the split a run's train/valid halves come from). */
export const TRAINING_SET_IMAGES: Record<string, number> = {
  'fashion-mnist': 60_000,
  cifar10: 50_000,
  cifar100: 50_000,
  'cifar10-subset': 4_000,
};

interface BenchComparisonRow {
  engine: string;
  config: string;
  metric: string;
  ours: number;
  pytorch: number;
}

/** Training and evaluation images per second per engine, of one bench workload. */
export interface Throughput {
  benchFile: string;
  config: string;
  /** The bench metric the training rate is from ('train-single-thread' or 'train'). */
  trainMetric: string;
  engines: Record<string, { train: number; eval: number }>;
}

/** The newest full bench report in kernels-data/bench (else the newest quick one). */
export function defaultBenchFile(): string {
  const dir = path.join(packageRoot, 'kernels-data', 'bench');
  const files = fs.existsSync(dir) ? fs.readdirSync(dir).filter((f) => f.endsWith('.json')) : [];
  const pick =
    files
      .filter((f) => f.includes('-full'))
      .sort()
      .pop() ?? files.sort().pop();
  if (!pick) {
    throw new BadInputError(
      `no bench report in ${dir}: run 'supernet-lab bench' or give --bench FILE`,
    );
  }
  return path.join(dir, pick);
}

export function readThroughput(file: string, scale: string): Throughput {
  let report: { comparisons?: BenchComparisonRow[] };
  try {
    report = JSON.parse(fs.readFileSync(file, 'utf8')) as typeof report;
  } catch (err) {
    throw new BadInputError(`--bench ${file}: ${(err as Error).message}`);
  }
  const rows = report.comparisons;
  if (!Array.isArray(rows)) throw new BadInputError(`--bench ${file} has no comparisons list`);
  const config = scale === 'paper' ? 'nb201-c16-n5-cifar' : 'laptop-c8-n1-fmnist';
  const engines: Throughput['engines'] = {};
  const put = (engine: string, metric: string, v: number) => {
    if (!(v > 0)) return;
    engines[engine] ??= { train: NaN, eval: NaN };
    engines[engine][metric as 'train' | 'eval'] = v;
  };
  // Sweep jobs run one compute thread each: the single-thread training rows when the bench has
  // them, else the default ones.
  const single = rows.some((r) => r.config === config && r.metric === 'train-single-thread');
  const trainMetric = single ? 'train-single-thread' : 'train';
  for (const r of rows) {
    if (r.config !== config) continue;
    const metric = r.metric === trainMetric ? 'train' : r.metric === 'eval' ? 'eval' : null;
    if (metric === null) continue;
    put(r.engine, metric, r.ours);
    put('pytorch', metric, r.pytorch);
  }
  for (const [e, t] of Object.entries(engines)) {
    if (!(t.train > 0 && t.eval > 0)) delete engines[e];
  }
  if (Object.keys(engines).length === 0) {
    throw new BadInputError(`--bench ${file} has no train and eval rows of workload ${config}`);
  }
  return { benchFile: file, config, trainMetric, engines };
}

function splitImages(n: Images | undefined, data: ImageDataSettings, valid: boolean): number {
  if (typeof n === 'number') return n;
  const all = TRAINING_SET_IMAGES[data.dataset] ?? 50_000;
  return Math.round(all * (valid ? data.validFraction : 1 - data.validFraction));
}

/** Images a job trains on and evaluates (null for text jobs). */
export function jobImages(
  job: ResolvedJob,
  byId: ReadonlyMap<string, ResolvedJob>,
): { train: number; eval: number } | null {
  const s = job.spec;
  if (s.stage === 'search') {
    const settings = SEARCH_SCALE_SETTINGS[s.scale];
    const data = { kind: 'images', dataset: s.dataset, validFraction: 0.5 } as ImageDataSettings;
    const train = splitImages(s.trainImages ?? settings.trainImages ?? 'all', data, false);
    const valid = splitImages(s.validImages ?? settings.validImages ?? 'all', data, true);
    return { train: 2 * (s.epochs ?? settings.epochs) * (train + valid), eval: 0 };
  }
  const training = s.stage === 'score' ? (byId.get(s.train)?.spec as TrainJobSpec) : s;
  if (!training) return null;
  const preset = spaceBinding(training.space).preset(training.scale);
  const data = s.stage === 'groundtruth' ? (preset.standaloneData ?? preset.data) : preset.data;
  if (data.kind !== 'images') return null;
  const images = { ...data, dataset: training.dataset } as ImageDataSettings;
  const trainImages = splitImages(training.trainImages, images, false);
  const validImages = splitImages(training.validImages, images, true);
  if (s.stage === 'train') return { train: s.epochs! * trainImages, eval: 0 };
  if (s.stage === 'groundtruth') {
    const [start, end] =
      s.shards === undefined ? [0, s.sample] : shardBounds(s.sample, s.shard ?? 0, s.shards);
    const archs = end - start;
    return { train: archs * s.epochs! * trainImages, eval: archs * validImages };
  }
  // The run's BN calibration (the job's fields; the preset's in a plan made before they were).
  const calib = training as TrainJobSpec | SubspaceJobSpec;
  const hyper = preset.supernet;
  const perArch =
    (calib.calibrationBatches ?? hyper.calibrationBatches) *
      (calib.calibrationBatchSize ?? hyper.calibrationBatchSize) +
    validImages;
  // A subspace job: its supernet, then `sample` cells scored once (fewer when the space is).
  if (s.stage === 'subspace') {
    // The subspace's size: round(cells of the space / factor), at least 1.
    const cells = reducedSize(spaceBinding(s.space).searchSpace, s.factor);
    return { train: s.epochs! * trainImages, eval: Math.min(s.sample, cells) * perArch };
  }
  const kept = (training as TrainJobSpec).checkpointEpochs;
  const checkpoints = s.epoch === 'all' ? (kept?.length ?? 1) : 1;
  return { train: 0, eval: checkpoints * s.sample * perArch };
}

export interface SweepEstimate {
  jobs: number;
  byStage: Record<string, number>;
  /** Jobs without a bench workload (text spaces). */
  notEstimated: string[];
  benchFile: string;
  /** Per scale: the bench workload used and the hours per engine. */
  scales: { scale: string; workload: string; trainMetric: string; hours: Record<string, number> }[];
}

export function estimateSweep(jobs: readonly ResolvedJob[], benchFile: string): SweepEstimate {
  const byId = new Map(jobs.map((j) => [j.id, j]));
  const byStage: Record<string, number> = {};
  const images = new Map<string, { train: number; eval: number }>();
  const notEstimated: string[] = [];
  for (const job of jobs) {
    byStage[job.spec.stage] = (byStage[job.spec.stage] ?? 0) + 1;
    const n = jobImages(job, byId);
    const scale =
      job.spec.stage === 'score'
        ? (byId.get(job.spec.train)?.spec as TrainJobSpec)?.scale
        : job.spec.scale;
    if (!n || !scale) {
      notEstimated.push(job.id);
      continue;
    }
    const sum = images.get(scale) ?? { train: 0, eval: 0 };
    images.set(scale, { train: sum.train + n.train, eval: sum.eval + n.eval });
  }
  const scales = [...images.entries()].map(([scale, n]) => {
    const t = readThroughput(benchFile, scale);
    const hours: Record<string, number> = {};
    for (const [engine, rate] of Object.entries(t.engines)) {
      hours[engine] = (n.train / rate.train + n.eval / rate.eval) / 3600;
    }
    return { scale, workload: t.config, trainMetric: t.trainMetric, hours };
  });
  return { jobs: jobs.length, byStage, notEstimated, benchFile, scales };
}

export function formatEstimate(name: string, e: SweepEstimate): string {
  const stages = Object.entries(e.byStage)
    .map(([k, v]) => `${v} ${k}`)
    .join(', ');
  const lines = [`sweep ${name}: ${e.jobs} jobs (${stages})`];
  lines.push(
    `job-hours from ${path.basename(e.benchFile)} (one process per job; wall time = job-hours / job slots):`,
  );
  for (const s of e.scales) {
    const engines = Object.entries(s.hours)
      .map(([k, h]) => `${k} ${h < 10 ? h.toFixed(2) : Math.round(h)} h`)
      .join(', ');
    lines.push(`  ${s.scale} (workload ${s.workload}, ${s.trainMetric} + eval): ${engines}`);
  }
  if (e.notEstimated.length > 0) {
    lines.push(`  not estimated (no bench workload: text spaces): ${e.notEstimated.length} jobs`);
  }
  return lines.join('\n') + '\n';
}
