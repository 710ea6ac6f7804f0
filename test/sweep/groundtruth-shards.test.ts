// Ground truth split over workers: a list planned as parts (groundtruth.shards) runs as separate
// jobs, locally here (no Redis: the local runner's processes, as queue workers would), and
// collects to the table the unsplit job gives, byte for byte, with the unsplit job's id.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { collectTables } from '../../src/sweep/collect';
import { expandGrid } from '../../src/sweep/grid';
import { runLocal } from '../../src/sweep/local';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'sweep-gt-shards-'));
after(() => fs.rmSync(tmp, { recursive: true, force: true }));
process.env.SUPERNET_LAB_ENGINE ??= 'native';

test('ground truth in 3 parts collects to the unsplit table', { timeout: 900_000 }, async () => {
  const base = {
    scale: 'smoke',
    spaces: ['nb201'],
    train: { epochs: 1, checkpointEpochs: [1], trainImages: 32, validImages: 32 },
    score: { sample: 5, archSeed: 1, epoch: 'all' },
  };
  const gt = { sample: 5, archSeed: 1, epochs: 1, trainImages: 32, validImages: 32 };
  const whole = expandGrid({ ...base, groundtruth: gt }, 'whole');
  const split = expandGrid({ ...base, groundtruth: { ...gt, shards: 3 } }, 'split');
  const parts = split.filter((j) => j.spec.stage === 'groundtruth');
  assert.equal(parts.length, 3);
  const storage = path.join(tmp, 'storage');
  const events: string[] = [];
  // The split sweep first, two at a time: its parts run side by side.
  const a = await runLocal(split, { storage, workers: 2, onEvent: (e) => events.push(e) });
  assert.deepEqual([a.parked, a.blocked], [[], []], events.join('\n'));
  const b = await runLocal(whole, { storage, workers: 2, onEvent: (e) => events.push(e) });
  assert.deepEqual([b.parked, b.blocked], [[], []], events.join('\n'));
  const wholeGt = whole.find((j) => j.spec.stage === 'groundtruth')!;
  assert.ok(!parts.some((p) => p.id === wholeGt.id), 'the parts are other jobs');

  const fromParts = collectTables(storage, split);
  const fromWhole = collectTables(storage, whole);
  assert.equal(fromParts.groundtruth.numRows(), 5);
  assert.equal(fromParts.groundtruth.toCSV(), fromWhole.groundtruth.toCSV());
  assert.deepEqual(
    [...new Set(Array.from(fromParts.groundtruth.array('job') as ArrayLike<string>))],
    [wholeGt.id],
  );
  assert.equal(fromParts.metrics.numRows(), 1);
  assert.equal(fromParts.metrics.toCSV(), fromWhole.metrics.toCSV());
  // Each part trained only its own architectures: 1, 2 and 2 of the 5 (shardBounds).
  const counts = parts.map(
    (p) =>
      fs.readdirSync(path.join(storage, 'runs', p.id, 'results')).filter((f) => f.endsWith('.json'))
        .length,
  );
  assert.deepEqual(counts.sort(), [1, 2, 2], `results per part: ${counts.join(', ')}`);
  // A list with a part not done is left out, as a job not done is.
  fs.rmSync(path.join(storage, 'jobs', parts[0].id, 'done.json'));
  assert.equal(collectTables(storage, split).groundtruth.numRows(), 0);
});
