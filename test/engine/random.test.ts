import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng, hashString } from '../../src/engine';

test('sfc32 stream matches an independent implementation (Python, same seeding)', () => {
  // Computed by a separate Python transcription of splitmix32 seeding + sfc32, 15 discarded.
  const r = new Rng(42);
  assert.deepEqual(
    [r.uint32(), r.uint32(), r.uint32(), r.uint32(), r.uint32()],
    [853279530, 1920286840, 3588795744, 3644712829, 3990689672],
  );
});

test('FNV-1a string hash matches the published test vectors', () => {
  assert.equal(hashString(''), 0x811c9dc5);
  assert.equal(hashString('a'), 0xe40c292c);
  assert.equal(hashString('foobar'), 0xbf9cf968);
});

test('same seed, same stream; state round-trips through JSON', () => {
  const a = new Rng('run-7');
  const b = new Rng('run-7');
  for (let i = 0; i < 10; i++) assert.equal(a.next(), b.next());
  const saved = JSON.parse(JSON.stringify(a.state()));
  const c = Rng.fromState(saved);
  for (let i = 0; i < 10; i++) assert.equal(a.uint32(), c.uint32());
  assert.notEqual(new Rng(1).uint32(), new Rng(2).uint32());
});

test('fromState rejects malformed states, naming them', () => {
  assert.throws(
    () => Rng.fromState({ algorithm: 'sfc32', s: [1, 2, 3] } as never),
    /not an sfc32 generator state/,
  );
  assert.throws(() => Rng.fromState({ algorithm: 'mt', s: [1, 2, 3, 4] } as never), /"mt"/);
});

test('int(n) stays in range and is uniform (chi-square, 10 bins)', () => {
  const r = new Rng(3);
  const counts = new Array(10).fill(0);
  const n = 100000;
  for (let i = 0; i < n; i++) {
    const v = r.int(10);
    assert.ok(v >= 0 && v < 10 && Number.isInteger(v));
    counts[v]++;
  }
  const e = n / 10;
  const chi2 = counts.reduce((s, c) => s + ((c - e) * (c - e)) / e, 0);
  // 9 degrees of freedom: P(chi2 > 27.88) = 0.001.
  assert.ok(chi2 < 27.88, `chi2 ${chi2}`);
  assert.throws(() => r.int(0), /int\(n\)/);
  assert.throws(() => r.int(2.5), /2.5/);
});

test('next() is in [0, 1) with mean 1/2 and variance 1/12; normal() has mean 0, sd 1', () => {
  const r = new Rng(5);
  const n = 50000;
  let s = 0;
  let s2 = 0;
  for (let i = 0; i < n; i++) {
    const u = r.next();
    assert.ok(u >= 0 && u < 1);
    s += u;
    s2 += u * u;
  }
  const mean = s / n;
  assert.ok(Math.abs(mean - 0.5) < 0.01);
  assert.ok(Math.abs(s2 / n - mean * mean - 1 / 12) < 0.005);
  let m = 0;
  let v = 0;
  for (let i = 0; i < n; i++) {
    const z = r.normal();
    m += z;
    v += z * z;
  }
  assert.ok(Math.abs(m / n) < 0.03);
  assert.ok(Math.abs(v / n - 1) < 0.03);
});

test('shuffle is a permutation, and fork gives an independent deterministic stream', () => {
  const r = new Rng(9);
  const items = Array.from({ length: 50 }, (_, i) => i);
  const shuffled = r.shuffle(items.slice());
  assert.deepEqual(
    shuffled.slice().sort((a, b) => a - b),
    items,
  );
  assert.notDeepEqual(shuffled, items);
  const f1 = new Rng(9).fork();
  const f2 = new Rng(9).fork();
  assert.equal(f1.uint32(), f2.uint32());
  const parent = new Rng(9);
  const child = parent.fork();
  assert.notEqual(child.uint32(), parent.uint32());
});
