/**
 * The smoke subset of `npm run drills` (scripts/drills.ts): kill -9 of `train` twice at random
 * moments (resumed runs bit-identical to an uninterrupted one), a few corrupted inputs (each a
 * named error, nothing written), 200+ fuzzed architecture strings and CLI flags (no crash
 * without a clear message), one kill -9 trial of a sweep worker on a real redis-server (the
 * tables of the undisturbed sweep, each job once), 150 fuzzed grid files, the drill table's
 * verdict on a failed case and --merge-into's merge.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../../src/engine/random';
import { drillKey, drillsPassed, formatDrillTable, mergeDrills } from '../../scripts/drills';
import { newResult, removeTemps } from '../../scripts/drills/common';
import { corruptDrills } from '../../scripts/drills/corrupt';
import { drillFixtures } from '../../scripts/drills/fixtures';
import { archFuzzDrills, cliFuzzDrill } from '../../scripts/drills/fuzz';
import { gridFuzzDrill } from '../../scripts/drills/fuzz-grid';
import { sweepWorkerDrill } from '../../scripts/drills/sweep-worker';
import { redisServerAvailable } from '../sweep/redis';
import { killDrill, killScenarios } from '../../scripts/drills/kill';

const fx = drillFixtures();
const rng = new Rng('drills-smoke');
after(() => {
  fx.dispose();
  removeTemps();
});

const summary = (r: { notes: string[] }) => r.notes.join('\n');

test('kill -9 of train at 2 random moments: both resumed runs bit-identical to the uninterrupted run', async () => {
  const train = killScenarios(async () => (await fx.trainedRun()).dir).find(
    (s) => s.name === 'train',
  )!;
  const r = await killDrill(train, 2, rng);
  assert.equal(r.tried, 2);
  assert.equal(r.lost, 0, summary(r));
  assert.equal(r.silentWrong, 0, summary(r));
  assert.equal(r.ok, 2, summary(r));
});

test('corrupted inputs: flipped checkpoint bytes, a truncated dataset file, the NB-201 table, a notebook parameter', async () => {
  const picked = [
    'tensors.bin bytes flipped (same size)',
    'fashion-mnist images gz truncated',
    'NAS-Bench-201 table truncated',
    'SPACE parameter unknown',
    'scores csv bytes flipped',
  ];
  const results = await corruptDrills(fx, rng, (c) => picked.includes(c.name));
  assert.equal(
    results.reduce((s, r) => s + r.tried, 0),
    picked.length,
  );
  for (const r of results) {
    assert.equal(r.silentWrong, 0, summary(r));
    assert.equal(r.ok, r.tried, `${r.name}: ${summary(r)}`);
  }
});

test('fuzzing: architecture strings of every space, genotype literals and CLI flags never crash without a clear message', async () => {
  const arch = archFuzzDrills(30, 1);
  assert.equal(arch.length, 6, 'five spaces and the genotype literals');
  const cli = await cliFuzzDrill(40, 1);
  for (const r of [...arch, cli]) assert.equal(r.ok, r.tried, `${r.name}: ${summary(r)}`);
  assert.ok(arch.reduce((s, r) => s + r.tried, 0) + cli.tried >= 200);
  // the mutations reach both sides of every parser
  for (const r of arch) {
    const d = r.data as { valid: number; rejected: number };
    assert.ok(d.valid > 0 && d.rejected > 0, `${r.name}: ${JSON.stringify(d)}`);
  }
});

test(
  'kill -9 of a sweep worker mid-job: fresh workers finish with the undisturbed tables, each job once',
  { skip: redisServerAvailable() ? false : 'redis-server is not installed' },
  async () => {
    const r = await sweepWorkerDrill(1, rng);
    assert.equal(r.tried, 1, summary(r));
    assert.equal(r.lost, 0, summary(r));
    assert.equal(r.silentWrong, 0, summary(r));
    assert.equal(r.ok, 1, summary(r));
  },
);

test('fuzzing: 150 grid files are planned or refused in one line naming the file', async () => {
  const r = await gridFuzzDrill(150, 1);
  assert.equal(r.tried, 150);
  assert.equal(r.ok, r.tried, summary(r));
  const d = r.data as { planned: number; refused: number };
  assert.ok(d.planned > 0 && d.refused > 0, JSON.stringify(d));
});

test('the verdict: one case that did not end as it must fails the drills; skipped ones do not', () => {
  const ok = { ...newResult('kill', 'train'), tried: 2, ok: 2 };
  const skip = { ...newResult('kill', 'sweep-worker'), skipped: 'no worker yet' };
  assert.equal(drillsPassed([ok, skip]), true);
  assert.equal(drillsPassed([ok, { ...ok, ok: 1, notes: ['trial 2: resume exit 1'] }]), false);
  assert.equal(drillsPassed([{ ...ok, silentWrong: 1 }]), false);
  const table = formatDrillTable([ok, skip]);
  assert.match(table, /kill\s+train\s+2\/2\s+0\s+0/);
  assert.match(table, /skipped: no worker yet/);
});

test('--only names and --merge-into: a supplementary run replaces the skipped entries', () => {
  assert.equal(drillKey('fuzz', 'grid files'), 'fuzz/grid-files');
  const train = { ...newResult('kill', 'train'), tried: 2, ok: 2 };
  const full = {
    startedAt: 'then',
    passed: true,
    totals: {},
    drills: [train, { ...newResult('kill', 'sweep-worker'), skipped: 'not written' }],
  };
  const sweep = { ...newResult('kill', 'sweep-worker'), tried: 3, ok: 2, lost: 1 };
  const grid = { ...newResult('fuzz', 'grid files'), tried: 5, ok: 5 };
  const supplement = { startedAt: 'now', seconds: 9, options: { only: ['kill/sweep-worker'] } };
  const merged = mergeDrills(full, [sweep, grid], supplement);
  assert.deepEqual(merged.drills, [train, sweep, grid]);
  assert.deepEqual(merged.totals, { tried: 10, ok: 9, silentWrong: 0, lost: 1, skipped: 0 });
  assert.equal(merged.passed, false, 'the lost run fails the merged report');
  assert.deepEqual(merged.supplements, [supplement]);
  assert.equal(merged.startedAt, 'then');
  const again = mergeDrills(merged, [{ ...sweep, ok: 3, lost: 0 }], supplement);
  assert.equal(again.passed, true);
  assert.equal((again.supplements as unknown[]).length, 2);
});
