import { fork, type ChildProcess } from 'node:child_process';
import * as os from 'node:os';
import * as path from 'node:path';
import type { EngineInfo, EngineRequest } from './types';

/**
 * Runs independent jobs in worker processes (one per core by default), each with its own tensor
 * engine and compute threads. This is how many trainings (ground truth, seeds, sweeps) use a
 * multi-core CPU best: one single-threaded training per core beats one training using all cores.
 *
 * A task is a function exported by a module: `(input, context) => output | Promise<output>`;
 * inputs and outputs must be JSON-serialisable (they cross process boundaries). Workers inherit
 * Node's flags, so .ts task modules work under tsx and .js ones from dist/.
 */
export interface PoolTask {
  /** Absolute path of the module that exports the task function (e.g. `require.resolve(...)`). */
  module: string;
  /** Name of the exported function. */
  exportName: string;
}

export interface PoolContext {
  /** 0-based index of the worker process running the job. */
  workerIndex: number;
  /** 0-based index of the job in the inputs. */
  jobIndex: number;
  /** The engine the worker initialised. */
  engine: EngineInfo;
}

export type PoolTaskFunction<I, O> = (input: I, context: PoolContext) => O | Promise<O>;

export interface PoolOptions {
  /** Worker processes (default: number of cores, at most the number of jobs). */
  workers?: number;
  /** Compute threads per worker: SUPERNET_LAB_THREADS / OMP_NUM_THREADS (default 1). */
  threadsPerWorker?: number;
  /** Engine initialised in every worker before its first job (default: SUPERNET_LAB_ENGINE/auto). */
  engine?: EngineRequest;
  /** Extra environment variables for the workers. */
  env?: Record<string, string>;
  /** Called as each job finishes (in completion order). */
  onResult?: (result: PoolResult<unknown>) => void;
}

export type PoolResult<O> =
  | { index: number; ok: true; value: O; workerIndex: number; ms: number }
  | { index: number; ok: false; error: string; workerIndex: number; ms: number };

/** Messages between the pool and its workers (pool-worker.ts). */
export type ToWorker = { kind: 'job'; index: number; input: unknown } | { kind: 'stop' };
export type FromWorker =
  | { kind: 'ready'; engine: EngineInfo }
  | { kind: 'init-failed'; error: string }
  | { kind: 'done'; index: number; ok: true; value: unknown }
  | { kind: 'done'; index: number; ok: false; error: string };

export function defaultWorkerCount(): number {
  return typeof os.availableParallelism === 'function'
    ? os.availableParallelism()
    : os.cpus().length;
}

function workerScript(): string {
  return path.join(__dirname, `pool-worker${path.extname(__filename) || '.js'}`);
}

