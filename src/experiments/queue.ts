/**
 * Experiments on a sweep queue: with SUPERNET_LAB_QUEUE set (ExperimentContext.queue), a run an
 * experiment is missing becomes the sweep job `sweep plan` makes for it (src/sweep/spec.ts), is
 * submitted (idempotently: the job id is the run's resolved config) and awaited; the workers
 * write its run folder to <storage>/runs/<job id>, where the experiment then finds it. Jobs:
 *
 *   supernet        a train job (whole-space SPOS or another sampler, BN calibration included)
 *   reduced space   a subspace job (notebooks 03 / 06: one (factor, repeat), trained and scored)
 *   scores          a score job: the study's architecture list (studyArchs) at one checkpoint
 *                   of a supernet the queue trained
 *   search          a search job (notebook 08: DARTS / GAEA / RS-WS at the notebook's settings)
 *
 * What stays here, with a line saying why: a run whose settings no job can express, scores of
 * a run trained here or of another architecture list, and anything read from a custom dataset
 * source (workers load the standard datasets). The jobs are recorded as the sweep
 * `experiments-<scale>`, so `sweep status` and `sweep retry` work on them.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { spaceBinding } from '../supernet/registry';
import { NB201_SAMPLING } from '../spaces/nb201/codec';
import { sampleArchs } from '../train/pipeline';
import { readScores, scoresPath } from '../runs/folder';
import type { SearchConfigInput } from '../search/search-run';
import {
  describeJob,
  resolveJob,
  type Images,
  type JobSpec,
  type ResolvedJob,
  type SearchJobSpec,
  type SubspaceJobSpec,
  type TrainJobSpec,
} from '../sweep/spec';
import { isDone, planPath, readPlan, runDir, writeArchList, writePlan } from '../sweep/storage';
import { benchmarkTruth, type ExperimentContext, type ExperimentQueue } from './context';
import type { SupernetRequest } from './runs';

/** Attempts of an experiment's job before it is parked (as `sweep submit`'s default). */
const ATTEMPTS = 3;

/** A sweep job that writes exactly the run folder the local path writes, or why there is none. */
export type QueueMapping = { job: ResolvedJob } | { reason: string };

type Ctx = Pick<ExperimentContext, 'scale' | 'dataSource'>;

function resolved(spec: JobSpec, where: string): QueueMapping {
  try {
    return { job: resolveJob(spec, where) };
  } catch (err) {
    return { reason: (err as Error).message };
  }
}

const datasetReason = (ctx: Ctx) =>
  ctx.dataSource
    ? `the experiment reads its dataset from ${ctx.dataSource}; workers load the standard one`
    : null;

/** The first setting of `wanted` that `jobSide` has otherwise, as a reason (null: none). */
function firstDifference(
  ctx: Ctx,
  kind: string,
  wanted: Record<string, unknown>,
  jobSide: Record<string, unknown>,
): string | null {
  const differ = Object.keys(wanted).filter(
    (k) => JSON.stringify(wanted[k]) !== JSON.stringify(jobSide[k]),
  );
  if (differ.length === 0) return null;
  const k = differ[0];
  return (
    `its ${k} ${JSON.stringify(wanted[k])} is not what a ${kind} job at scale ${ctx.scale} uses ` +
    `(${JSON.stringify(jobSide[k])})${differ.length > 1 ? ` (and ${differ.slice(1).join(', ')})` : ''}`
  );
}

/**
 * The spec of the job that trains `request`: a train job, or for a reduced space the subspace
 * job of its (factor, repeat) (request.subspaceRun), which also scores its cells.
 */
function supernetSpec(ctx: Ctx, request: SupernetRequest): JobSpec | { reason: string } {
  const h = request.hyper;
  const common = {
    space: 'nb201',
    scale: ctx.scale,
    dataset: request.dataset,
    seed: request.seed,
    epochs: h.epochs,
    batchSize: h.batchSize,
    trainImages: (h.trainImages ?? 'all') as Images,
    validImages: (h.validImages ?? 'all') as Images,
    channels: h.channels,
    cells: h.cellsPerStage,
    calibrationBatches: h.calibrationBatches,
    calibrationBatchSize: h.calibrationBatchSize,
  };
  const sub = request.subspace;
  if (!sub) {
    return {
      stage: 'train',
      ...common,
      lr: h.lr,
      weightDecay: h.weightDecay,
      sampler: h.sampler as TrainJobSpec['sampler'],
      checkpointEpochs: [...h.checkpointEpochs],
    };
  }
  const r = request.subspaceRun;
  if (!r)
    return { reason: 'a reduced-space supernet outside notebooks 03 / 06 is no subspace job' };
  // What the subspace command's reducedRun asks for at this (factor, repeat).
  const seed = request.seed - r.repeat;
  if (seed < 0) return { reason: `its seed ${request.seed} is below its repeat ${r.repeat}` };
  const spaceSeed = sub.reduction === 'random' ? r.repeat : 0;
  if (sub.seed !== spaceSeed) {
    return { reason: `its space seed ${sub.seed} is not the job's (${spaceSeed})` };
  }
  if (sub.reduction === 'pruned') {
    let column: string;
    try {
      column = benchmarkTruth(request.dataset).column;
    } catch (err) {
      return { reason: (err as Error).message };
    }
    if (sub.truth !== column) {
      return { reason: `it prunes by ${sub.truth}, a subspace job by ${column}` };
    }
  }
  return {
    stage: 'subspace',
    ...common,
    seed,
    reduction: sub.reduction,
    factor: sub.factor,
    repeat: r.repeat,
    sample: r.sample,
  };
}

