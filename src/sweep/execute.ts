/**
 * Runs one resolved job: its `supernet-lab` command in a child process (src/cli/job-process.ts, forked
 * with an argv array, never a shell) that writes the job's run folder under the storage root.
 * The same function serves the local runner and the queue worker, so both produce the same
 * folders. A job whose done.json exists is not run again (deliveries are at least once); the
 * command itself resumes from the run folder's checkpoints, claims and score files.
 */
import { fork } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { createInterface } from 'node:readline';
import { jobArgv, runFolderOf, type ResolvedJob } from './spec';
import {
  checkArchList,
  jobDir,
  jobHolder,
  jobLogPath,
  readDone,
  runDir,
  workerName,
  writeDone,
  type DoneRecord,
} from './storage';

/** Exit code of job-process: another live process holds the job. */
export const EXIT_JOB_BUSY = 75;
/** Exit code of job-process: the worker that forked it went away. */
export const EXIT_WORKER_GONE = 129;
/** Lines of output kept for a failed job's report. */
export const LOG_TAIL_LINES = 30;

export interface RunJobOptions {
  storage: string;
  /** Attempt number (1-based), written to the log and done.json. */
  attempt: number;
  /** Tensor engine of the child (SUPERNET_LAB_ENGINE); default: inherited. */
  engine?: string;
  /** Compute threads of the child (default 1: one job per core). */
  threads?: number;
  /** Each line the command prints on stderr (progress). */
  onLine?: (line: string) => void;
  /** Aborting kills the child (SIGTERM). */
  signal?: AbortSignal;
}

export type JobOutcome =
  | { kind: 'done'; record: DoneRecord; skipped: boolean }
  | { kind: 'busy'; message: string }
  | { kind: 'failed'; error: string; exitCode: number | null; logTail: string[] };

function jobProcessScript(): string {
  return path.join(__dirname, '..', 'cli', `job-process${path.extname(__filename) || '.js'}`);
}

/** The last line of `text` that parses as a JSON object (a command's result line). */
function lastJsonLine(text: string): unknown {
  const lines = text.split('\n').filter((l) => l.trim().startsWith('{'));
  for (let i = lines.length - 1; i >= 0; i--) {
    try {
      return JSON.parse(lines[i]);
    } catch {
      // not a result line
    }
  }
  return null;
}

/** Runs `job` unless it is done; never throws for a failing command (see JobOutcome). */
export async function runJob(job: ResolvedJob, options: RunJobOptions): Promise<JobOutcome> {
  const root = options.storage;
  const done = readDone(root, job.id);
  if (done) return { kind: 'done', record: done, skipped: true };
  const dir = jobDir(root, job.id);
  const holder = jobHolder(root, job.id);
  if (holder) {
    // Checked here to spare a process start; job-process takes the lock for real.
    return { kind: 'busy', message: `${job.id} is held by ${holder.host}:${holder.pid}` };
  }
  fs.mkdirSync(dir, { recursive: true });
  let argv: string[];
  try {
    const s = job.spec;
    if (s.stage === 'score' && s.archList !== undefined) checkArchList(root, s.archList, s.sample);
    argv = jobArgv(s, runDir(root, runFolderOf(s, job.id)), root);
  } catch (err) {
    // What the job reads from the storage root is not there: fail (and park) it, run nothing.
    return {
      kind: 'failed',
      error: `${job.id}: ${(err as Error).message}`,
      exitCode: null,
      logTail: [],
    };
  }
  const log = fs.openSync(jobLogPath(root, job.id), 'a');
  const worker = workerName();
  const started = Date.now();
  fs.writeSync(
    log,
    `=== attempt ${options.attempt} by ${worker} at ${new Date(started).toISOString()}: supernet-lab ${argv.join(' ')}\n`,
  );
  const tail: string[] = [];
  let stdout = '';
  const threads = String(options.threads ?? 1);
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    SUPERNET_LAB_THREADS: threads,
    OMP_NUM_THREADS: threads,
    ...(options.engine ? { SUPERNET_LAB_ENGINE: options.engine } : {}),
  };
  // A job trains its own run: an experiment inside it must not send work to a queue again.
  delete env.SUPERNET_LAB_QUEUE;
  const code = await new Promise<number | null>((resolve, reject) => {
    const child = fork(jobProcessScript(), [dir, ...argv], {
      env,
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
      signal: options.signal,
      killSignal: 'SIGTERM',
    });
    const lines = (stream: NodeJS.ReadableStream, onLine: (l: string) => void) =>
      createInterface({ input: stream, crlfDelay: Infinity }).on('line', onLine);
    const keep = (line: string) => {
      fs.writeSync(log, line + '\n');
      tail.push(line);
      if (tail.length > LOG_TAIL_LINES) tail.shift();
    };
    lines(child.stdout!, (line) => {
      stdout += line + '\n';
      keep(line);
    });
    lines(child.stderr!, (line) => {
      keep(line);
      options.onLine?.(line);
    });
    child.on('error', (err) => {
      if ((err as NodeJS.ErrnoException).name === 'AbortError') return;
      reject(err);
    });
    child.on('close', (c, signal) => resolve(c ?? (signal ? null : 1)));
  });
  const seconds = (Date.now() - started) / 1000;
  fs.writeSync(log, `=== exit ${code ?? 'signal'} after ${seconds.toFixed(1)} s\n`);
  fs.closeSync(log);
  if (code === 0) {
    const record: DoneRecord = {
      id: job.id,
      stage: job.spec.stage,
      output: lastJsonLine(stdout),
      attempt: options.attempt,
      worker,
      finishedAt: new Date().toISOString(),
      seconds,
    };
    writeDone(root, record);
    return { kind: 'done', record, skipped: false };
  }
  if (code === EXIT_JOB_BUSY) return { kind: 'busy', message: tail[tail.length - 1] ?? '' };
  const last = [...tail].reverse().find((l) => l.trim() !== '' && !l.startsWith('{')) ?? '';
  const how = code === null ? 'was killed' : `exited with code ${code}`;
  return {
    kind: 'failed',
    error: `${job.id}: supernet-lab ${argv[0]} ${how}${last ? `: ${last}` : ''}`,
    exitCode: code,
    logTail: tail,
  };
}
