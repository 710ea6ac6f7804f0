import * as path from 'node:path';
import { UsageError, intOption, optionalInt, stringOption, type Command } from '../command';
import { defaultStorageRoot } from '../../sweep/storage';

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export const workerCommand: Command = {
  name: 'worker',
  summary: 'Run sweep jobs from a Redis queue on this machine (any number of machines at once).',
  details: `
Pulls jobs that 'supernet-lab sweep submit --queue URL' enqueued, runs each as a supernet-lab
command in a child process (one compute thread each unless --threads) and writes its run folder
under --storage, the directory every worker mounts. It reports progress to the queue and renews
its lock on each running job; if it dies (even kill -9), its jobs go to another worker after
--lock-seconds and resume from their last checkpoint. A job's lease lock (jobs/<id>/.lock)
keeps two live processes off one job: a worker that meets a held job moves on and comes back.
Each payload is checked against the job schema and its id recomputed before anything runs.
SIGINT/SIGTERM stop it (running jobs are handed on, not failed). SLURM: start one worker per
allocation, e.g. an sbatch array whose tasks run
  supernet-lab worker --queue redis://:SECRET@head:6379 --storage /scratch/sweeps --exit-when-idle 300
Examples:
  supernet-lab worker --queue redis://127.0.0.1:6379 --storage /shared/sweeps --concurrency 2
  supernet-lab worker --queue rediss://user:pass@redis.example:6380/0 --storage /mnt/sweeps`,
  options: {
    queue: {
      type: 'string',
      description:
        'Redis URL: redis://[user:password@]host[:port][/db], rediss:// for TLS (own CA: SUPERNET_LAB_QUEUE_CA=ca.pem)',
    },
    storage: {
      type: 'string',
      description: 'storage root shared by all workers',
      default: '$SUPERNET_LAB_STORAGE or kernels-data/sweeps',
    },
    concurrency: { type: 'string', description: 'jobs at once', default: '1' },
    engine: {
      type: 'string',
      description: 'tensor engine of the jobs (SUPERNET_LAB_ENGINE)',
      default: 'auto',
    },
    threads: { type: 'string', description: 'compute threads per job', default: '1' },
    'lock-seconds': {
      type: 'string',
      description: "lock on a running job: a dead worker's job moves on after about this long",
      default: '30',
    },
    'exit-when-idle': {
      type: 'string',
      description: 'exit after this many seconds with no job waiting or running in the queue',
    },
  },
  async run(values) {
    const url = values['queue'];
    if (typeof url !== 'string') {
      throw new UsageError(
        "worker needs --queue redis://host:6379 (without a queue, 'supernet-lab sweep submit GRID' runs the jobs here)",
      );
    }
    const storage = path.resolve(stringOption(values, 'storage', defaultStorageRoot()));
    const concurrency = intOption(values, 'concurrency', 1, 1, 1024);
    const idleSeconds = optionalInt(values, 'exit-when-idle', 1, 10_000_000);
    // Loaded here, not at the top: BullMQ and ioredis only for the commands that use a queue.
    const { connectQueue, safeUrl, startWorker } =
      require('../../sweep/queue') as typeof import('../../sweep/queue');
    const say = (line: string) => process.stderr.write(`worker: ${line}\n`);
    const w = startWorker({
      url,
      storage,
      concurrency,
      engine: typeof values['engine'] === 'string' ? values['engine'] : undefined,
      threads: intOption(values, 'threads', 1, 1, 1024),
      lockMs: intOption(values, 'lock-seconds', 30, 1, 86_400) * 1000,
      onEvent: say,
    });
    say(`${concurrency} slot(s) on ${safeUrl(url)} -> ${storage}`);
    let stopping = false;
    const stopped = new Promise<void>((resolve) => {
      const stop = (signal: string) => {
        if (stopping) return;
        stopping = true;
        say(`${signal}: stopping (running jobs are handed on)`);
        w.close().then(resolve, resolve);
      };
      process.once('SIGINT', () => stop('SIGINT'));
      process.once('SIGTERM', () => stop('SIGTERM'));
      if (idleSeconds !== undefined) {
        void (async () => {
          const queue = await connectQueue(url);
          let idleSince = Date.now();
          while (!stopping) {
            await sleep(1000);
            try {
              const c = await queue.getJobCounts('waiting', 'active', 'delayed', 'prioritized');
              if (Object.values(c).some((n) => Number(n) > 0)) idleSince = Date.now();
              else if (Date.now() - idleSince >= idleSeconds * 1000) stop(`idle ${idleSeconds} s`);
            } catch {
              idleSince = Date.now(); // Redis away: not idle, just waiting for it
            }
          }
          await queue.close();
        })().catch((err: unknown) => say(`idle check: ${(err as Error).message}`));
      }
    });
    await stopped;
    return 0;
  },
};
