// An experiment on a sweep queue (SUPERNET_LAB_QUEUE, a real redis-server on a free loopback
// port): notebook 04's consistent-bias experiment at a shrunk smoke scale, run once here without
// the queue and once with it and two `supernet-lab worker` processes, reads the same tables bit
// for bit (scores of every checkpoint, both supernets' checkpoints, the correlation matrices);
// with the queue nothing trains or scores in this process. The same for the other kinds of run
// an experiment sends to the queue, at a shrunk laptop scale: a base supernet with the laptop
// base's own BN calibration, a reduced space (a subspace job) and a DARTS search (a search
// job). A job the experiment needs that parks fails the experiment with the job's id and error;
// runs no job reproduces stay here with the reason.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Queue } from 'bullmq';
import { budgetFrontier } from '../../src/experiments';
import { consistentBias } from '../../src/experiments/consistent-bias';
import { experimentContext, type ExperimentOptions } from '../../src/experiments/context';
import {
  experimentSweepName,
  scoreJob,
  searchJob,
  submitSupernets,
  supernetJob,
  trainOnQueue,
} from '../../src/experiments/queue';
import { ensureSupernet } from '../../src/experiments/runs';
import { baseRequest, baseStudy, studyArchs } from '../../src/experiments/base';
import { ensureSearch, searchInput } from '../../src/experiments/gaea';
import { reducedRun } from '../../src/experiments/reduced-spaces';
import { readLog } from '../../src/runs/folder';
import { formatNb201 } from '../../src/spaces/nb201/arch';
import {
  jobArgv,
  type ScoreJobSpec,
  type SearchJobSpec,
  type SubspaceJobSpec,
  type TrainJobSpec,
} from '../../src/sweep/spec';
import { QUEUE_NAME, redisOptions } from '../../src/sweep/queue';
import { readDone, readPlan } from '../../src/sweep/storage';
import { redisServerAvailable, TestRedis } from './redis';
import { removeWhenQuiet } from './quiet';
import { FASHION, TINY_FRONTIER, writeSeedTable } from '../experiments/seed-table';

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
  await redis?.stop();
  delete process.env.SUPERNET_LAB_QUEUE;
  delete process.env.SUPERNET_LAB_STORAGE;
  await removeWhenQuiet(tmp);
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
    // Both supernets and their 3 score jobs (which wait on the workers for their supernet).
    assert.ok(
      log.some((l) => /5 run\(s\) submitted/.test(l)),
      `both runs and their scores submitted up front:\n${log.join('\n')}`,
    );
    assert.ok(
      log.some((l) => /^queue: \d\/5 done, \d running, \d waiting/.test(l)),
      `a progress line:\n${log.join('\n')}`,
    );
    const plan = readPlan(storage, experimentSweepName({ scale: 'smoke' }));
    const ofStage = (stage: string) => plan.jobs.filter((j) => j.spec.stage === stage);
    assert.deepEqual(
      ofStage('train')
        .map((j) => j.id)
        .sort(),
      jobRuns.map((d) => path.basename(d)).sort(),
    );
    // The study cells at both checkpoints of the base supernet and the last of the seed run.
    assert.equal(ofStage('score').length, 3, 'score jobs');
    assert.equal(plan.jobs.length, 5);
    for (const j of ofStage('score')) {
      assert.doesNotMatch(readDone(storage, j.id)!.worker, new RegExp(`:${process.pid}$`));
    }
    assert.ok(!log.some((l) => /scored \d+ architectures/.test(l)), 'nothing scored here');

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

/**
 * What must not depend on where a run ran: its score tables, checkpoint tensors, cell list,
 * search records and result (without its time), and the per-epoch losses.
 */
