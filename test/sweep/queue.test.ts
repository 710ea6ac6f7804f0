// Sweeps on a real redis-server (started here on a free loopback port, killed at the end):
// the smoke sweep (2 spaces x 2 seeds: train, score, ground truth) run by queue workers gives
// the local run's tables bit for bit, through a kill -9 of a worker in the middle of a job and
// a SIGKILL + restart of Redis; every job runs to completion exactly once. Then: a duplicate
// submit is a no-op, a poisoned job parks after its attempts with its error and log tail, a
// malformed payload fails without running, and a held job lock makes the worker move on.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Queue } from 'bullmq';
import { acquireRunLock, readRunLock } from '../../src/runs/lock';
import { QUEUE_NAME, redisOptions } from '../../src/sweep/queue';
import { planGrid } from '../../src/sweep/grid';
import { jobDir, jobLogPath, readParked, runDir, isDone } from '../../src/sweep/storage';
import type { ResolvedJob } from '../../src/sweep/spec';
import { TestRedis } from './redis';
import { removeWhenQuiet } from './quiet';

const root = path.join(__dirname, '..', '..');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'sweep-queue-'));
let redis: TestRedis;
const children = new Set<ChildProcess>();

before(async () => {
  redis = await TestRedis.create({ password: 'p@ss word' });
});
after(async () => {
  for (const c of children) c.kill('SIGKILL');
  await redis?.stop();
  await removeWhenQuiet(tmp);
});

const CLI = ['--import', 'tsx', path.join(root, 'src/cli/run.ts')];
const ENV = { ...process.env, SUPERNET_LAB_ENGINE: 'native' };