/** The job that trains `request` (the same run folder a local run writes), or why none. */
export function supernetJob(ctx: Ctx, request: SupernetRequest): QueueMapping {
  const local = datasetReason(ctx);
  if (local) return { reason: local };
  const spec = supernetSpec(ctx, request);
  if ('reason' in spec) return spec;
  const m = resolved(spec, `supernet ${request.purpose}`);
  if ('reason' in m) return m;
  // Everything the spec does not carry, the command takes from the scale's preset: each
  // setting of the request must be what the job will use.
  const preset = spaceBinding('nb201').preset(ctx.scale);
  const s = m.job.spec as TrainJobSpec | SubspaceJobSpec;
  const all = (n: number | 'all' | undefined) => (n === 'all' ? null : n);
  const jobSide: Record<string, unknown> = {
    ...preset.supernet,
    epochs: s.epochs,
    batchSize: s.batchSize,
    // A subspace job trains with the preset's LR and WD, keeps its last checkpoint, SPOS.
    ...(s.stage === 'train'
      ? {
          lr: s.lr,
          weightDecay: s.weightDecay,
          checkpointEpochs: s.checkpointEpochs,
          sampler: s.sampler,
        }
      : { checkpointEpochs: [s.epochs], sampler: 'uniform' }),
    channels: s.channels,
    cellsPerStage: s.cells,
    trainImages: all(s.trainImages),
    validImages: all(s.validImages),
    validFraction: preset.data.kind === 'images' ? preset.data.validFraction : undefined,
    calibrationBatches: s.calibrationBatches,
    calibrationBatchSize: s.calibrationBatchSize,
  };
  const h = request.hyper;
  const wanted: Record<string, unknown> = {
    ...h,
    checkpointEpochs: [...new Set(h.checkpointEpochs)].sort((a, b) => a - b),
  };
  const reason = firstDifference(ctx, s.stage, wanted, jobSide);
  return reason ? { reason } : m;
}

/**
 * The score job that scores `archs` at `epoch` of the supernet in `dir`: only for a run the
 * queue's workers trained (its folder is a done train job's in the storage root).
 */
export function scoreJob(
  ctx: Ctx & { queue?: ExperimentQueue },
  dir: string,
  epoch: number,
  archs: readonly string[],
): QueueMapping {
  const local = datasetReason(ctx);
  if (local) return { reason: local };
  const q = ctx.queue;
  const id = path.basename(dir);
  let jobRun: string | null = null;
  try {
    jobRun = q && id.startsWith('train-') ? runDir(q.storage, id) : null;
  } catch {
    jobRun = null;
  }
  if (!q || jobRun === null || path.resolve(dir) !== jobRun || !isDone(q.storage, id)) {
    return { reason: `${dir} is not a supernet the queue's workers trained` };
  }
  return listScoreJob(q.storage, id, epoch, archs);
}

/**
 * The score job of `archs` at `epoch` of train job `train` (done or not yet): the study list
 * (studyArchs) by its archSeed 'study', any other list (a table's cells) as a list file that
 * this writes into the storage root (lists/<sha256>.txt, the job's archList).
 */
function listScoreJob(
  storage: string,
  train: string,
  epoch: number,
  archs: readonly string[],
): QueueMapping {
  const study = sampleArchs(NB201_SAMPLING, archs.length, 'study');
  const list = archs.every((a, i) => a === study[i])
    ? { archSeed: 'study' as const }
    : { archList: writeArchList(storage, archs) };
  return resolved(
    { stage: 'score', train, sample: archs.length, ...list, epoch },
    `scores of ${train}`,
  );
}

/** Whether some of `archs` have no row in the scores of `epoch` of the run in `dir`. */
export function scoresMissing(dir: string, epoch: number, archs: readonly string[]): boolean {
  const file = scoresPath(dir, epoch);
  const have = new Set(fs.existsSync(file) ? readScores(file).map((r) => r.arch) : []);
  return archs.some((a) => !have.has(a));
}

