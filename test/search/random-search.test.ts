import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomSearch } from '../../src/search';

test('random search scores distinct candidates and ranks them best first', async () => {
  // a fixed draw sequence with a duplicate; scores are hand-assigned
  const draws = ['a', 'b', 'a', 'c', 'd'];
  const scores: Record<string, number> = { a: 50, b: 70, c: 70, d: 10 };
  let i = 0;
  const seen: string[] = [];
  const res = await randomSearch({
    samples: 4,
    sample: () => draws[i++],
    key: (s) => s,
    score: async (s) => ({ score: scores[s], extra: { loss: 1 / scores[s] } }),
    onScored: (_done, _total, last) => seen.push(last.key),
  });
  assert.deepEqual(
    res.candidates.map((c) => c.key),
    ['a', 'b', 'c', 'd'],
  );
  assert.deepEqual(seen, ['a', 'b', 'c', 'd']);
  // ties keep draw order: b before c
  assert.deepEqual(
    res.ranked.map((c) => c.key),
    ['b', 'c', 'a', 'd'],
  );
  assert.equal(res.best.key, 'b');
  assert.equal(res.best.extra?.loss, 1 / 70);
});

test('random search stops when a tiny space is exhausted and rejects bad input', async () => {
  const res = await randomSearch({
    samples: 5,
    sample: () => 'only',
    key: (s) => s,
    score: async () => 1,
    maxRedraws: 3,
  });
  assert.equal(res.candidates.length, 1);
  await assert.rejects(
    randomSearch({ samples: 0, sample: () => 1, key: String, score: async () => 1 }),
    /positive integer/,
  );
  await assert.rejects(
    randomSearch({ samples: 1, sample: () => 1, key: String, score: async () => NaN }),
    /not finite/,
  );
});