function cli(args: string[]) {
  const r = spawnSync(process.execPath, [...CLI, ...args], {
    cwd: root,
    encoding: 'utf8',
    env: ENV,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

function startWorker(storage: string, extra: string[] = []): ChildProcess {
  const args = [
    'worker',
    '--queue',
    redis.url,
    '--storage',
    storage,
    '--lock-seconds',
    '3',
    ...extra,
  ];
  const child = spawn(process.execPath, [...CLI, ...args], {
    cwd: root,
    env: ENV,
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let err = '';
  child.stderr!.on('data', (d: Buffer) => (err = (err + d.toString()).slice(-4000)));
  child.on('exit', () => children.delete(child));
  (child as ChildProcess & { tail: () => string }).tail = () => err;
  children.add(child);
  return child;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until(what: string, ms: number, check: () => boolean | Promise<boolean>) {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await sleep(200);
  }
}

function writeGrid(name: string, lines: string[]): string {
  const file = path.join(tmp, `${name}.yaml`);
  fs.writeFileSync(file, [`name: ${name}`, ...lines, ''].join('\n'));
  return file;
}

function tables(storage: string, name: string): Record<string, string> {
  const r = cli(['sweep', 'collect', name, '--storage', storage]);
  assert.equal(r.code, 0, r.stderr);
  const dir = path.join(storage, 'sweeps', name, 'tables');
  const out: Record<string, string> = {};
  for (const f of ['scores.csv', 'groundtruth.csv', 'metrics.csv']) {
    out[f] = fs.readFileSync(path.join(dir, f), 'utf8');
  }
  return out;
}

function attemptsIn(storage: string, id: string): number {
  const file = jobLogPath(storage, id);
  return fs.existsSync(file)
    ? fs
        .readFileSync(file, 'utf8')
        .split('\n')
        .filter((l) => l.startsWith('=== attempt')).length
    : 0;
}

/** Parent pid of a process (Linux /proc). */
function parentPid(pid: number): number | null {
  try {
    return Number(fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ')[1]);
  } catch {
    return null;
  }
}

let reference: Record<string, string>;
let plan: { jobs: ResolvedJob[] };
/** The committed smoke grid: nb201 and nb101 x seeds 0, 1; 2 epochs, 4 scored and trained archs. */
const gridFile = path.join(root, 'grids', 'smoke.yaml');

test('local run (no Redis): the reference tables', { timeout: 1_200_000 }, () => {
  const storage = path.join(tmp, 'local');
  const t0 = Date.now();
  const r = cli(['sweep', 'submit', gridFile, '--storage', storage, '--workers', '2']);
  assert.equal(r.code, 0, r.stderr.slice(-3000));
  const summary = JSON.parse(r.stdout.trim().split('\n').pop()!);
  assert.equal(summary.done, 10);
  assert.deepEqual(summary.parked, []);
  reference = tables(storage, 'smoke');
  plan = planGrid(gridFile);
  const rows = (t: string) => t.trim().split('\n').length - 1;
  assert.equal(rows(reference['scores.csv']), 4 * 2 * 4, '4 runs x 2 checkpoints x 4 archs');
  assert.equal(rows(reference['groundtruth.csv']), 2 * 4);
  assert.equal(rows(reference['metrics.csv']), 4 * 2, 'one row per run and checkpoint');
  console.log(
    `local sweep: ${plan.jobs.length} jobs in ${((Date.now() - t0) / 1000).toFixed(1)} s`,
  );
});

test(
  'queue: 2 workers, a worker killed mid-job and Redis restarted give the same tables',
  { timeout: 1_800_000 },
  async () => {
    const storage = path.join(tmp, 'queue');
    const first = cli(['sweep', 'submit', gridFile, '--queue', redis.url, '--storage', storage]);
    assert.equal(first.code, 0, first.stderr);
    assert.equal(JSON.parse(first.stdout).added, 10);
    const again = cli(['sweep', 'submit', 'smoke', '--queue', redis.url, '--storage', storage]);
    assert.equal(again.code, 0, again.stderr);
    assert.deepEqual(
      { added: JSON.parse(again.stdout).added, queued: JSON.parse(again.stdout).alreadyQueued },
      { added: 0, queued: 10 },
      'a duplicate submit is a no-op',
    );
    const t0 = Date.now();
    const w1 = startWorker(storage);
    const w2 = startWorker(storage);
    const trains = plan.jobs.filter((j) => j.spec.stage === 'train');
    // Kill -9 worker 1 in the middle of a job: preferably a training past its first checkpoint
    // (the next worker resumes it), else (after 10 s) any training it runs, else (after 60 s)
    // whatever job it holds.
    let victim = '';
    let victimEpochs = 0;
    const since = Date.now();
    await until('worker 1 in the middle of a job', 600_000, () => {
      for (const j of plan.jobs) {
        const holder = readRunLock(jobDir(storage, j.id));
        if (!holder || parentPid(holder.pid) !== w1.pid || isDone(storage, j.id)) continue;
        const log = path.join(runDir(storage, j.id), 'log.jsonl');
        const epochs = fs.existsSync(log)
          ? fs.readFileSync(log, 'utf8').split('\n').filter(Boolean).length
          : 0;
        const waited = Date.now() - since;
        const training = j.spec.stage === 'train' && (epochs === 1 || waited > 10_000);
        if (training || waited > 60_000) {
          victim = j.id;
          victimEpochs = epochs;
          return true;
        }
      }
      return false;
    });
    w1.kill('SIGKILL');
    const kills = 1;
    const w3 = startWorker(storage);
    // Redis dies (SIGKILL) and comes back on the same append-only file while jobs run.
    await until(
      'a few jobs done',
      900_000,
      () => plan.jobs.filter((j) => isDone(storage, j.id)).length >= 5,
    );
    await redis.kill();
    await sleep(1500);
    await redis.start();
    const restarts = 1;
    const queue = new Queue(QUEUE_NAME, { connection: redisOptions(redis.url) });
    try {
      await until('every job done', 1_200_000, async () => {
        const states = await Promise.all(plan.jobs.map((j) => queue.getJobState(j.id)));
        return states.every((s) => s === 'completed');
      });
      for (const j of plan.jobs) {
        assert.ok(isDone(storage, j.id), `${j.id} has done.json`);
        const job = await queue.getJob(j.id);
        assert.equal(await job!.getState(), 'completed', `${j.id} completed once in the queue`);
      }
    } finally {
      await queue.close();
    }
    // Exactly once: each training epoch logged once, each architecture scored and trained once.
    for (const j of trains) {
      const epochs = fs
        .readFileSync(path.join(runDir(storage, j.id), 'log.jsonl'), 'utf8')
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l).epoch);
      assert.deepEqual(epochs, [1, 2], `${j.id}: epochs once each`);
    }
    assert.ok(attemptsIn(storage, victim) >= 2, 'the killed job ran again on another worker');
    const got = tables(storage, 'smoke');
    for (const f of Object.keys(reference)) assert.equal(got[f], reference[f], `${f} bit for bit`);
    console.log(
      `queue sweep: ${plan.jobs.length} jobs in ${((Date.now() - t0) / 1000).toFixed(1)} s, survived ${kills} worker kill -9 (job ${victim} after ${victimEpochs} epoch(s), ${attemptsIn(storage, victim)} attempts) and ${restarts} Redis restart`,
    );
    for (const w of [w2, w3]) w.kill('SIGTERM');
    await until(
      'workers stopped on SIGTERM',
      20_000,
      () => w2.exitCode !== null && w3.exitCode !== null,
    );
    assert.equal(w2.exitCode, 0, (w2 as ChildProcess & { tail: () => string }).tail());
  },
);

test(
  'poisoned job parks after its attempts; malformed payload never runs; a held job waits',
  { timeout: 900_000 },
  async () => {
    const storage = path.join(tmp, 'poison');
    // CIFAR-10 is not on this machine and the job may not download it: every attempt fails.
    const grid = writeGrid('poison', [
      'scale: smoke',
      'spaces: [nb201]',
      'datasets: [cifar10]',
      'train: {}',
    ]);
    const sub = cli([
      'sweep',
      'submit',
      grid,
      '--queue',
      redis.url,
      '--storage',
      storage,
      '--attempts',
      '2',
    ]);
    assert.equal(sub.code, 0, sub.stderr);
    const poisoned = planGrid(grid).jobs[0];
    // A payload that is not a valid job (an unknown field) under a made-up id.
    const queue = new Queue(QUEUE_NAME, { connection: redisOptions(redis.url) });
    const fake = 'train-00000000000000ff';
    await queue.add(
      'train',
      {
        schema: 1,
        id: fake,
        spec: { stage: 'train', space: 'nb201', scale: 'smoke', seed: 0, cmd: 'touch /tmp/x' },
      },
      { jobId: fake, attempts: 3 },
    );
    // A real job whose lease lock another live process (this test) holds.
    const heldGrid = writeGrid('held', [
      'scale: smoke',
      'spaces: [nb201]',
      'seeds: [7]',
      'train: {epochs: 1}',
    ]);
    const held = planGrid(heldGrid).jobs[0];
    const release = await acquireRunLock(jobDir(storage, held.id), { command: 'test holds it' });
    assert.equal(
      cli(['sweep', 'submit', heldGrid, '--queue', redis.url, '--storage', storage]).code,
      0,
    );
    const w = startWorker(storage, ['--concurrency', '2']);
    try {
      await until(
        'the poisoned job parked',
        600_000,
        async () => (await queue.getJobState(poisoned.id)) === 'failed',
      );
      const job = await queue.getJob(poisoned.id);
      assert.equal(job!.attemptsMade, 2);
      const parked = readParked(storage, poisoned.id);
      assert.ok(parked, 'parked.json written');
      assert.equal(parked!.attempts, 2);
      assert.match(parked!.error, /exited with code 2/);
      assert.ok(
        parked!.logTail.some((l) => /cifar/i.test(l)),
        'the log tail says what went wrong',
      );
      const status = cli(['sweep', 'status', 'poison', '--queue', redis.url, '--storage', storage]);
      assert.match(status.stdout, /1 parked/);

      await until(
        'the malformed job failed',
        300_000,
        async () => (await queue.getJobState(fake)) === 'failed',
      );
      const bad = await queue.getJob(fake);
      assert.match(
        bad!.failedReason,
        /malformed job: job train-00000000000000ff: unknown field "cmd"/,
      );
      assert.equal(bad!.attemptsMade, 1, 'not retried');
      assert.ok(
        !fs.existsSync(runDir(storage, fake)) && !fs.existsSync(jobDir(storage, fake)),
        'nothing ran',
      );

      // The held job is passed over while the lock is held, then runs once it is free.
      await sleep(4000);
      assert.ok(!isDone(storage, held.id));
      assert.equal(attemptsIn(storage, held.id), 0, 'met the lock, moved on: not started');
      release();
      await until('the held job done', 600_000, () => isDone(storage, held.id));

      // retry re-queues the parked job (it fails again: the data is still missing).
      const retry = cli(['sweep', 'retry', 'poison', '--queue', redis.url, '--storage', storage]);
      assert.equal(JSON.parse(retry.stdout).requeued, 1, retry.stderr);
      assert.equal(readParked(storage, poisoned.id), null, 'parked.json cleared on retry');
    } finally {
      release();
      await queue.close();
      w.kill('SIGTERM');
    }
  },
);
