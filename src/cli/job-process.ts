/**
 * The process one sweep job runs in: `node job-process.js <job dir> <supernet-lab argv...>`,
 * forked by src/sweep/execute.ts with an IPC channel (it lives in src/cli because it runs the CLI:
 * src/sweep imports nothing from src/cli). It takes the job's lease lock (jobs/<id>/.lock:
 * owner pid and host, heartbeat) so two live processes never run one job, runs the CLI command
 * in-process and exits with its code. When the worker that forked it dies (even by kill -9) the
 * IPC channel closes and this process exits too, releasing the lock: the job's next delivery
 * resumes from the run folder's last checkpoint.
 */
import { Worker } from 'node:worker_threads';
import { main } from './main';
import { acquireRunLock, RunLockedError } from '../runs/lock';
import { EXIT_JOB_BUSY, EXIT_WORKER_GONE } from '../sweep/execute';

async function run(): Promise<number> {
  const [dir, ...argv] = process.argv.slice(2);
  if (dir === undefined || argv.length === 0) {
    process.stderr.write('job-process: usage: job-process <job dir> <command> [options]\n');
    return 2;
  }
  let release: () => void;
  try {
    release = await acquireRunLock(dir, { command: `sweep job (${argv[0]})` });
  } catch (err) {
    if (!(err instanceof RunLockedError)) throw err;
    process.stderr.write(`${err.message}\n`);
    return EXIT_JOB_BUSY;
  }
  try {
    return await main(argv);
  } finally {
    release();
  }
}

/**
 * Dies with the worker even while the main thread is busy in a long synchronous kernel: a thread
 * of its own watches the parent pid (a dead parent's children are re-parented) and kills this
 * process. The job lock it leaves names a dead pid, which the next taker takes over.
 */
function watchParent(): void {
  const code = `
    const { workerData } = require('node:worker_threads');
    setInterval(() => {
      if (process.ppid !== workerData.ppid) process.kill(process.pid, 'SIGKILL');
    }, 500);`;
  new Worker(code, { eval: true, workerData: { ppid: process.ppid } }).unref();
}

// A process entry point: nothing imports this module.
watchParent();
process.on('disconnect', () => process.exit(EXIT_WORKER_GONE));
// SIGTERM / SIGINT keep their default (immediate exit, even inside a kernel): the locks left
// behind name a dead pid and are taken over.
run().then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`job-process: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  },
);
