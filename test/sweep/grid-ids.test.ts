// Job ids are derived from a job's resolved configuration, and storage roots and queues hold
// runs under them: a new optional job field (at its default) must leave every job a committed
// grid planned with the id it had. grid-ids.json lists each committed grid's sorted job ids as
// the code of 8de3fc3 planned them (before train and subspace jobs had BN-calibration fields and
// search jobs their settings fields); a grid may plan more jobs since, but each of those ids is
// still one of its jobs. A job dropped from a grid on purpose leaves the list in the same commit.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { planGrid } from '../../src/sweep/grid';

const root = path.join(__dirname, '..', '..');
const expected = JSON.parse(
  fs.readFileSync(path.join(__dirname, 'grid-ids.json'), 'utf8'),
) as Record<string, string[]>;

test('the committed grids plan the job ids they always had', () => {
  const grids = fs.readdirSync(path.join(root, 'grids')).sort();
  for (const f of Object.keys(expected)) assert.ok(grids.includes(f), `grids/${f} exists`);
  let checked = 0;
  for (const [f, ids] of Object.entries(expected)) {
    const planned = new Set(planGrid(path.join(root, 'grids', f)).jobs.map((j) => j.id));
    const lost = ids.filter((id) => !planned.has(id));
    assert.deepEqual(
      lost,
      [],
      `grids/${f}: jobs whose id changed (${lost.length} of ${ids.length})`,
    );
    checked += ids.length;
  }
  assert.ok(checked > 1000, `${checked} ids checked`);
});
