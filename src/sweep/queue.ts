/**
 * Sweeps on a real job queue: BullMQ on Redis. `submitJobs` enqueues resolved jobs under their
 * ids (BullMQ ignores an id it already holds, so submitting twice is a no-op); `startWorker`
 * pulls jobs on any machine that mounts the storage root and runs them with runJob. Delivery is
 * at least once: BullMQ holds a lock per active job that the worker renews while it works; a
 * worker that dies stops renewing, and the stalled-job check of any other worker hands the job
 * on. Jobs are idempotent (done.json, run-folder resume), a job's lease lock keeps two live
 * processes off one job, and a job failing `attempts` times is parked (BullMQ's failed set plus
 * jobs/<id>/parked.json with its error and log tail).
 *
 * A payload is data: {schema, id, spec}. The worker checks the spec against the schema and
 * recomputes the id from it before anything runs; a malformed, unknown or altered job fails at
 * once with the reason and is never executed.
 */
import {
  DelayedError,
  Queue,
  UnrecoverableError,
  Worker,
  type Job,
  type RedisOptions,
} from 'bullmq';
import * as fs from 'node:fs';
import { BadInputError } from '../errors';
import { runJob, type JobOutcome, type RunJobOptions } from './execute';
import { describeJob, resolveJob, type JobSpec, type ResolvedJob } from './spec';
import { isDone, readParked, workerName, writeParked, clearParked } from './storage';

/** The BullMQ queue every sweep uses (job ids are global: one job, one run folder). */
export const QUEUE_NAME = 'supernet-lab';

/** PEM file of the CA that signed the Redis server's certificate (rediss:// URLs). */
export const QUEUE_CA_ENV_VAR = 'SUPERNET_LAB_QUEUE_CA';

export interface JobPayload {
  schema: 1;
  id: string;
  spec: JobSpec;
}

/**
 * ioredis options of a queue URL: redis://[user:password@]host[:port][/db] or rediss://... (TLS;
 * the CA list is Node's, plus NODE_EXTRA_CA_CERTS, or only the PEM file SUPERNET_LAB_QUEUE_CA
 * names: a lab's own CA). `?tls-insecure=1` skips certificate checks (self-signed test servers
 * only). A clear error names a URL that is not one of these, or a CA file that cannot be read.
 */
export function redisOptions(url: string): RedisOptions {
  const bad = (why: string) => new BadInputError(`--queue ${JSON.stringify(url)}${why}`);
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw bad(' is not a URL like redis://host:6379');
  }
  if (u.protocol !== 'redis:' && u.protocol !== 'rediss:') {
    throw bad(`: the scheme must be redis:// or rediss:// (TLS), got ${u.protocol}`);
  }
  const db = u.pathname.replace(/^\//, '');
  if (db !== '' && !/^\d+$/.test(db)) throw bad(': the path must be a database number');
  for (const k of u.searchParams.keys()) {
    if (k !== 'tls-insecure') throw bad(`: unknown parameter ${k}`);
  }
  const options: RedisOptions = {
    host: u.hostname || '127.0.0.1',
    port: u.port ? Number(u.port) : 6379,
    db: db === '' ? 0 : Number(db),
    // BullMQ workers block on Redis: commands wait through a restart instead of failing.
    maxRetriesPerRequest: null,
    retryStrategy: (times: number) => Math.min(200 * times, 2000),
  };
  if (u.username) options.username = decodeURIComponent(u.username);
  if (u.password) options.password = decodeURIComponent(u.password);
  if (u.protocol === 'rediss:') {
    const caFile = process.env[QUEUE_CA_ENV_VAR]?.trim();
    let ca: string | undefined;
    if (caFile) {
      try {
        ca = fs.readFileSync(caFile, 'utf8');
      } catch (err) {
        throw new BadInputError(
          `${QUEUE_CA_ENV_VAR}=${caFile}: cannot read the CA certificate (${(err as Error).message})`,
        );
      }
    }
    options.tls = {
      servername: u.hostname,
      ...(ca ? { ca } : {}),
      ...(u.searchParams.get('tls-insecure') === '1' ? { rejectUnauthorized: false } : {}),
    };
  }
  return options;
}

/** The URL without its password, for messages. */
export function safeUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return '(invalid URL)';
  }
}

/**
 * The sweep queue at `url`, connected: an unreachable server or a refused password is an error
 * naming the URL (after `timeoutMs`), not a command that hangs. Workers, unlike this, wait for a
 * server that is down and reconnect when it is back.
 */
