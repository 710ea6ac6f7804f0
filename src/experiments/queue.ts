/**
 * Experiments on a sweep queue: with SUPERNET_LAB_QUEUE set (ExperimentContext.queue), a
 * supernet an experiment is missing becomes a sweep train job (src/sweep/spec.ts, the job
 * `sweep plan` makes from a grid), is submitted to the queue (idempotently: the job id is the
 * run's resolved config) and awaited with a progress line; the workers write its run folder to
 * <storage>/runs/<job id>, where the experiment then finds it like any run folder. A request the
 * train command cannot reproduce exactly (a setting it has no flag for, a reduced space, a custom
 * dataset source) is trained here, with a line saying why. The jobs are recorded as the sweep
 * `experiments-<scale>`, so `sweep status` and `sweep retry` work on them.
 */
import * as fs from 'node:fs';
import { spaceBinding } from '../supernet/registry';
import { resolveJob, type ResolvedJob, type TrainJobSpec } from '../sweep/spec';
import { planPath, readPlan, writePlan } from '../sweep/storage';
import type { ExperimentContext, ExperimentQueue } from './context';
import type { SupernetRequest } from './runs';

/** Attempts of an experiment's job before it is parked (as `sweep submit`'s default). */
const ATTEMPTS = 3;

/** The train job that trains `request` (the same run folder a local run writes), or why none. */
export function supernetJob(
  ctx: Pick<ExperimentContext, 'scale' | 'dataSource'>,
  request: SupernetRequest,
): { job: ResolvedJob } | { reason: string } {
  if (request.subspace) return { reason: 'a reduced-space supernet is not a train job' };
  if (ctx.dataSource) {
    return {
      reason: `the experiment reads its dataset from ${ctx.dataSource}; workers load the standard one`,
    };
  }
  const h = request.hyper;
  const spec: TrainJobSpec = {
    stage: 'train',
    space: 'nb201',
    scale: ctx.scale,
    dataset: request.dataset,
    seed: request.seed,
    epochs: h.epochs,
    batchSize: h.batchSize,
    lr: h.lr,
    weightDecay: h.weightDecay,
    trainImages: h.trainImages ?? 'all',
    validImages: h.validImages ?? 'all',
    channels: h.channels,
    cells: h.cellsPerStage,
    sampler: h.sampler as TrainJobSpec['sampler'],
    checkpointEpochs: [...h.checkpointEpochs],
  };
  let job: ResolvedJob;
  try {
    job = resolveJob(spec, `supernet ${request.purpose}`);
  } catch (err) {
    return { reason: (err as Error).message };
  }
  // Everything the spec does not carry, the train command takes from the scale's preset: each
  // setting of the request must be what the job will use.
  const preset = spaceBinding('nb201').preset(ctx.scale);
  const s = job.spec as TrainJobSpec;
  const all = (n: number | 'all' | undefined) => (n === 'all' ? null : n);
  const jobSide: Record<string, unknown> = {
    ...preset.supernet,
    epochs: s.epochs,
    batchSize: s.batchSize,
    lr: s.lr,
    weightDecay: s.weightDecay,
    checkpointEpochs: s.checkpointEpochs,
    sampler: s.sampler,
    channels: s.channels,
    cellsPerStage: s.cells,
    trainImages: all(s.trainImages),
    validImages: all(s.validImages),
    validFraction: preset.data.kind === 'images' ? preset.data.validFraction : undefined,
  };
  const wanted: Record<string, unknown> = {
    ...h,
    checkpointEpochs: [...new Set(h.checkpointEpochs)].sort((a, b) => a - b),
  };
  const differ = Object.keys(wanted).filter(
    (k) => JSON.stringify(wanted[k]) !== JSON.stringify(jobSide[k]),
  );
  if (differ.length > 0) {
    const k = differ[0];
    return {
      reason:
        `its ${k} ${JSON.stringify(wanted[k])} is not what a train job at scale ${ctx.scale} uses ` +
        `(${JSON.stringify(jobSide[k])})${differ.length > 1 ? ` (and ${differ.slice(1).join(', ')})` : ''}`,
    };
  }
  return { job };
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
 * Submits the train jobs of `requests` (those a job can reproduce) without waiting, so the
 * workers train them side by side while the experiment awaits them one by one. A no-op
 * without a queue.
 */
export async function submitSupernets(
  ctx: ExperimentContext,
  requests: readonly SupernetRequest[],
): Promise<void> {
  const q = ctx.queue;
  if (!q) return;
  const jobs = requests.flatMap((r) => {
    const m = supernetJob(ctx, r);
    return 'job' in m ? [m.job] : [];
  });
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

/**
 * Trains `request` on the queue: submits its job (a no-op when it is queued or done) and waits
 * until a worker has finished it. Returns the job, or null with the reason logged when the
 * request is no train job (the caller then trains it here).
 */
export async function trainOnQueue(
  ctx: ExperimentContext,
  request: SupernetRequest,
): Promise<ResolvedJob | null> {
  const q = ctx.queue;
  if (!q) return null;
  const m = supernetJob(ctx, request);
  if ('reason' in m) {
    ctx.log(
      `supernet ${request.purpose} seed ${request.seed} trains here, not on the queue: ${m.reason}`,
    );
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
    ctx.log(
      `supernet ${request.purpose} seed ${request.seed}: job ${m.job.id} ${s.added.length ? 'submitted' : 'already queued'}, waiting for a worker`,
    );
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