/** Runs every input through the task; never rejects for a failing job (see `ok`). */
export async function runPoolSettled<I, O>(
  task: PoolTask,
  inputs: readonly I[],
  options: PoolOptions = {},
): Promise<PoolResult<O>[]> {
  if (!path.isAbsolute(task.module)) {
    throw new Error(
      `pool task module must be an absolute path, got ${JSON.stringify(task.module)}`,
    );
  }
  const threads = options.threadsPerWorker ?? 1;
  if (!Number.isInteger(threads) || threads < 1) {
    throw new Error(`threadsPerWorker must be a positive integer, got ${threads}`);
  }
  const requested = options.workers ?? defaultWorkerCount();
  if (!Number.isInteger(requested) || requested < 1) {
    throw new Error(`workers must be a positive integer, got ${requested}`);
  }
  const results: PoolResult<O>[] = new Array(inputs.length);
  if (inputs.length === 0) return results;
  const workerCount = Math.min(requested, inputs.length);
  let next = 0;
  let finished = 0;
  let initFailed = false;

  return new Promise((resolve) => {
    const record = (r: PoolResult<O>) => {
      if (results[r.index]) return;
      results[r.index] = r;
      finished++;
      options.onResult?.(r as PoolResult<unknown>);
      if (finished === inputs.length) resolve(results);
    };

    const start = (workerIndex: number) => {
      const env: NodeJS.ProcessEnv = {
        ...process.env,
        ...options.env,
        SUPERNET_LAB_THREADS: String(threads),
        OMP_NUM_THREADS: String(threads),
        SUPERNET_LAB_POOL_TASK: JSON.stringify(task),
        SUPERNET_LAB_POOL_WORKER: String(workerIndex),
      };
      if (options.engine) env.SUPERNET_LAB_ENGINE = options.engine;
      const child: ChildProcess = fork(workerScript(), [], {
        env,
        stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      });
      let current: { index: number; started: number } | null = null;
      let stopped = false;
      const dispatch = () => {
        if (next >= inputs.length) {
          current = null;
          stopped = true;
          child.send({ kind: 'stop' } satisfies ToWorker);
          return;
        }
        const index = next++;
        current = { index, started: Date.now() };
        child.send({ kind: 'job', index, input: inputs[index] } satisfies ToWorker);
      };
      child.on('message', (raw) => {
        const msg = raw as FromWorker;
        if (msg.kind === 'ready') dispatch();
        else if (msg.kind === 'init-failed') {
          // The task module or the engine cannot load: no worker will do better.
          initFailed = true;
          stopped = true;
          child.kill();
          while (next < inputs.length) {
            const index = next++;
            record({
              index,
              ok: false,
              error: `worker setup failed: ${msg.error}`,
              workerIndex,
              ms: 0,
            });
          }
        } else if (msg.kind === 'done' && current) {
          const ms = Date.now() - current.started;
          const base = { index: msg.index, workerIndex, ms };
          record(
            msg.ok
              ? { ...base, ok: true, value: msg.value as O }
              : { ...base, ok: false, error: msg.error },
          );
          dispatch();
        }
      });
      child.on('error', (err) => {
        // The process could not be spawned or messaged: systemic, fail what is left.
        if (initFailed || stopped) return;
        stopped = true;
        const failed = current ? [current.index] : [];
        current = null;
        while (next < inputs.length) failed.push(next++);
        for (const index of failed) {
          record({
            index,
            ok: false,
            error: `worker ${workerIndex}: ${err.message}`,
            workerIndex,
            ms: 0,
          });
        }
      });
      child.on('exit', (code, signal) => {
        if (initFailed || stopped) return;
        const how = signal ?? `code ${code}`;
        if (current) {
          // Crashed during a job (e.g. out of memory): that job fails, a fresh worker goes on.
          const c = current;
          current = null;
          record({
            index: c.index,
            ok: false,
            error: `worker ${workerIndex} exited (${how}) while running job ${c.index}`,
            workerIndex,
            ms: Date.now() - c.started,
          });
        } else if (next < inputs.length) {
          // Died before taking a job: charge it one job so that a worker that can never start
          // cannot loop forever.
          const index = next++;
          record({
            index,
            ok: false,
            error: `worker ${workerIndex} exited (${how}) before taking a job`,
            workerIndex,
            ms: 0,
          });
        }
        if (next < inputs.length) start(workerIndex);
      });
    };
    for (let w = 0; w < workerCount; w++) start(w);
  });
}

/** Like `runPoolSettled` but returns the outputs in input order, throwing if any job failed. */
export async function runPool<I, O>(
  task: PoolTask,
  inputs: readonly I[],
  options: PoolOptions = {},
): Promise<O[]> {
  const results = await runPoolSettled<I, O>(task, inputs, options);
  const failed = results.filter((r) => !r.ok);
  if (failed.length > 0) {
    const first = failed[0] as { index: number; error: string };
    throw new Error(
      `${failed.length} of ${results.length} pool jobs failed; job ${first.index}: ${first.error}`,
    );
  }
  return results.map((r) => (r as { value: O }).value);
}