export async function connectQueue(url: string, timeoutMs = 10_000): Promise<Queue> {
  const queue = new Queue(QUEUE_NAME, { connection: redisOptions(url) });
  let lastError = '';
  queue.on('error', (err) => (lastError = err.message));
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      queue.waitUntilReady(),
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error('timeout')), timeoutMs);
      }),
    ]);
    await queue.getJobCounts('waiting');
    return queue;
  } catch (err) {
    await queue.close().catch(() => {});
    const why = lastError || (err as Error).message;
    throw new BadInputError(`cannot use the queue at ${safeUrl(url)}: ${why}`);
  } finally {
    clearTimeout(timer);
  }
}

export interface SubmitSummary {
  added: string[];
  /** Already in the queue (waiting, running, finished or parked there). */
  queued: string[];
  /** Done in the storage root: not submitted. */
  done: string[];
}

/** Enqueues the jobs that are neither done in `storage` nor already in the queue. */
export async function submitJobs(
  queue: Queue,
  storage: string,
  jobs: readonly ResolvedJob[],
  options: { attempts: number },
): Promise<SubmitSummary> {
  const summary: SubmitSummary = { added: [], queued: [], done: [] };
  const fresh: ResolvedJob[] = [];
  const existing = await Promise.all(
    jobs.map((j) => (isDone(storage, j.id) ? null : queue.getJob(j.id))),
  );
  jobs.forEach((j, i) => {
    if (isDone(storage, j.id)) summary.done.push(j.id);
    else if (existing[i]) summary.queued.push(j.id);
    else fresh.push(j);
  });
  for (let i = 0; i < fresh.length; i += 1000) {
    await queue.addBulk(
      fresh.slice(i, i + 1000).map((j) => ({
        name: j.spec.stage,
        data: { schema: 1, id: j.id, spec: j.spec } satisfies JobPayload,
        opts: {
          jobId: j.id,
          attempts: options.attempts,
          backoff: { type: 'fixed', delay: 1000 },
          removeOnComplete: false,
          removeOnFail: false,
        },
      })),
    );
  }
  summary.added.push(...fresh.map((j) => j.id));
  return summary;
}

/** Checks a payload from the queue; throws UnrecoverableError (never run) when it is not a job. */
export function checkPayload(jobId: string | undefined, data: unknown): ResolvedJob {
  const p = data as Partial<JobPayload> | null;
  if (p === null || typeof p !== 'object' || p.schema !== 1 || typeof p.id !== 'string') {
    throw new UnrecoverableError(
      `malformed job ${JSON.stringify(jobId)}: the payload is not {schema: 1, id, spec}; not run`,
    );
  }
  let job: ResolvedJob;
  try {
    job = resolveJob(p.spec as JobSpec, `job ${jobId}`);
  } catch (err) {
    throw new UnrecoverableError(`malformed job: ${(err as Error).message}; not run`);
  }
  if (job.id !== p.id || job.id !== jobId) {
    throw new UnrecoverableError(
      `malformed job ${JSON.stringify(jobId)}: its spec resolves to ${job.id}, not the id it came with; not run`,
    );
  }
  return job;
}

export interface WorkerOptions {
  url: string;
  storage: string;
  concurrency: number;
  engine?: string;
  threads?: number;
  /** BullMQ lock of an active job (ms): a dead worker's jobs move on after about this long. */
  lockMs?: number;
  /** Wait before asking again when a dependency is not done or another process holds the job. */
  pollMs?: number;
  /** Called with one line per event. */
  onEvent?: (line: string) => void;
  /** What runs a job (default runJob; the dispatch benchmark passes a no-op). */
  runner?: (job: ResolvedJob, options: RunJobOptions) => Promise<JobOutcome>;
}

export interface SweepWorker {
  worker: Worker;
  /** Stops taking jobs; running ones are killed (they resume on their next delivery). */
  close(): Promise<void>;
}

/** A job's dependency that cannot finish: parked, or not in the queue at all. */
async function blockedBy(queue: Queue, storage: string, job: ResolvedJob): Promise<string | null> {
  for (const dep of job.after) {
    if (isDone(storage, dep)) continue;
    if (readParked(storage, dep)) return `${dep} is parked`;
    const state = await queue.getJobState(dep);
    if (state === 'failed') return `${dep} is parked`;
    if (state === 'completed') {
      return `${dep} is done in the queue but has no done.json under ${storage}: do all workers mount the same --storage?`;
    }
    if (state === 'unknown') return `${dep} was never submitted`;
  }
  return null;
}

