import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { runPool, runPoolSettled } from '../../src/engine/pool';

const task = { module: path.join(__dirname, 'fixtures', 'pool-task.ts'), exportName: 'square' };
type Out = {
  y: number;
  pid: number;
  worker: number;
  job: number;
  engine: string;
  threadsEnv: string;
};

test('runPool returns outputs in input order from several worker processes', async () => {
  const inputs = [1, 2, 3, 4, 5, 6].map((x) => ({ x, sleepMs: 150 }));
  const out = await runPool<{ x: number }, Out>(task, inputs, {
    workers: 2,
    engine: 'cpu',
    threadsPerWorker: 1,
  });
  assert.deepEqual(
    out.map((o) => o.y),
    [1, 4, 9, 16, 25, 36],
  );
  assert.deepEqual(
    out.map((o) => o.job),
    [0, 1, 2, 3, 4, 5],
  );
  assert.equal(new Set(out.map((o) => o.pid)).size, 2, 'both workers took jobs');
  assert.ok(out.every((o) => o.pid !== process.pid && o.engine === 'cpu' && o.threadsEnv === '1'));
});

test('a failing job is reported with its error; runPool throws naming it', async () => {
  const inputs = [{ x: 2 }, { x: -1 }, { x: 3 }];
  const settled = await runPoolSettled<{ x: number }, Out>(task, inputs, {
    workers: 1,
    engine: 'cpu',
  });
  assert.equal(settled[0].ok, true);
  assert.equal(settled[2].ok, true);
  assert.equal(settled[1].ok, false);
  assert.match((settled[1] as { error: string }).error, /negative input -1/);
  await assert.rejects(
    runPool(task, inputs, { workers: 1, engine: 'cpu' }),
    /1 of 3 pool jobs failed; job 1: .*negative input -1/,
  );
});

test('a task module that cannot load fails every job with the reason', async () => {
  const bad = { module: path.join(__dirname, 'fixtures', 'pool-task.ts'), exportName: 'nope' };
  const settled = await runPoolSettled(bad, [{ x: 1 }, { x: 2 }], { workers: 2, engine: 'cpu' });
  assert.equal(settled.length, 2);
  for (const r of settled) {
    assert.equal(r.ok, false);
    assert.match((r as { error: string }).error, /no exported function "nope"/);
  }
  await assert.rejects(
    runPoolSettled({ module: 'relative/path.ts', exportName: 'x' }, [1]),
    /absolute path/,
  );
});

test('a worker that crashes fails only its job; a fresh worker runs the rest', async () => {
  const settled = await runPoolSettled<{ x: number }, Out>(task, [{ x: 13 }, { x: 2 }, { x: 3 }], {
    workers: 1,
    engine: 'cpu',
  });
  assert.equal(settled[0].ok, false);
  assert.match((settled[0] as { error: string }).error, /exited \(code 3\) while running job 0/);
  assert.deepEqual(
    settled.slice(1).map((r) => (r.ok ? r.value.y : null)),
    [4, 9],
  );
});
