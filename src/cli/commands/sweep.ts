import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Queue } from 'bullmq';
import { UsageError, intOption, stringOption, type Command, type OptionValues } from '../command';
import { collectTables, writeTables } from '../../sweep/collect';
import { defaultBenchFile, estimateSweep, formatEstimate } from '../../sweep/estimate';
import { planGrid } from '../../sweep/grid';
import { runLocal } from '../../sweep/local';
import { formatStatus, sweepStatus } from '../../sweep/status';
import {
  clearParked,
  defaultStorageRoot,
  readParked,
  readPlan,
  writePlan,
  type SweepPlan,
} from '../../sweep/storage';
import { defaultWorkers, printJson } from './run-options';

const SUBCOMMANDS = ['plan', 'submit', 'status', 'collect', 'retry'] as const;

type QueueModule = typeof import('../../sweep/queue');
/** The queue module, loaded only when --queue is given (BullMQ and ioredis are big). */
const queueModule = async (): Promise<QueueModule> => require('../../sweep/queue') as QueueModule;

/** Runs `use` with the queue at `url` connected (none without --queue), then closes it. */
async function withQueue<T>(url: string | undefined, use: (queue?: Queue) => Promise<T>) {
  const queue = url === undefined ? undefined : await (await queueModule()).connectQueue(url);
  try {
    return await use(queue);
  } finally {
    await queue?.close();
  }
}

const isGridFile = (target: string) => /\.(ya?ml|json)$/i.test(target) && fs.existsSync(target);