/** Starts a worker that runs sweep jobs from the queue at `url` into the storage root. */
export function startWorker(options: WorkerOptions): SweepWorker {
  const connection = redisOptions(options.url);
  const queue = new Queue(QUEUE_NAME, { connection });
  const say = options.onEvent ?? (() => {});
  queue.on('error', (err) => say(`queue error: ${err.message}`));
  const pollMs = options.pollMs ?? 2000;
  const lockMs = options.lockMs ?? 30_000;
  const name = workerName();
  const aborts = new Set<AbortController>();

  const later = async (job: Job, token: string | undefined, why: string) => {
    say(`later ${job.id}: ${why}`);
    await job.moveToDelayed(Date.now() + pollMs, token);
    throw new DelayedError();
  };

  const processor = async (job: Job, token?: string) => {
    const resolved = checkPayload(job.id, job.data);
    if (resolved.after.some((d) => !isDone(options.storage, d))) {
      const blocked = await blockedBy(queue, options.storage, resolved);
      if (blocked) {
        const error = `${job.id} is blocked: ${blocked}`;
        park(resolved.id, error, [], job.attemptsMade + 1);
        throw new UnrecoverableError(error);
      }
      return later(job, token, 'waiting for its dependencies');
    }
    const attempt = job.attemptsMade + 1;
    say(`start ${describeJob(resolved)} (attempt ${attempt})`);
    let lastProgress = 0;
    const abort = new AbortController();
    aborts.add(abort);
    const outcome = await (options.runner ?? runJob)(resolved, {
      storage: options.storage,
      attempt,
      engine: options.engine,
      threads: options.threads,
      signal: abort.signal,
      onLine: (line) => {
        if (Date.now() - lastProgress < 1000) return;
        lastProgress = Date.now();
        job.updateProgress({ worker: name, line: line.slice(0, 300) }).catch(() => {});
      },
    }).finally(() => aborts.delete(abort));
    if (outcome.kind === 'done') {
      say(`done ${job.id}${outcome.skipped ? ' (already done)' : ''}`);
      return { worker: outcome.record.worker, seconds: outcome.record.seconds };
    }
    if (outcome.kind === 'busy') return later(job, token, 'another live process holds it');
    if (abort.signal.aborted) {
      // The worker is closing: settle nothing, so the job is neither failed nor completed; its
      // lock lapses and another worker takes it, without an attempt spent.
      return new Promise<never>(() => {});
    }
    const attempts = job.opts.attempts ?? 1;
    say(`failed ${job.id} (attempt ${attempt}/${attempts}): ${outcome.error}`);
    if (attempt >= attempts) park(resolved.id, outcome.error, outcome.logTail, attempt);
    throw new Error(`${outcome.error}\n${outcome.logTail.join('\n')}`);
  };
  const park = (id: string, error: string, logTail: string[], attempts: number) => {
    writeParked(options.storage, { id, error, logTail, attempts });
    say(`parked ${id}: ${error}`);
  };

  const worker = new Worker(QUEUE_NAME, processor, {
    connection,
    concurrency: options.concurrency,
    name,
    lockDuration: lockMs,
    stalledInterval: Math.max(1000, Math.floor(lockMs / 2)),
    // A worker killed mid-job is not the job's fault: hand it on many times before giving up.
    maxStalledCount: 1000,
  });
  worker.on('error', (err) => say(`queue error: ${err.message}`));
  return {
    worker,
    async close() {
      // Closing first (forced: no waiting for running jobs) means a killed job is not failed:
      // its lock lapses and the job is handed to another worker, without losing an attempt.
      const closing = worker.close(true);
      for (const a of aborts) a.abort();
      await closing;
      await queue.close();
    },
  };
}

/** Re-queues the parked jobs among `ids`; returns the ids re-queued. */
export async function retryParked(
  queue: Queue,
  storage: string,
  ids: readonly string[],
): Promise<string[]> {
  const out: string[] = [];
  for (const id of ids) {
    const job = await queue.getJob(id);
    const state = job ? await job.getState() : 'unknown';
    if (job && state === 'failed') {
      clearParked(storage, id);
      await job.retry('failed', { resetAttemptsMade: true, resetAttemptsStarted: true });
      out.push(id);
    }
  }
  return out;
}