function runContent(dir: string): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const sub of ['scores', 'checkpoints']) {
    const base = path.join(dir, sub);
    if (!fs.existsSync(base)) continue;
    for (const f of (fs.readdirSync(base, { recursive: true }) as string[]).sort()) {
      if (f.endsWith('.csv') || f.endsWith('tensors.bin')) {
        out[`${sub}/${f}`] = fs.readFileSync(path.join(base, f)).toString('base64');
      }
    }
  }
  for (const f of ['space.txt', 'arch.jsonl']) {
    if (fs.existsSync(path.join(dir, f))) out[f] = fs.readFileSync(path.join(dir, f), 'utf8');
  }
  if (fs.existsSync(path.join(dir, 'result.json'))) {
    const { seconds: _, ...result } = JSON.parse(
      fs.readFileSync(path.join(dir, 'result.json'), 'utf8'),
    ) as Record<string, unknown>;
    out.result = result;
  }
  out.losses = readLog(dir).map((e) => [e.loss, e.accuracy]);
  return out;
}

/**
 * Laptop scale, shrunk to seconds: the base supernet keeps the laptop base's own BN calibration
 * (2 batches, here of 64, not the preset's 5 x 200), six study cells scored, one reduced space
 * and one DARTS search of an epoch.
 */
function laptopOptions(runsDir: string, log: string[], queued: boolean): ExperimentOptions {
  const laptop = experimentContext({ scale: 'laptop', queue: null }).settings;
  return {
    scale: 'laptop',
    dataset: 'cifar10-subset',
    runsDir,
    log: (line) => log.push(line),
    queue: queued ? redis.url : null,
    storage,
    settings: {
      base: {
        ...laptop.base,
        epochs: 1,
        checkpointEpochs: [1],
        channels: 4,
        trainImages: 256,
        validImages: 128,
        calibrationBatches: 2,
        calibrationBatchSize: 64,
      },
      scoredArchs: 6,
      subspace: { ...laptop.subspace, epochs: 1, scoredArchs: 4 },
      gaea: {
        ...laptop.gaea,
        epochs: 1,
        channels: 4,
        batchSize: 16,
        trainImages: 64,
        validImages: 64,
      },
    },
  };
}

test(
  'a laptop base supernet, its scores, a reduced space and a search run on the queue bit for bit as here',
  { skip: noRedis, timeout: 600_000 },
  async () => {
    const run = async (runsDir: string, log: string[], queued: boolean) => {
      const ctx = experimentContext(laptopOptions(runsDir, log, queued));
      const base = await baseStudy(ctx, 'final');
      const reduced = await reducedRun(ctx, 'random', 64, 1);
      const search = await ensureSearch(ctx, 'darts-1', 0);
      return { ctx, base, reduced, search };
    };
    const localLog: string[] = [];
    const local = await run(path.join(tmp, 'laptop-local'), localLog, false);
    assert.equal(runDirsOf(path.join(tmp, 'laptop-local')).length, 3, 'trained here');

    while (workers.size < 2) startWorker();
    const log: string[] = [];
    const queued = await run(path.join(tmp, 'laptop-queued'), log, true);
    assert.deepEqual(runDirsOf(path.join(tmp, 'laptop-queued')), [], 'nothing ran here');
    assert.deepEqual(
      log.filter((l) =>
        /here, not on the queue|^training |scored \d+ architectures|^running /.test(l),
      ),
      [],
      'no run, score or search in this process',
    );

    const storageRuns = path.join(storage, 'runs');
    for (const [what, a, b] of [
      ['base supernet', local.base.run.dir, queued.base.run.dir],
      ['reduced space', local.reduced.run.dir, queued.reduced.run.dir],
      [
        'search',
        path.join(local.ctx.runsDir, local.search.run),
        path.join(storageRuns, queued.search.run),
      ],
    ] as const) {
      assert.equal(path.dirname(b), storageRuns, `${what}: the workers' run folder`);
      assert.deepEqual(runContent(b), runContent(a), `${what}: bit for bit`);
    }
    assert.equal(queued.base.run.config.calibrationBatchSize, 64, "the laptop base's calibration");
    assert.deepEqual(
      queued.base.epochs.map((e) => e.table.objects()),
      local.base.epochs.map((e) => e.table.objects()),
    );
    assert.deepEqual(queued.reduced.rows, local.reduced.rows);
    assert.deepEqual(queued.search.records, local.search.records);
    const { seconds: _a, ...qr } = queued.search.result;
    const { seconds: _b, ...lr } = local.search.result;
    assert.deepEqual(qr, lr);

    // Every one was a job, run by a worker.
    const plan = readPlan(storage, experimentSweepName({ scale: 'laptop' }));
    assert.deepEqual([...new Set(plan.jobs.map((j) => j.spec.stage))].sort(), [
      'score',
      'search',
      'subspace',
      'train',
    ]);
    for (const j of plan.jobs) {
      const done = readDone(storage, j.id);
      assert.ok(done, `${j.id} done`);
      assert.doesNotMatch(done!.worker, new RegExp(`:${process.pid}$`), 'a worker ran it');
    }
  },
);