/** The sweep a positional names: a grid file (planned now) or the name of a planned sweep. */
function sweepOf(storage: string, target: string | undefined, sub: string): SweepPlan {
  if (target === undefined) {
    throw new UsageError(`sweep ${sub} needs a sweep name or a grid file (YAML or JSON)`);
  }
  if (isGridFile(target)) {
    const plan = planGrid(target);
    writePlan(storage, plan);
    return plan;
  }
  if (/\.(ya?ml|json)$/i.test(target)) throw new UsageError(`grid file ${target} does not exist`);
  return readPlan(storage, target);
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Prints the status every 2 s until no job is left to run; the exit code (1: a job is parked). */
function watch(storage: string, plan: SweepPlan, url: string | undefined): Promise<number> {
  return withQueue(url, async (queue) => {
    let last = '';
    for (;;) {
      const s = await sweepStatus(storage, plan.jobs, queue);
      const text = formatStatus(plan.name, s);
      if (text !== last) process.stderr.write(`${new Date().toISOString()} ${text}`);
      last = text;
      if (s.counts.done + s.counts.parked === s.total) return s.counts.parked === 0 ? 0 : 1;
      await sleep(2000);
    }
  });
}

async function submit(
  values: OptionValues,
  storage: string,
  plan: SweepPlan,
  url: string | undefined,
): Promise<number> {
  const attempts = () => intOption(values, 'attempts', 3, 1, 100);
  if (url === undefined) {
    const workers = intOption(values, 'workers', defaultWorkers(), 1, 1024);
    process.stderr.write(
      `sweep ${plan.name}: ${plan.jobs.length} jobs on ${workers} local worker process(es) -> ${storage}\n`,
    );
    const summary = await runLocal(plan.jobs, {
      storage,
      workers,
      attempts: attempts(),
      engine: typeof values['engine'] === 'string' ? values['engine'] : undefined,
      threads: intOption(values, 'threads', 1, 1, 1024),
      onEvent: (line) => process.stderr.write(`sweep ${plan.name}: ${line}\n`),
    });
    const { done, parked, blocked } = summary;
    printJson({ sweep: plan.name, done: done.length, parked, blocked });
    return parked.length + blocked.length === 0 ? 0 : 1;
  }
  const { safeUrl, submitJobs } = await queueModule();
  await withQueue(url, async (queue) => {
    const s = await submitJobs(queue!, storage, plan.jobs, { attempts: attempts() });
    printJson({
      sweep: plan.name,
      queue: safeUrl(url),
      added: s.added.length,
      alreadyQueued: s.queued.length,
      alreadyDone: s.done.length,
    });
  });
  return values['wait'] === true ? watch(storage, plan, url) : 0;
}

export const sweepCommand: Command = {
  name: 'sweep',
  summary:
    'Experiment grids as jobs: plan, submit (local processes or a Redis queue), status, collect, retry.',
  details: `
Usage: supernet-lab sweep plan GRID [--estimate]     expand a grid file into jobs
       supernet-lab sweep submit GRID|NAME [--queue redis://host:6379] [--wait]
       supernet-lab sweep status NAME [--queue ...] [--watch]
       supernet-lab sweep collect NAME                tables/scores.csv, groundtruth.csv, metrics.csv,
                                                      subspaces.csv
       supernet-lab sweep retry NAME [--queue ...]    re-run parked jobs
A grid (YAML or JSON; see grids/ and README "Sweeps") lists spaces x datasets x scales x seeds x
train settings (samplers, budgets, LR/WD) x search methods, with score and ground-truth stages
(groundtruth.shards: K splits each list into K jobs; collect joins them) and reduced / pruned
NB-201 spaces (subspace: reduction, factor, repeats, sample).
Each job is one supernet-lab command (train, evaluate, groundtruth, search, subspace) with an id derived
from its resolved configuration: the same job planned twice is one job, with one run folder.
The storage root (--storage, all workers mount it) holds runs/<job>, jobs/<job> (lock, log,
done.json, parked.json) and sweeps/<name>/ (plan.json, tables/).
Without --queue, submit runs the jobs here in --workers processes (one per core) and returns
when they are done. With --queue, submit enqueues them (a job already queued or done is left
alone: submitting twice is a no-op) and 'supernet-lab worker --queue URL --storage DIR' on any
machine runs them; --wait follows the sweep until it is finished. A job that fails --attempts
times is parked with its error and log tail; a job waiting for a parked one is parked as blocked.
Two machines: start Redis on one (redis-server --bind 0.0.0.0 --requirepass SECRET --appendonly
yes), there 'sweep submit grid.yaml --queue redis://:SECRET@host:6379 --storage /shared/sweeps',
and on each machine 'supernet-lab worker --queue redis://:SECRET@host:6379 --storage /shared/sweeps'.
Queue URLs: redis://[user:password@]host[:port][/db], rediss://... for TLS.`,
  options: {
    storage: {
      type: 'string',
      description: 'storage root shared by all workers',
      default: '$SUPERNET_LAB_STORAGE or kernels-data/sweeps',
    },
    queue: { type: 'string', description: 'Redis URL of the job queue (default: run locally)' },
    estimate: {
      type: 'boolean',
      description: 'plan: print job counts and compute hours per engine',
    },
    bench: {
      type: 'string',
      description: 'plan --estimate: bench report JSON',
      default: 'newest in kernels-data/bench',
    },
    workers: {
      type: 'string',
      description: 'submit without --queue: local worker processes',
      default: 'one per core',
    },
    attempts: {
      type: 'string',
      description: 'submit: attempts before a job is parked',
      default: '3',
    },
    engine: { type: 'string', description: 'submit without --queue: tensor engine of the jobs' },
    threads: {
      type: 'string',
      description: 'submit without --queue: compute threads per job',
      default: '1',
    },
    wait: { type: 'boolean', description: 'submit --queue: follow the sweep until it is finished' },
    watch: { type: 'boolean', description: 'status: print the status until the sweep is finished' },
    json: { type: 'boolean', description: 'plan, status: print JSON' },
  },
  positionals: true,
  async run(values, positionals) {
    const [sub, target, ...extra] = positionals;
    if (sub === undefined || !(SUBCOMMANDS as readonly string[]).includes(sub)) {
      throw new UsageError(
        `sweep needs a subcommand: ${SUBCOMMANDS.join(', ')}${sub === undefined ? '' : `; got ${JSON.stringify(sub)}`}`,
      );
    }
    if (extra.length > 0)
      throw new UsageError(`sweep ${sub}: unexpected argument ${JSON.stringify(extra[0])}`);
    const storage = path.resolve(stringOption(values, 'storage', defaultStorageRoot()));
    const url = typeof values['queue'] === 'string' ? values['queue'] : undefined;
    if (sub === 'plan') {
      if (target === undefined || !isGridFile(target)) {
        throw new UsageError(
          `sweep plan needs a grid file (.yaml, .yml or .json)${target ? `; ${target} is not one` : ''}`,
        );
      }
      const plan = sweepOf(storage, target, sub);
      const estimate = values['estimate']
        ? estimateSweep(
            plan.jobs,
            typeof values['bench'] === 'string' ? values['bench'] : defaultBenchFile(),
          )
        : undefined;
      if (values['json']) {
        printJson({ sweep: plan.name, jobs: plan.jobs.length, estimate });
      } else {
        process.stdout.write(
          `sweep ${plan.name}: ${plan.jobs.length} jobs -> ${path.join(storage, 'sweeps', plan.name, 'plan.json')}\n`,
        );
        if (estimate) process.stdout.write(formatEstimate(plan.name, estimate));
      }
      return 0;
    }
    const plan = sweepOf(storage, target, sub);
    if (sub === 'submit') return submit(values, storage, plan, url);
    if (sub === 'status') {
      if (values['watch']) return watch(storage, plan, url);
      const s = await withQueue(url, (queue) => sweepStatus(storage, plan.jobs, queue));
      process.stdout.write(values['json'] ? JSON.stringify(s) + '\n' : formatStatus(plan.name, s));
      return 0;
    }
    if (sub === 'collect') {
      const tables = collectTables(storage, plan.jobs);
      const files = writeTables(storage, plan.name, tables);
      printJson({
        sweep: plan.name,
        scores: tables.scores.numRows(),
        groundtruth: tables.groundtruth.numRows(),
        metrics: tables.metrics.numRows(),
        subspaces: tables.subspaces.numRows(),
        files,
      });
      return 0;
    }
    // retry
    const parked = plan.jobs.filter((j) => readParked(storage, j.id)).map((j) => j.id);
    if (url === undefined) {
      for (const id of parked) clearParked(storage, id);
      process.stderr.write(
        `sweep ${plan.name}: ${parked.length} parked job(s) cleared; running the sweep\n`,
      );
      return submit(values, storage, plan, url);
    }
    const { retryParked } = await queueModule();
    const all = plan.jobs.map((j) => j.id);
    const ids = await withQueue(url, (queue) => retryParked(queue!, storage, all));
    printJson({ sweep: plan.name, requeued: ids.length, ids });
    return 0;
  },
};
