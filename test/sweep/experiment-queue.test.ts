// An experiment on a sweep queue (SUPERNET_LAB_QUEUE, a real redis-server on a free loopback
// port): notebook 04's consistent-bias experiment at a shrunk smoke scale, run once here without
// the queue and once with it and two `supernet-lab worker` processes, reads the same tables bit
// for bit (scores of every checkpoint, both supernets' checkpoints, the correlation matrices);
// with the queue nothing trains in this process. A job the experiment needs that parks fails the
// experiment with the job's id and error.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Queue } from 'bullmq';
import { consistentBias } from '../../src/experiments/consistent-bias';
import { baseRequest } from '../../src/experiments/base';
import { experimentContext, type ExperimentOptions } from '../../src/experiments/context';
import { experimentSweepName, supernetJob, trainOnQueue } from '../../src/experiments/queue';
import { QUEUE_NAME, redisOptions } from '../../src/sweep/queue';
import { readDone, readPlan } from '../../src/sweep/storage';
import { redisServerAvailable, TestRedis } from './redis';

// Training is bit-identical across processes only at one thread count: the workers' jobs run
// with 1 (worker --threads), so this process trains and scores with 1 too.
process.env.SUPERNET_LAB_THREADS = '1';
process.env.SUPERNET_LAB_ENGINE = 'native';

const root = path.join(__dirname, '..', '..');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'experiment-queue-'));
const storage = path.join(tmp, 'storage');
const noRedis = redisServerAvailable() ? false : 'redis-server is not installed';
let redis: TestRedis;
const workers = new Set<ChildProcess>();

before(async () => {
  if (!noRedis) redis = await TestRedis.create({ password: 's3cret' });
});
after(async () => {
  for (const w of workers) w.kill('SIGKILL');
  await new Promise((r) => setTimeout(r, 1000));
  await redis?.stop();
  delete process.env.SUPERNET_LAB_QUEUE;
  delete process.env.SUPERNET_LAB_STORAGE;
  fs.rmSync(tmp, { recursive: true, force: true });
});

function startWorker(): ChildProcess {
  const child = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      path.join(root, 'src/cli/run.ts'),
      'worker',
      '--queue',
      redis.url,
      '--storage',
      storage,
      '--lock-seconds',
      '5',
    ],
    { cwd: root, env: { ...process.env, SUPERNET_LAB_ENGINE: 'native' }, stdio: 'ignore' },
  );
  child.on('exit', () => workers.delete(child));
  workers.add(child);
  return child;
}

/** Smoke scale, shrunk: two supernets of 2 epochs, 8 cells scored at epochs 1 and 2. */
function options(runsDir: string, log: string[]): ExperimentOptions {
  const smoke = experimentContext({ scale: 'smoke', queue: null }).settings;
  return {
    scale: 'smoke',
    dataset: 'cifar10-subset',
    runsDir,
    log: (line) => log.push(line),
    settings: {
      base: { ...smoke.base, epochs: 2, checkpointEpochs: [1, 2] },
      scoredArchs: 8,
    },
  };
}

/** What the experiment read: every score table and checkpoint of its runs, and its results. */
function readTables(r: Awaited<ReturnType<typeof consistentBias>>, runDirs: string[]) {
  const files: Record<string, string> = {};
  for (const [i, dir] of runDirs.entries()) {
    for (const sub of ['scores', 'checkpoints']) {
      const base = path.join(dir, sub);
      if (!fs.existsSync(base)) continue;
      for (const f of fs.readdirSync(base, { recursive: true }) as string[]) {
        const file = path.join(base, f);
        if (f.endsWith('.csv') || f.endsWith('tensors.bin')) {
          files[`run${i}/${sub}/${f}`] = fs.readFileSync(file).toString('base64');
        }
      }
    }
  }
  return {
    files,
    epochs: r.base.epochs.map((e) => ({ epoch: e.epoch, rows: e.table.objects() })),
    budgets: r.budgets.matrix,
    runs7: r.runs7.matrix,
    labels: r.runs7.labels,
  };
}

const runDirsOf = (folder: string) =>
  fs.existsSync(folder)
    ? fs
        .readdirSync(folder)
        .sort()
        .map((n) => path.join(folder, n))
    : [];