test(
  "notebook 09's frontier on the queue: its supernets and the table's cells scored by workers, bit for bit",
  {
    skip: noRedis || (fs.existsSync(FASHION) ? false : 'dataset-fashion-mnist is not installed'),
    timeout: 600_000,
  },
  async () => {
    const dir = path.join(tmp, 'frontier');
    fs.mkdirSync(dir);
    const { table, archs } = writeSeedTable(dir);
    const run = (runsDir: string, log: string[], queued: boolean) =>
      budgetFrontier(
        {
          scale: 'smoke',
          runsDir,
          log: (l) => log.push(l),
          queue: queued ? redis.url : null,
          storage,
        },
        { table, settings: TINY_FRONTIER },
      );
    const local = await run(path.join(dir, 'local'), [], false);
    assert.equal(runDirsOf(path.join(dir, 'local')).length, 3, 'three supernets trained here');

    while (workers.size < 2) startWorker();
    const log: string[] = [];
    const queued = await run(path.join(dir, 'queued'), log, true);
    assert.deepEqual(runDirsOf(path.join(dir, 'queued')), [], log.join('\n'));
    assert.ok(!log.some((l) => /^training |scored \d+ architectures/.test(l)), log.join('\n'));
    // The same points but for the runs' names (a job's folder is named by its id).
    const points = (r: typeof local) => r.points.map(({ imagesPerSecond: _, run: __, ...p }) => p);
    assert.deepEqual(points(queued), points(local), 'every statistic');
    queued.points.forEach((p, i) => {
      assert.deepEqual(
        runContent(path.join(storage, 'runs', p.run)),
        runContent(path.join(dir, 'local', local.points[i].run)),
        `${p.series} C=${p.channels} epoch ${p.epoch}: checkpoints and scores bit for bit`,
      );
    });

    // The cells are no sampled list: each score job names the list file the frontier wrote.
    const plan = readPlan(storage, experimentSweepName({ scale: 'smoke' }));
    const scores = plan.jobs.filter(
      (j) => j.spec.stage === 'score' && (j.spec as ScoreJobSpec).archList !== undefined,
    );
    // The 2-epoch run at epochs 1 and 2, the 1-epoch runs of C=4 and C=2 at epoch 1.
    assert.equal(scores.length, 4, 'score jobs of the table list');
    const lists = new Set(scores.map((j) => (j.spec as ScoreJobSpec).archList!));
    assert.equal(lists.size, 1, 'one list');
    const [sha] = lists;
    assert.equal(
      fs.readFileSync(path.join(storage, 'lists', `${sha}.txt`), 'utf8'),
      archs.join('\n') + '\n',
    );
    for (const j of scores) {
      assert.doesNotMatch(readDone(storage, j.id)!.worker, new RegExp(`:${process.pid}$`));
    }
  },
);

