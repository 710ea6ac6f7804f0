/**
 * Dispatch benchmark of the sweep queue (a benchmark, not a test): N tiny jobs (default 10000)
 * through W worker processes (default 4) on a private redis-server, each worker running the
 * real `startWorker` path (payload check, id recomputation, done.json in a storage root) with a
 * job body that does nothing else. It checks that every job ran exactly once (each worker logs
 * the ids it ran) and reports throughput (the N jobs submitted at once onto idle workers) and
 * queue latency (enqueue -> start, BullMQ's timestamps, of 200 more jobs submitted one by one).
 *
 *   npm run bench:queue -- [--jobs 10000] [--workers 4] [--concurrency 8] [--out FILE]
 *   (npx tsx scripts/sweep-dispatch-bench.ts ...): the report is printed as JSON, and written to
 *   --out (default kernels-data/queue-bench/sweep-dispatch-<time>.json).
 *
 * Needs Debian's redis-server on PATH.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { Queue } from 'bullmq';
import { QUEUE_NAME, redisOptions, startWorker, submitJobs } from '../src/sweep/queue';
import { resolveJob, type JobSpec } from '../src/sweep/spec';
import { workerName, writeDone } from '../src/sweep/storage';

const { values } = parseArgs({
  options: {
    jobs: { type: 'string', default: '10000' },
    workers: { type: 'string', default: '4' },
    concurrency: { type: 'string', default: '8' },
    'worker-of': { type: 'string' },
    storage: { type: 'string' },
    out: { type: 'string' },
  },
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Worker mode: run tiny jobs until the queue is empty, logging the ids run. */
async function workerMode(url: string, storage: string, concurrency: number) {
  const ran: string[] = [];
  const w = startWorker({
    url,
    storage,
    concurrency,
    runner: async (job, options) => {
      ran.push(job.id);
      const record = {
        id: job.id,
        stage: job.spec.stage,
        output: null,
        attempt: options.attempt,
        worker: workerName(),
        finishedAt: new Date().toISOString(),
        seconds: 0,
      };
      writeDone(options.storage, record);
      return { kind: 'done', record, skipped: false };
    },
  });
  while (!fs.existsSync(path.join(storage, 'stop'))) await sleep(200);
  await w.close();
  fs.writeFileSync(path.join(storage, `ran-${process.pid}.txt`), ran.join('\n') + '\n');
}

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const srv = net.createServer();
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as net.AddressInfo).port;
      srv.close(() => resolve(port));
    });
  });
}

function quantile(sorted: number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
}

async function main() {
  if (values['worker-of']) {
    await workerMode(values['worker-of'], values.storage!, Number(values.concurrency));
    return;
  }
  const n = Number(values.jobs);
  const workers = Number(values.workers);
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'sweep-dispatch-'));
  const storage = path.join(tmp, 'storage');
  const port = await freePort();
  const redis = spawn(
    'redis-server',
    [
      '--port',
      String(port),
      '--bind',
      '127.0.0.1',
      '--dir',
      tmp,
      '--appendonly',
      'yes',
      '--save',
      '',
    ],
    { stdio: 'ignore' },
  );
  const url = `redis://127.0.0.1:${port}`;
  const children: ChildProcess[] = [];
  try {
    await sleep(500);
    const jobs = Array.from({ length: n }, (_, i) =>
      resolveJob(
        { stage: 'train', space: 'nb201', scale: 'smoke', seed: i } as JobSpec,
        `job ${i}`,
      ),
    );
    const queue = new Queue(QUEUE_NAME, { connection: redisOptions(url) });
    fs.mkdirSync(storage, { recursive: true });
    for (let i = 0; i < workers; i++) {
      const args = [...process.execArgv, __filename, '--worker-of', url, '--storage', storage];
      args.push('--concurrency', String(values.concurrency));
      children.push(spawn(process.execPath, args, { stdio: 'inherit' }));
    }
    const allDone = async (ids: string[]) => {
      for (;;) {
        const c = await queue.getJobCounts('completed');
        if (c.completed >= ids.length) return;
        await sleep(100);
      }
    };
    await sleep(3000); // workers up
    const t0 = Date.now();
    await submitJobs(queue, storage, jobs, { attempts: 3 });
    const submitted = Date.now();
    await allDone(jobs.map((j) => j.id));
    // Latency: jobs one at a time onto idle workers.
    const extra = Array.from({ length: 200 }, (_, i) =>
      resolveJob({ stage: 'train', space: 'nb201', scale: 'smoke', seed: n + i } as JobSpec, 'x'),
    );
    for (const j of extra) {
      await submitJobs(queue, storage, [j], { attempts: 3 });
      await sleep(20);
    }
    await allDone([...jobs, ...extra].map((j) => j.id));
    fs.writeFileSync(path.join(storage, 'stop'), '');
    await Promise.all(children.map((c) => new Promise((r) => c.on('exit', r))));
    const ranBy = fs.readdirSync(storage).filter((f) => f.startsWith('ran-'));
    const counts = new Map<string, number>();
    for (const f of ranBy) {
      for (const id of fs.readFileSync(path.join(storage, f), 'utf8').split('\n').filter(Boolean)) {
        counts.set(id, (counts.get(id) ?? 0) + 1);
      }
    }
    const everyJob = [...jobs, ...extra];
    const lost = everyJob.filter((j) => !counts.has(j.id)).length;
    const duplicated = [...counts.values()].filter((c) => c > 1).length;
    const finished = await queue.getJobs(['completed'], 0, everyJob.length);
    const bulk = finished.filter((j) => Number(j.data.spec.seed) < n);
    const first = Math.min(...bulk.map((j) => j.processedOn!));
    const last = Math.max(...bulk.map((j) => j.finishedOn!));
    const latency = finished
      .filter((j) => Number(j.data.spec.seed) >= n)
      .map((j) => j.processedOn! - j.timestamp)
      .sort((a, b) => a - b);
    await queue.close();
    const report = {
      jobs: n,
      workers,
      concurrencyPerWorker: Number(values.concurrency),
      submitSeconds: (submitted - t0) / 1000,
      completed: finished.length,
      lost,
      duplicated,
      jobsPerSecond: Math.round((bulk.length / (last - first)) * 1000),
      wallSeconds: (last - t0) / 1000,
      queueLatencyMs: {
        p50: quantile(latency, 0.5),
        p95: quantile(latency, 0.95),
        max: latency[latency.length - 1],
      },
      measuredAt: new Date().toISOString(),
      machine: {
        cpus: os.cpus().length,
        loadAverage: os.loadavg().map((x) => Number(x.toFixed(2))),
      },
    };
    const text = JSON.stringify(report, null, 2) + '\n';
    process.stdout.write(text);
    const stamp = new Date().toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
    const out =
      values.out ??
      path.join(__dirname, '..', 'kernels-data', 'queue-bench', `sweep-dispatch-${stamp}.json`);
    fs.mkdirSync(path.dirname(out), { recursive: true });
    fs.writeFileSync(out, text);
    process.stderr.write(`report written to ${out}\n`);
    if (lost > 0 || duplicated > 0 || finished.length !== everyJob.length) process.exitCode = 1;
  } finally {
    for (const c of children) c.kill('SIGKILL');
    redis.kill('SIGKILL');
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

main().then(
  // BullMQ's closed connections can leave handles behind: the report is out, so exit.
  () => process.exit(process.exitCode ?? 0),
  (err: unknown) => {
    const message = err instanceof Error ? err.message : String(err);
    process.stderr.write(`sweep-dispatch-bench: ${message}\n`);
    process.exit(1);
  },
);
