/**
 * kill -9 of a sweep worker: a tiny sweep (one smoke nb201 supernet on 32 images, two
 * checkpoints, 4 architectures scored at each) runs once locally without a queue (the
 * reference tables), then per trial on a fresh redis-server: the sweep is planned and submitted
 * to the queue, a `supernet-lab worker` is started and killed -9 (its whole process group: the
 * job process too) at a random moment of a job it runs, one to three times, a fresh worker each
 * time, and a last worker is left to finish. A trial survives when every job completed exactly
 * once (queue state completed, one successful attempt in its job log, each training epoch logged
 * once) and the collected tables are bit-identical to the reference. A sweep that does not
 * finish (a job parked, failed or stuck) is a lost run; one that finishes with other tables or
 * a job run twice to completion is a silent wrong result.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Queue } from 'bullmq';
import { Rng } from '../../src/engine/random';
import { collectTables } from '../../src/sweep/collect';
import { planGrid } from '../../src/sweep/grid';
import { runLocal } from '../../src/sweep/local';
import { connectQueue, submitJobs } from '../../src/sweep/queue';
import type { ResolvedJob } from '../../src/sweep/spec';
import {
  isDone,
  jobLogPath,
  readDone,
  readParked,
  runDir,
  writePlan,
} from '../../src/sweep/storage';
import { TestRedis, redisServerAvailable } from '../../test/sweep/redis';
import { newResult, runCli, skipped, tail, tempDir, timed, type DrillResult } from './common';

/** The grid: the smallest sweep that trains (and scores) a supernet. */
export const DRILL_GRID = [
  'name: drill-sweep-worker',
  'scale: smoke',
  'spaces: [nb201]',
  'seeds: [0]',
  'train: {epochs: 2, checkpointEpochs: [1, 2], trainImages: 32, validImages: 32, batchSize: 16}',
  'score: {sample: 4, archSeed: 1, epoch: all}',
  '',
].join('\n');

/** A dead worker's job moves on after about this long. */
const LOCK_SECONDS = 2;

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

async function until(ms: number, check: () => boolean | Promise<boolean>): Promise<boolean> {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) return false;
    await sleep(100);
  }
  return true;
}

/** The tables `sweep collect` writes, as CSV text. */
function tablesOf(storage: string, jobs: readonly ResolvedJob[]): string {
  const t = collectTables(storage, jobs);
  return [t.scores, t.groundtruth, t.metrics].map((x) => x.toCSV()).join('\n--\n');
}

/** Attempts of a job so far (the worker logs each one before it forks the job's process). */
function attempts(storage: string, id: string): number {
  const log = jobLogPath(storage, id);
  if (!fs.existsSync(log)) return 0;
  return fs
    .readFileSync(log, 'utf8')
    .split('\n')
    .filter((l) => l.startsWith('=== attempt ')).length;
}

/** A worker process (its own process group) and how to kill -9 it. */
function startWorker(url: string, storage: string) {
  let kill!: () => void;
  const killed = new Promise<void>((resolve) => (kill = resolve));
  const args = ['worker', '--queue', url, '--storage', storage];
  const done = runCli([...args, '--lock-seconds', String(LOCK_SECONDS)], { killWhen: killed });
  return { done, kill };
}

/** Why the sweep is not complete exactly once, or null when it is. */
async function exactlyOnce(
  queue: Queue,
  storage: string,
  jobs: readonly ResolvedJob[],
): Promise<string | null> {
  for (const j of jobs) {
    const state = await queue.getJobState(j.id);
    if (state !== 'completed') return `${j.id} is ${state} in the queue`;
    const exits = fs
      .readFileSync(jobLogPath(storage, j.id), 'utf8')
      .split('\n')
      .filter((l) => l.startsWith('=== exit 0 ')).length;
    if (exits !== 1) return `${j.id} ran to completion ${exits} times`;
    if (j.spec.stage === 'train') {
      const epochs = fs
        .readFileSync(path.join(runDir(storage, j.id), 'log.jsonl'), 'utf8')
        .trim()
        .split('\n')
        .map((l) => (JSON.parse(l) as { epoch: number }).epoch);
      const want = Array.from({ length: j.spec.epochs ?? 0 }, (_, i) => i + 1);
      if (JSON.stringify(epochs) !== JSON.stringify(want)) {
        return `${j.id} logged epochs ${epochs.join(',')}, not ${want.join(',')} once each`;
      }
    }
  }
  return null;
}