/** The search job of a search run's input (notebook 08), or why none. */
export function searchJob(ctx: Ctx, input: SearchConfigInput): QueueMapping {
  const local = datasetReason(ctx);
  if (local) return { reason: local };
  const o = input.overrides ?? {};
  const images = (n: number | null | undefined) => (n === null ? 'all' : n);
  const m = resolved(
    {
      stage: 'search',
      space: 'nb201',
      method: input.method,
      scale: input.scale,
      dataset: input.dataset,
      seed: input.seed,
      epochs: o.epochs,
      batchSize: o.batchSize,
      channels: o.channels,
      cells: o.cellsPerStage,
      trainImages: images(o.trainImages),
      validImages: images(o.validImages),
      samples: o.rswsSamples,
      groundTruth: input.groundTruth,
    },
    `search ${input.method} seed ${input.seed}`,
  );
  if ('reason' in m) return m;
  // The search command takes no other setting: the input must leave the rest to the scale.
  const carried = new Set([
    'epochs',
    'batchSize',
    'channels',
    'cellsPerStage',
    'trainImages',
    'validImages',
    'rswsSamples',
  ]);
  const other = Object.keys(o).filter(
    (k) => !carried.has(k) && (o as Record<string, unknown>)[k] !== undefined,
  );
  if (other.length > 0) {
    return { reason: `a search job has no ${other.join(', ')} (it uses the scale's)` };
  }
  const s = m.job.spec as SearchJobSpec;
  if (s.dataset !== input.dataset) {
    return { reason: `a search job trains on ${s.dataset}, not ${input.dataset}` };
  }
  return m;
}

/** The sweep that records an experiment's queued jobs (for `sweep status` / `sweep retry`). */
export function experimentSweepName(ctx: Pick<ExperimentContext, 'scale'>): string {
  return `experiments-${ctx.scale}`;
}

/** Adds `jobs` to the sweep's plan in the storage root (made on first use). */
function recordJobs(storage: string, name: string, jobs: readonly ResolvedJob[]): void {
  const plan = fs.existsSync(planPath(storage, name))
    ? readPlan(storage, name)
    : {
        schema: 1 as const,
        name,
        grid: { source: 'src/experiments (SUPERNET_LAB_QUEUE)' },
        jobs: [],
      };
  const known = new Set(plan.jobs.map((j) => j.id));
  const fresh = jobs.filter((j) => !known.has(j.id));
  if (fresh.length > 0) writePlan(storage, { ...plan, jobs: [...plan.jobs, ...fresh] });
}

/** Jobs this process submitted per queue and storage root: the progress line counts them. */
const submitted = new Map<string, ResolvedJob[]>();

function remember(q: ExperimentQueue, jobs: readonly ResolvedJob[]): ResolvedJob[] {
  const key = `${q.url}\n${q.storage}`;
  const list = submitted.get(key) ?? [];
  for (const j of jobs) if (!list.some((x) => x.id === j.id)) list.push(j);
  submitted.set(key, list);
  return list;
}

type QueueModule = typeof import('../sweep/queue');
type AwaitModule = typeof import('../sweep/await');
// Loaded on first use: BullMQ and ioredis only for experiments that use a queue.
const queueModule = () => require('../sweep/queue') as QueueModule;
const awaitModule = () => require('../sweep/await') as AwaitModule;

/**
 * Submits the jobs of `mappings` (those that have one) without waiting, so the workers run them
 * side by side while the experiment awaits them one by one. A no-op without a queue.
 */
async function submitAll(ctx: ExperimentContext, mappings: readonly QueueMapping[]): Promise<void> {
  const q = ctx.queue;
  if (!q) return;
  const byId = new Map(mappings.flatMap((m) => ('job' in m ? [[m.job.id, m.job] as const] : [])));
  const jobs = [...byId.values()];
  if (jobs.length === 0) return;
  const { connectQueue, safeUrl, submitJobs } = queueModule();
  const queue = await connectQueue(q.url);
  try {
    recordJobs(q.storage, experimentSweepName(ctx), jobs);
    const s = await submitJobs(queue, q.storage, jobs, { attempts: ATTEMPTS });
    remember(q, jobs);
    ctx.log(
      `queue ${safeUrl(q.url)}: ${s.added.length} run(s) submitted, ${s.queued.length} already queued, ` +
        `${s.done.length} done (storage ${q.storage})`,
    );
  } finally {
    await queue.close();
  }
}

/** Submits the jobs of the supernets of `requests` (see submitAll). */
export async function submitSupernets(
  ctx: ExperimentContext,
  requests: readonly SupernetRequest[],
): Promise<void> {
  if (!ctx.queue) return;
  const missing = await missingRuns(ctx, requests, (r) => r);
  await submitAll(
    ctx,
    missing.map((r) => supernetJob(ctx, r)),
  );
}