test('each run is the job the sweep plans for it, or stays local with the reason', () => {
  const laptop = experimentContext({ scale: 'laptop', queue: null });
  const m = supernetJob(laptop, baseRequest(laptop));
  // The laptop base supernet calibrates BN with 2 x 250 images (the preset: 5 x 200).
  assert.ok('job' in m, 'reason' in m ? m.reason : '');
  const spec = m.job.spec as TrainJobSpec;
  assert.deepEqual([spec.calibrationBatches, spec.calibrationBatchSize], [2, 250]);
  const argv = jobArgv(spec, '/s/runs/x');
  assert.equal(argv[argv.indexOf('--calib-batches') + 1], '2');
  assert.equal(argv[argv.indexOf('--calib-size') + 1], '250');
  // A setting no train job carries.
  const noAugment = supernetJob(laptop, baseRequest(laptop, { hyper: { augment: false } }));
  assert.ok(
    'reason' in noAugment && /its augment false is not what a train job/.test(noAugment.reason),
  );

  // cifar10-subset: a search's default ground truth there is stand-alone training.
  const smoke = experimentContext({ scale: 'smoke', dataset: 'cifar10-subset', queue: null });
  assert.ok('job' in supernetJob(smoke, baseRequest(smoke)), 'the smoke base supernet is a job');
  const custom = supernetJob({ ...smoke, dataSource: '/data/cifar' }, baseRequest(smoke));
  assert.ok('reason' in custom && /reads its dataset from \/data\/cifar/.test(custom.reason));
  // A reduced space outside notebooks 03 / 06 (no repeat, no scored cells) is no subspace job.
  const space = { reduction: 'random' as const, factor: 8, seed: 1 };
  const loose = supernetJob(smoke, { ...baseRequest(smoke), subspace: space });
  assert.ok('reason' in loose && /no subspace job/.test(loose.reason));
  const sub = supernetJob(smoke, {
    ...baseRequest(smoke, { seed: 1, hyper: { epochs: 1, checkpointEpochs: [1] } }),
    subspace: space,
    subspaceRun: { repeat: 1, sample: 5 },
  });
  assert.ok('job' in sub, 'reason' in sub ? sub.reason : '');
  assert.equal(sub.job.spec.stage, 'subspace');
  assert.deepEqual(
    (({ seed, repeat, factor, sample }) => ({ seed, repeat, factor, sample }))(
      sub.job.spec as SubspaceJobSpec,
    ),
    { seed: 0, repeat: 1, factor: 8, sample: 5 },
  );

  // Scores: only of a run the queue trained (any list: the study's by its seed, others as a file).
  const q = experimentContext({ scale: 'smoke', queue: 'redis://127.0.0.1:1', storage });
  const archs = studyArchs(4).map((a) => formatNb201(a));
  const here = scoreJob(q, path.join(tmp, 'somewhere', 'base-run'), 1, archs);
  assert.ok('reason' in here && /not a supernet the queue's workers trained/.test(here.reason));

  // Searches: the notebook's settings are the search job's fields; others stay local.
  const input = searchInput(smoke, 'gaea-bilevel', 0, 'native');
  const s = searchJob(smoke, input);
  assert.ok('job' in s, 'reason' in s ? s.reason : '');
  const g = smoke.settings.gaea;
  const js = s.job.spec as SearchJobSpec;
  assert.deepEqual(
    [js.epochs, js.batchSize, js.channels, js.cells, js.trainImages, js.validImages, js.samples],
    [
      g.epochs,
      g.batchSize,
      g.channels,
      g.cellsPerStage,
      g.trainImages,
      g.validImages,
      g.rswsSamples,
    ],
  );
  assert.equal(js.groundTruth, 'benchmark', 'the notebook reads the benchmark only');
  const eta = searchJob(smoke, { ...input, overrides: { ...input.overrides, gaeaEta: 0.2 } });
  assert.ok('reason' in eta && /a search job has no gaeaEta/.test(eta.reason));
});

test('a supernet complete in the runs folder is not submitted (the experiment is not missing it)', async () => {
  const runsDir = path.join(tmp, 'complete-runs');
  const request = (ctx: ReturnType<typeof experimentContext>) =>
    baseRequest(ctx, { seed: 3, hyper: { epochs: 1, checkpointEpochs: [1] } });
  const here = experimentContext({ scale: 'smoke', runsDir, queue: null, log: () => {} });
  const shrunk = {
    ...request(here),
    hyper: { ...request(here).hyper, trainImages: 64, validImages: 32 },
  };
  await ensureSupernet(here, shrunk);
  // A queue nobody listens on: submitting anything would fail to connect.
  const log: string[] = [];
  const q = experimentContext({
    scale: 'smoke',
    runsDir,
    queue: 'redis://127.0.0.1:1',
    storage: path.join(tmp, 'unused-storage'),
    log: (l) => log.push(l),
  });
  await submitSupernets(q, [shrunk]);
  assert.ok(
    log.some((l) => /1 supernet run\(s\) complete in .*, not submitted/.test(l)),
    log.join('\n'),
  );
});