test(
  'an experiment on the queue reads the tables of a local run bit for bit',
  { skip: noRedis, timeout: 600_000 },
  async () => {
    const localLog: string[] = [];
    const local = await consistentBias(options(path.join(tmp, 'local'), localLog));
    const localRuns = runDirsOf(path.join(tmp, 'local'));
    assert.equal(localRuns.length, 2, 'two supernets trained here');
    const reference = readTables(local, localRuns);
    assert.ok(Object.keys(reference.files).length >= 8, 'scores and checkpoints of both runs');

    process.env.SUPERNET_LAB_QUEUE = redis.url;
    process.env.SUPERNET_LAB_STORAGE = storage;
    startWorker();
    startWorker();
    const log: string[] = [];
    const queued = await consistentBias(options(path.join(tmp, 'queued'), log));
    delete process.env.SUPERNET_LAB_QUEUE;

    assert.deepEqual(runDirsOf(path.join(tmp, 'queued')), [], 'nothing trained in this process');
    const jobRuns = runDirsOf(path.join(storage, 'runs'));
    assert.equal(jobRuns.length, 2, 'the workers trained both supernets');
    for (const dir of jobRuns) {
      const done = readDone(storage, path.basename(dir));
      assert.ok(done, `${dir} has done.json`);
      assert.doesNotMatch(done!.worker, new RegExp(`:${process.pid}$`), 'a worker ran it');
    }
    // Same run order: the base supernet (seed 0) first, then the seed run.
    const bySeed = (dirs: string[]) =>
      [...dirs].sort(
        (a, b) =>
          JSON.parse(fs.readFileSync(path.join(a, 'config.json'), 'utf8')).seed -
          JSON.parse(fs.readFileSync(path.join(b, 'config.json'), 'utf8')).seed,
      );
    assert.deepEqual(
      readTables(queued, bySeed(jobRuns)),
      readTables(local, bySeed(localRuns)),
      'bit for bit',
    );
    assert.ok(
      log.some((l) => /2 run\(s\) submitted/.test(l)),
      `both runs submitted up front:\n${log.join('\n')}`,
    );
    assert.ok(
      log.some((l) => /^queue: \d\/2 done, \d running, \d waiting/.test(l)),
      `a progress line:\n${log.join('\n')}`,
    );
    const plan = readPlan(storage, experimentSweepName({ scale: 'smoke' }));
    assert.deepEqual(
      plan.jobs.map((j) => j.id).sort(),
      jobRuns.map((d) => path.basename(d)).sort(),
    );

    // Run again: both runs are found in the storage root, nothing is submitted.
    process.env.SUPERNET_LAB_QUEUE = redis.url;
    const again: string[] = [];
    await consistentBias(options(path.join(tmp, 'queued'), again));
    delete process.env.SUPERNET_LAB_QUEUE;
    assert.ok(again.some((l) => /0 run\(s\) submitted, 0 already queued, 2 done/.test(l)));
    assert.ok(!again.some((l) => /^queue: /.test(l)), 'no waiting');
  },
);

test(
  'a parked job stops the experiment with its id and error',
  { skip: noRedis, timeout: 300_000 },
  async () => {
    if (workers.size === 0) startWorker();
    // CIFAR-10 is not on this machine and a job may not download it: every attempt fails.
    const ctx = experimentContext({
      ...options(path.join(tmp, 'parked'), []),
      dataset: 'cifar10',
      queue: redis.url,
      storage,
    });
    const request = baseRequest(ctx, { purpose: 'poison' });
    const m = supernetJob(ctx, request);
    assert.ok('job' in m, 'a train job');
    await assert.rejects(trainOnQueue(ctx, request), (err: Error) => {
      assert.equal(err.name, 'QueuedJobError');
      assert.match(err.message, new RegExp(`queued job ${m.job.id} train nb201 cifar10`));
      assert.match(err.message, /parked after 3 attempt\(s\): .*exited with code 2/);
      assert.match(err.message, /sweep retry experiments-smoke --queue redis:\/\/:\*\*\*@/);
      return true;
    });
    const queue = new Queue(QUEUE_NAME, { connection: redisOptions(redis.url) });
    try {
      assert.equal(await queue.getJobState(m.job.id), 'failed');
    } finally {
      await queue.close();
    }
  },
);

test('requests a train job cannot reproduce stay local, with the reason', () => {
  const ctx = experimentContext({ scale: 'laptop', queue: null });
  const m = supernetJob(ctx, baseRequest(ctx));
  // The laptop base supernet calibrates BN with 250-image batches; a train job uses the preset's.
  assert.ok('reason' in m);
  assert.match(m.reason, /calibrationBatch/);
  const smoke = experimentContext({ scale: 'smoke', queue: null });
  const sub = supernetJob(smoke, {
    ...baseRequest(smoke),
    subspace: { reduction: 'random', factor: 8, seed: 0 },
  });
  assert.ok('reason' in sub && /reduced-space/.test(sub.reason));
  assert.ok('job' in supernetJob(smoke, baseRequest(smoke)), 'the smoke base supernet is a job');
});