export async function sweepWorkerDrill(trials: number, rng: Rng): Promise<DrillResult> {
  if (!redisServerAvailable()) {
    return skipped('kill', 'sweep-worker', 'redis-server is not installed (apt install redis)');
  }
  const result = newResult('kill', 'sweep-worker');
  return timed(result, async () => {
    const gridDir = tempDir('sweep-worker-grid');
    const gridFile = path.join(gridDir, 'drill-sweep-worker.yaml');
    fs.writeFileSync(gridFile, DRILL_GRID);
    const plan = planGrid(gridFile);

    const refStorage = tempDir('sweep-worker-ref');
    const t0 = Date.now();
    const ref = await runLocal(plan.jobs, { storage: refStorage, workers: 1, attempts: 1 });
    if (ref.done.length !== plan.jobs.length) {
      result.lost++;
      const why = [...ref.parked, ...ref.blocked].map((id) => readParked(refStorage, id)?.error);
      result.notes.push(`reference sweep failed: ${why.join('; ')}`);
      return;
    }
    const expected = tablesOf(refStorage, plan.jobs);
    // A kill lands at a random moment of a job's run time in the undisturbed sweep.
    const jobSeconds = new Map(plan.jobs.map((j) => [j.id, readDone(refStorage, j.id)!.seconds]));
    const kills: { job: string; afterMs: number; midJob: boolean }[] = [];
    result.data = { jobs: plan.jobs.length, referenceSeconds: (Date.now() - t0) / 1000, kills };
    // Generous: a stuck sweep is a lost run, not a hang of the drills.
    const budgetMs = 60_000 + 20 * (Date.now() - t0);

    for (let t = 0; t < trials; t++) {
      const trial = `trial ${t + 1}`;
      result.tried++;
      const redis = await TestRedis.create();
      const storage = tempDir('sweep-worker');
      const workers: ReturnType<typeof startWorker>[] = [];
      let queue: Queue | undefined;
      try {
        writePlan(storage, plan);
        queue = await connectQueue(redis.url);
        await submitJobs(queue, storage, plan.jobs, { attempts: 3 });
        const killCount = 1 + Math.floor(rng.next() * 3);
        const end = Date.now() + budgetMs;
        let stuck = '';
        for (let k = 0; k < killCount && !stuck; k++) {
          const pending = plan.jobs.filter((j) => !isDone(storage, j.id));
          if (pending.length === 0) break;
          const w = startWorker(redis.url, storage);
          workers.push(w);
          const job = pending[Math.floor(rng.next() * pending.length)];
          const before = attempts(storage, job.id);
          const started = await until(end - Date.now(), () => attempts(storage, job.id) > before);
          if (!started) {
            stuck = `${job.id} never started (kill ${k + 1})`;
            break;
          }
          const afterMs = Math.round(rng.next() * jobSeconds.get(job.id)! * 1000);
          await sleep(afterMs);
          kills.push({ job: job.spec.stage, afterMs, midJob: !isDone(storage, job.id) });
          w.kill();
          await w.done;
        }
        if (!stuck) {
          // The last worker is left alone until every job is completed in the queue.
          const last = startWorker(redis.url, storage);
          workers.push(last);
          const q = queue;
          const finished = await until(end - Date.now(), async () => {
            if (plan.jobs.some((j) => readParked(storage, j.id))) return true;
            const states = await Promise.all(plan.jobs.map((j) => q.getJobState(j.id)));
            return states.every((s) => s === 'completed' || s === 'failed');
          });
          const parked = plan.jobs.find((j) => readParked(storage, j.id));
          if (parked) stuck = `${parked.id} parked: ${readParked(storage, parked.id)!.error}`;
          else if (!finished) stuck = `not finished after ${Math.round(budgetMs / 1000)} s`;
        }
        if (stuck) {
          result.lost++;
          const last = workers.at(-1);
          last?.kill();
          const stderr = last ? (await last.done).stderr : '';
          result.notes.push(`${trial}: ${stuck}; last worker: ${tail(stderr)}`);
          continue;
        }
        const wrong = (await exactlyOnce(queue, storage, plan.jobs)) ?? '';
        if (wrong || tablesOf(storage, plan.jobs) !== expected) {
          result.silentWrong++;
          result.notes.push(
            `${trial}: ${wrong || 'the tables differ from the undisturbed local sweep'}`,
          );
        } else {
          result.ok++;
        }
      } finally {
        for (const w of workers) w.kill();
        await Promise.all(workers.map((w) => w.done));
        await queue?.close();
        await redis.stop();
      }
      if (result.ok === result.tried) fs.rmSync(storage, { recursive: true, force: true });
    }
    fs.rmSync(refStorage, { recursive: true, force: true });
  });
}
