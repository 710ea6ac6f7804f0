/**
 * Where a sweep stands: each job's state (from the storage root, and from the queue when there
 * is one), per-worker activity, throughput over the finished jobs and an ETA.
 */
import type { Queue } from 'bullmq';
import { formatDuration } from '../train/progress';
import type { ResolvedJob } from './spec';
import { jobHolder, readDone, readParked, type DoneRecord } from './storage';

export const JOB_STATES = ['done', 'running', 'waiting', 'parked', 'unsubmitted'] as const;
export type JobState = (typeof JOB_STATES)[number];

export interface WorkerActivity {
  worker: string;
  done: number;
  /** Jobs it runs now, with their last progress line (queue only). */
  running: { id: string; line?: string }[];
}

export interface SweepStatus {
  total: number;
  counts: Record<JobState, number>;
  states: Record<string, JobState>;
  workers: WorkerActivity[];
  /** Jobs finished per hour over the recent finished jobs (null: fewer than two). */
  jobsPerHour: number | null;
  etaSeconds: number | null;
  /** Parked jobs with their errors. */
  parked: { id: string; error: string }[];
}

const QUEUE_STATE: Record<string, JobState> = {
  active: 'running',
  waiting: 'waiting',
  delayed: 'waiting',
  prioritized: 'waiting',
  'waiting-children': 'waiting',
  completed: 'done',
  failed: 'parked',
};

/** Jobs per hour from finish times (the last `window` of them). */
export function throughput(done: readonly DoneRecord[], window = 50): number | null {
  const times = done.map((d) => Date.parse(d.finishedAt)).sort((a, b) => a - b);
  const recent = times.slice(-window);
  if (recent.length < 2) return null;
  const span = (recent[recent.length - 1] - recent[0]) / 3_600_000;
  return span > 0 ? (recent.length - 1) / span : null;
}

export async function sweepStatus(
  storage: string,
  jobs: readonly ResolvedJob[],
  queue?: Queue,
): Promise<SweepStatus> {
  const states: Record<string, JobState> = {};
  const done: DoneRecord[] = [];
  const parked: { id: string; error: string }[] = [];
  const byWorker = new Map<string, WorkerActivity>();
  const activity = (w: string) => {
    if (!byWorker.has(w)) byWorker.set(w, { worker: w, done: 0, running: [] });
    return byWorker.get(w)!;
  };
  const open: ResolvedJob[] = [];
  for (const j of jobs) {
    const d = readDone(storage, j.id);
    const p = d ? null : readParked(storage, j.id);
    if (d) {
      states[j.id] = 'done';
      done.push(d);
      activity(d.worker).done++;
    } else if (p) {
      states[j.id] = 'parked';
      parked.push({ id: j.id, error: p.error });
    } else open.push(j);
  }
  if (queue) {
    const found = await Promise.all(open.map((j) => queue.getJob(j.id)));
    const queueStates = await Promise.all(found.map((job) => (job ? job.getState() : 'unknown')));
    open.forEach((j, i) => {
      states[j.id] = QUEUE_STATE[queueStates[i]] ?? 'unsubmitted';
      const job = found[i];
      const progress = job?.progress as { worker?: string; line?: string } | undefined;
      if (states[j.id] === 'running' && progress?.worker) {
        activity(progress.worker).running.push({ id: j.id, line: progress.line });
      }
      if (states[j.id] === 'parked') parked.push({ id: j.id, error: job?.failedReason ?? '' });
    });
  } else {
    for (const j of open) {
      const holder = jobHolder(storage, j.id);
      states[j.id] = holder ? 'running' : 'waiting';
      if (holder) activity(`${holder.host}:${holder.pid}`).running.push({ id: j.id });
    }
  }
  const counts = Object.fromEntries(JOB_STATES.map((s) => [s, 0])) as Record<JobState, number>;
  for (const s of Object.values(states)) counts[s]++;
  const jobsPerHour = throughput(done);
  const remaining = counts.running + counts.waiting + counts.unsubmitted;
  return {
    total: jobs.length,
    counts,
    states,
    workers: [...byWorker.values()].sort((a, b) => a.worker.localeCompare(b.worker)),
    jobsPerHour,
    etaSeconds: jobsPerHour && remaining > 0 ? (remaining / jobsPerHour) * 3600 : null,
    parked,
  };
}

/** The status as lines for a terminal. */
export function formatStatus(name: string, s: SweepStatus): string {
  const counts = JOB_STATES.map((k) => `${s.counts[k]} ${k}`).join(', ');
  const lines = [`sweep ${name}: ${s.total} jobs: ${counts}`];
  if (s.jobsPerHour !== null) {
    const eta = s.etaSeconds === null ? '' : `, ETA ${formatDuration(s.etaSeconds)}`;
    lines.push(`throughput ${s.jobsPerHour.toFixed(1)} jobs/hour${eta}`);
  }
  for (const w of s.workers) {
    const now = w.running.map((r) => `${r.id}${r.line ? ` (${r.line})` : ''}`).join('; ');
    lines.push(`  worker ${w.worker}: ${w.done} done${now ? `, running ${now}` : ''}`);
  }
  for (const p of s.parked) lines.push(`  parked ${p.id}: ${p.error.split('\n')[0]}`);
  return lines.join('\n') + '\n';
}