/** The items of `items` whose supernet has no complete run yet (those are not submitted). */
async function missingRuns<T>(
  ctx: ExperimentContext,
  items: readonly T[],
  requestOf: (item: T) => SupernetRequest,
): Promise<T[]> {
  // Required on use: runs.ts imports this module.
  const { completeSupernetRun } = require('./runs') as typeof import('./runs');
  const found = await Promise.all(items.map((i) => completeSupernetRun(ctx, requestOf(i))));
  // A run the workers finished stays in (its job is done: a no-op; its score jobs may be due).
  const storage = path.resolve(ctx.queue!.storage) + path.sep;
  const local = (dir: string | null) => dir != null && !path.resolve(dir).startsWith(storage);
  const missing = items.filter((_, i) => !local(found[i]));
  if (missing.length < items.length) {
    ctx.log(
      `${items.length - missing.length} supernet run(s) complete in ${ctx.runsDir}, not submitted`,
    );
  }
  return missing;
}

/** Submits the score jobs of `archs` at each of `epochs` of the run in `dir` that lack rows. */
export function submitScores(
  ctx: ExperimentContext,
  dir: string,
  epochs: readonly number[],
  archs: readonly string[],
): Promise<void> {
  if (!ctx.queue) return Promise.resolve();
  return submitAll(
    ctx,
    epochs.filter((e) => scoresMissing(dir, e, archs)).map((e) => scoreJob(ctx, dir, e, archs)),
  );
}

/**
 * Submits the train jobs of `runs` and with each the score jobs of `archs` (the study list or a
 * table's cells) at its `epochs` (a worker runs a score job once its supernet is done), so the
 * workers train and score a whole table side by side (see submitAll).
 */
export async function submitScoredRuns(
  ctx: ExperimentContext,
  runs: readonly { request: SupernetRequest; epochs: readonly number[] }[],
  archs: readonly string[],
): Promise<void> {
  const q = ctx.queue;
  if (!q) return;
  const missing = await missingRuns(ctx, runs, (r) => r.request);
  const mappings = missing.flatMap(({ request, epochs }) => {
    const m = supernetJob(ctx, request);
    if (!('job' in m) || m.job.spec.stage !== 'train') return [m];
    const dir = runDir(q.storage, m.job.id);
    const unscored = epochs.filter((e) => scoresMissing(dir, e, archs));
    return [m, ...unscored.map((e) => listScoreJob(q.storage, m.job.id, e, archs))];
  });
  await submitAll(ctx, mappings);
}

/** Submits the search jobs of `inputs` (see submitAll). */
export function submitSearches(
  ctx: ExperimentContext,
  inputs: readonly SearchConfigInput[],
): Promise<void> {
  if (!ctx.queue) return Promise.resolve();
  return submitAll(
    ctx,
    inputs.map((i) => searchJob(ctx, i)),
  );
}

/**
 * Runs `m`'s job on the queue: submits it (a no-op when it is queued or done) and waits until a
 * worker has finished it. Returns the job, or null with `what ... here` and the reason logged
 * when there is no job (the caller then does the work itself).
 */
export async function runOnQueue(
  ctx: ExperimentContext,
  m: QueueMapping,
  what: string,
): Promise<ResolvedJob | null> {
  const q = ctx.queue;
  if (!q) return null;
  if ('reason' in m) {
    ctx.log(`${what} here, not on the queue: ${m.reason}`);
    return null;
  }
  const { connectQueue, safeUrl, submitJobs } = queueModule();
  const { awaitJobs } = awaitModule();
  const queue = await connectQueue(q.url);
  try {
    const name = experimentSweepName(ctx);
    recordJobs(q.storage, name, [m.job]);
    const s = await submitJobs(queue, q.storage, [m.job], { attempts: ATTEMPTS });
    const among = remember(q, [m.job]);
    const state = s.added.length ? 'submitted' : s.done.length ? 'done' : 'already queued';
    ctx.log(`job ${describeJob(m.job)}: ${state}${s.done.length ? '' : ', waiting for a worker'}`);
    await awaitJobs(queue, [m.job], {
      url: q.url,
      storage: q.storage,
      among,
      attempts: ATTEMPTS,
      log: ctx.log,
      retryHint: `fix the cause, then: supernet-lab sweep retry ${name} --queue ${safeUrl(q.url)} --storage ${q.storage}`,
    });
  } finally {
    await queue.close();
  }
  return m.job;
}

/** Trains `request` on the queue (runOnQueue of its supernetJob). */
export function trainOnQueue(
  ctx: ExperimentContext,
  request: SupernetRequest,
): Promise<ResolvedJob | null> {
  return runOnQueue(
    ctx,
    supernetJob(ctx, request),
    `supernet ${request.purpose} seed ${request.seed} trains`,
  );
}
