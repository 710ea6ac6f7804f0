/**
 * Waiting for queued jobs from the process that needs their results (an experiment, a notebook):
 * a progress line (done / running / waiting of the jobs it submitted, an ETA, what the running
 * ones print, how many workers are connected) and a clear error when a job it needs is parked or
 * finished where this process cannot see it. The storage root stays the record of what is done.
 */
import type { Queue } from 'bullmq';
import { BadInputError } from '../errors';
import { formatDuration } from '../train/progress';
import { safeUrl, submitJobs } from './queue';
import { describeJob, type ResolvedJob } from './spec';
import { sweepStatus, type SweepStatus } from './status';
import { isDone, jobLogPath, readParked } from './storage';

/** A job an awaiting process needs was parked (or the queue and the storage root disagree). */
export class QueuedJobError extends BadInputError {
  override name = 'QueuedJobError';
}

export interface AwaitOptions {
  /** The queue's URL (for messages). */
  url: string;
  storage: string;
  /** Jobs counted in the progress line (default: the awaited ones); they include those. */
  among?: readonly ResolvedJob[];
  /** Attempts of a job submitted again because the queue lost it (default 3). */
  attempts?: number;
  /** What to say when a job is parked, after the error: how to run it again. */
  retryHint?: string;
  log: (line: string) => void;
  /** Poll interval (default 2000 ms). */
  pollMs?: number;
  /** A progress line at least this often when no count changes (default 15 s). */
  reportMs?: number;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** The progress line: counts, ETA, connected workers and each running job's last line. */
export function formatAwaitLine(
  s: SweepStatus,
  workers: number | null,
  etaSeconds: number | null,
): string {
  const c = s.counts;
  const parts = [`${c.done}/${s.total} done`, `${c.running} running`, `${c.waiting} waiting`];
  if (c.parked > 0) parts.push(`${c.parked} parked`);
  if (etaSeconds !== null) parts.push(`ETA ${formatDuration(etaSeconds)}`);
  if (workers !== null) parts.push(`${workers} worker${workers === 1 ? '' : 's'} connected`);
  const running = s.workers.flatMap((w) =>
    w.running.map((r) => `${r.id} on ${w.worker}${r.line ? `: ${r.line}` : ''}`),
  );
  return `queue: ${parts.join(', ')}${running.length ? ` | ${running.join(' | ')}` : ''}`;
}

/**
 * Resolves when every job of `jobs` is done in the storage root (done.json written by whichever
 * worker ran it); throws QueuedJobError naming the job and its error when one is parked. A job
 * the queue no longer holds (a Redis that lost its data) is submitted again.
 */
export async function awaitJobs(
  queue: Queue,
  jobs: readonly ResolvedJob[],
  options: AwaitOptions,
): Promise<void> {
  const among = options.among ?? jobs;
  const pollMs = options.pollMs ?? 2000;
  const reportMs = options.reportMs ?? 15_000;
  const started = Date.now();
  const doneAtStart = among.filter((j) => isDone(options.storage, j.id)).length;
  let lastKey = '';
  let lastReport = 0;
  for (;;) {
    const s = await sweepStatus(options.storage, among, queue);
    for (const j of jobs) {
      const state = s.states[j.id];
      if (state === 'parked') {
        const p = readParked(options.storage, j.id);
        const error = (p?.error ?? s.parked.find((x) => x.id === j.id)?.error ?? '').split('\n')[0];
        throw new QueuedJobError(
          `queued job ${describeJob(j)} is parked${p ? ` after ${p.attempts} attempt(s)` : ''}: ${error || 'no error recorded'} ` +
            `(log: ${jobLogPath(options.storage, j.id)})${options.retryHint ? `; ${options.retryHint}` : ''}`,
        );
      }
      if (state === 'done' && !isDone(options.storage, j.id)) {
        throw new QueuedJobError(
          `queued job ${j.id} is done in the queue at ${safeUrl(options.url)} but has no done.json under ${options.storage}: ` +
            `do the workers use this storage root (worker --storage ${options.storage})?`,
        );
      }
    }
    if (jobs.every((j) => isDone(options.storage, j.id))) return;
    const lost = jobs.filter((j) => s.states[j.id] === 'unsubmitted');
    if (lost.length > 0) {
      await submitJobs(queue, options.storage, lost, { attempts: options.attempts ?? 3 });
    }
    // ETA from this wait's own rate (jobs done long ago say nothing about the workers now);
    // a running job's line carries its trainer's ETA.
    const doneNow = s.counts.done - doneAtStart;
    const remaining = s.total - s.counts.done - s.counts.parked;
    const elapsed = (Date.now() - started) / 1000;
    const eta = doneNow > 0 && remaining > 0 ? (elapsed / doneNow) * remaining : null;
    const workers = await queue.getWorkersCount().catch(() => null);
    // A line when a count changes, else every reportMs (running jobs print every second).
    const key = JSON.stringify([s.counts, workers]);
    if (key !== lastKey || Date.now() - lastReport >= reportMs) {
      const line = formatAwaitLine(s, workers, eta);
      const hint =
        workers === 0
          ? ` (start one: supernet-lab worker --queue ${safeUrl(options.url)} --storage ${options.storage})`
          : '';
      options.log(line + hint);
      lastKey = key;
      lastReport = Date.now();
    }
    await sleep(pollMs);
  }
}
