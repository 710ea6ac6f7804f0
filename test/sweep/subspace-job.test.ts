// A sweep's `subspace` job run locally (no Redis: runJob forks the job process, as local
// workers and queue workers do) gives the run the reduced-spaces experiment (notebook 03)
// gives for the same (factor, repeat): the same cells, the same trained weights and the same
// scores; collect turns it into subspaces.csv rows.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { experimentContext } from '../../src/experiments/context';
import { reducedRun } from '../../src/experiments/reduced-spaces';
import { experimentSettings } from '../../src/experiments/scales';
import { readCheckpoint, readLog } from '../../src/runs/folder';
import { collectTables } from '../../src/sweep/collect';
import { runJob } from '../../src/sweep/execute';
import { resolveJob, type JobSpec } from '../../src/sweep/spec';
import { runDir } from '../../src/sweep/storage';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'sweep-subspace-'));
after(() => fs.rmSync(tmp, { recursive: true, force: true }));
process.env.SUPERNET_LAB_ENGINE ??= 'native';
// A sweep job computes on one thread (runJob); so does the experiment here, or reductions
// split over threads round differently.
process.env.SUPERNET_LAB_THREADS = '1';
process.env.OMP_NUM_THREADS = '1';

const DATASET = 'cifar10-subset';
const IMAGES = 64;

test('a subspace job trains and scores what the reduced-spaces experiment does', async () => {
  const smoke = experimentSettings('smoke');
  // Fields left out resolve to the NB-201 smoke preset, which the experiments' smoke base
  // supernet settings equal (C=4 N=1, batch 32, BN calibration 2 x 64).
  const job = resolveJob(
    {
      stage: 'subspace',
      space: 'nb201',
      scale: 'smoke',
      dataset: DATASET,
      seed: 0,
      reduction: 'random',
      factor: 64,
      repeat: 1,
      sample: 4,
      epochs: smoke.subspace.epochs,
      trainImages: IMAGES,
      validImages: IMAGES,
    } as JobSpec,
    'test',
  );
  const storage = path.join(tmp, 'storage');
  const outcome = await runJob(job, { storage, attempt: 1 });
  assert.equal(outcome.kind, 'done', outcome.kind === 'failed' ? outcome.error : '');
  const jobRun = runDir(storage, job.id);

  const ctx = experimentContext({
    scale: 'smoke',
    dataset: DATASET,
    seed: 0,
    runsDir: path.join(tmp, 'experiment-runs'),
    log: () => undefined,
    settings: {
      base: { ...smoke.base, trainImages: IMAGES, validImages: IMAGES },
      subspace: { ...smoke.subspace, scoredArchs: 4 },
    },
  });
  const ref = await reducedRun(ctx, 'random', 64, 1);
  assert.notEqual(ref.run.dir, jobRun);
  assert.equal(ref.cells.length, 239, 'round(15284 / 64) cells');
  assert.equal(ref.rows.length, 4);

  const epoch = smoke.subspace.epochs;
  const scoresFile = (dir: string) =>
    path.join(dir, 'scores', `epoch-${String(epoch).padStart(4, '0')}.csv`);
  for (const f of ['space.txt', path.relative(jobRun, scoresFile(jobRun))]) {
    assert.equal(
      fs.readFileSync(path.join(jobRun, f), 'utf8'),
      fs.readFileSync(path.join(ref.run.dir, f), 'utf8'),
      `${f} equal`,
    );
  }
  const a = readCheckpoint(jobRun, epoch).tensors;
  const b = readCheckpoint(ref.run.dir, epoch).tensors;
  assert.deepEqual([...a.keys()].sort(), [...b.keys()].sort());
  for (const [name, t] of a) {
    assert.deepEqual(t.data, b.get(name)!.data, `checkpoint tensor ${name} equal`);
  }
  const losses = (dir: string) => readLog(dir).map((e) => [e.loss, e.accuracy]);
  assert.deepEqual(losses(jobRun), losses(ref.run.dir));
  for (const k of ['spaceReduction', 'spaceFactor', 'spaceSeed', 'spaceSize', 'seed', 'epochs']) {
    const cfg = (dir: string) =>
      (
        JSON.parse(fs.readFileSync(path.join(dir, 'config.json'), 'utf8')) as Record<
          string,
          unknown
        >
      )[k];
    assert.deepEqual(cfg(jobRun), cfg(ref.run.dir), `config ${k}`);
  }

  const again = await runJob(job, { storage, attempt: 2 });
  assert.equal(again.kind === 'done' && again.skipped, true, 'a done job is not run again');

  const table = collectTables(storage, [job]).subspaces.objects() as Record<string, unknown>[];
  assert.equal(table.length, 4);
  const byArch = new Map(ref.rows.map((r) => [r.arch, r]));
  for (const row of table) {
    assert.equal(row.job, job.id);
    assert.equal(row.reduction, 'random');
    assert.equal(row.factor, 64);
    assert.equal(row.repeat, 1);
    assert.equal(row.cells, 239);
    assert.equal(row.epoch, epoch);
    assert.equal(row.accuracy, byArch.get(row.arch as string)!.accuracy);
  }
});
