/**
 * The embedded default: a sweep's jobs run in local worker processes (one per core unless told
 * otherwise), dependencies first, with the same attempts, parking and folders as the queue
 * workers, so a laptop needs no Redis and the tables come out the same.
 */
import { runJob, type JobOutcome } from './execute';
import type { ResolvedJob } from './spec';
import { isDone, readParked, writeParked } from './storage';

export interface LocalRunOptions {
  storage: string;
  /** Jobs running at once (default: one per core). */
  workers: number;
  /** Attempts before a job is parked (default 3). */
  attempts?: number;
  engine?: string;
  threads?: number;
  /** Wait before asking again for a job another process holds (default 2000 ms). */
  busyPollMs?: number;
  /** One line per event (started, done, failed, parked). */
  onEvent?: (line: string) => void;
}

export interface LocalRunSummary {
  done: string[];
  parked: string[];
  /** Jobs not run because a dependency was parked. */
  blocked: string[];
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Runs every job of `jobs` that is not done yet; resolves when none is left to run. */
export async function runLocal(
  jobs: readonly ResolvedJob[],
  options: LocalRunOptions,
): Promise<LocalRunSummary> {
  const root = options.storage;
  const attempts = options.attempts ?? 3;
  const say = options.onEvent ?? (() => {});
  const summary: LocalRunSummary = { done: [], parked: [], blocked: [] };
  const parked = new Set<string>();
  const tries = new Map<string, number>();
  let pending = jobs.filter((j) => {
    if (isDone(root, j.id)) summary.done.push(j.id);
    else if (readParked(root, j.id)) parked.add(j.id);
    else return true;
    return false;
  });
  summary.parked.push(...parked);
  const running = new Set<string>();
  const finished = new Set(summary.done);
  const waitUntil = new Map<string, number>();

  const next = (): ResolvedJob | undefined =>
    pending.find(
      (j) =>
        !running.has(j.id) &&
        (waitUntil.get(j.id) ?? 0) <= Date.now() &&
        j.after.every((d) => finished.has(d) || isDone(root, d)),
    );
  const settle = (job: ResolvedJob, outcome: JobOutcome) => {
    const attempt = tries.get(job.id)!;
    if (outcome.kind === 'done') {
      finished.add(job.id);
      summary.done.push(job.id);
      pending = pending.filter((j) => j.id !== job.id);
      say(
        `done ${job.id}${outcome.skipped ? ' (already done)' : ` in ${outcome.record.seconds.toFixed(1)} s`}`,
      );
      return;
    }
    if (outcome.kind === 'busy') {
      tries.set(job.id, attempt - 1); // not an attempt: someone else runs it
      waitUntil.set(job.id, Date.now() + (options.busyPollMs ?? 2000));
      say(`busy ${job.id}: held by another process, trying later`);
      return;
    }
    say(`failed ${job.id} (attempt ${attempt}/${attempts}): ${outcome.error}`);
    if (attempt < attempts) return;
    const { error, logTail } = outcome;
    writeParked(root, { id: job.id, error, logTail, attempts: attempt });
    parked.add(job.id);
    summary.parked.push(job.id);
    pending = pending.filter((j) => j.id !== job.id);
    say(`parked ${job.id} after ${attempt} attempts`);
  };
  const blockParkedDependents = () => {
    for (;;) {
      const blocked = pending.filter((j) =>
        j.after.some((d) => parked.has(d) || summary.blocked.includes(d)),
      );
      if (blocked.length === 0) return;
      for (const j of blocked) {
        summary.blocked.push(j.id);
        say(`blocked ${j.id}: needs ${j.after.filter((d) => !finished.has(d)).join(', ')}`);
      }
      pending = pending.filter((j) => !blocked.includes(j));
    }
  };

  const slot = async (): Promise<void> => {
    for (;;) {
      blockParkedDependents();
      if (pending.length === 0) return;
      const job = next();
      if (!job) {
        const waiting = pending.some((j) => (waitUntil.get(j.id) ?? 0) > Date.now());
        if (running.size === 0 && !waiting) {
          // Nothing runs and nothing can start: the rest needs jobs that are not in the list.
          for (const j of pending) say(`blocked ${j.id}: needs ${j.after.join(', ')}`);
          summary.blocked.push(...pending.map((j) => j.id));
          pending = [];
          return;
        }
        await sleep(50);
        continue;
      }
      running.add(job.id);
      const attempt = (tries.get(job.id) ?? 0) + 1;
      tries.set(job.id, attempt);
      say(`start ${job.id} (attempt ${attempt})`);
      const { engine, threads } = options;
      try {
        settle(job, await runJob(job, { storage: root, attempt, engine, threads }));
      } finally {
        running.delete(job.id);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, options.workers) }, slot));
  return summary;
}
