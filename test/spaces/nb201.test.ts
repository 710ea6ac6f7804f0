import { spaceBinding } from '../../src/supernet/registry';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  ArchError,
  enumerateNb201,
  formatNb201,
  isValidNb201,
  mutateNb201,
  nb201Canonical,
  nb201Counts,
  nb201FromNaslib,
  nb201FromOrdinal,
  nb201Isomorphic,
  nb201Neighbours,
  nb201Ordinal,
  nb201ToNaslib,
  nb201UniqueString,
  nb201ValidOrdinals,
  parseNb201,
  sampleNb201,
  type Nb201Arch,
} from '../../src/spaces';
import { missing, nb201Csv, readBenchmarkRows, testRng } from './helpers';

const EXAMPLE =
  '|nor_conv_3x3~0|+|nor_conv_3x3~0|avg_pool_3x3~1|+|skip_connect~0|nor_conv_3x3~1|skip_connect~2|';

test('counts: 15625 cells, 15284 valid (seed 001), 6466 classes (benchmark)', () => {
  assert.deepEqual(nb201Counts(), { total: 15625, valid: 15284, unique: 6466, uniqueValid: 6461 });
  const c = spaceBinding('nb201').searchSpace.counts();
  assert.deepEqual(c, { total: 15625n, valid: 15284n, unique: 6466n });
});

test('parse/format round trip on the issue example and on all 15625 cells', () => {
  const a = parseNb201(EXAMPLE);
  assert.deepEqual(a, [
    'nor_conv_3x3',
    'nor_conv_3x3',
    'avg_pool_3x3',
    'skip_connect',
    'nor_conv_3x3',
    'skip_connect',
  ]);
  assert.equal(formatNb201(a), EXAMPLE);
  const seen = new Set<string>();
  for (const arch of enumerateNb201()) {
    const s = formatNb201(arch);
    assert.deepEqual(parseNb201(s), arch);
    seen.add(s);
  }
  assert.equal(seen.size, 15625);
});

test('ordinal: base-5 digits, edge 1<-0 most significant; inverse of nb201FromOrdinal', () => {
  assert.equal(formatNb201(nb201FromOrdinal(0)), '|none~0|+|none~0|none~1|+|none~0|none~1|none~2|');
  assert.equal(
    formatNb201(nb201FromOrdinal(15624)),
    '|avg_pool_3x3~0|+|avg_pool_3x3~0|avg_pool_3x3~1|+|avg_pool_3x3~0|avg_pool_3x3~1|avg_pool_3x3~2|',
  );
  // skip_connect (op 1) on the last edge only: 1; on the first edge only: 5^5 = 3125.
  assert.equal(
    formatNb201(nb201FromOrdinal(1)),
    '|none~0|+|none~0|none~1|+|none~0|none~1|skip_connect~2|',
  );
  assert.equal(
    formatNb201(nb201FromOrdinal(3125)),
    '|skip_connect~0|+|none~0|none~1|+|none~0|none~1|none~2|',
  );
  for (let o = 0; o < 15625; o += 97) assert.equal(nb201Ordinal(nb201FromOrdinal(o)), o);
  assert.throws(() => nb201FromOrdinal(15625), /\[0, 15624\].*15625/);
});

function rejects(text: string, pattern: RegExp) {
  assert.throws(
    () => parseNb201(text),
    (err: unknown) => {
      assert.ok(err instanceof ArchError, 'ArchError');
      assert.ok(
        err.message.includes(JSON.stringify(text.trim() === '' ? text : text)),
        err.message,
      );
      assert.match(err.message, pattern);
      assert.equal(err.input, text);
      return true;
    },
  );
}

test('malformed strings are rejected with a message that quotes them and says what is wrong', () => {
  rejects(EXAMPLE.replace('avg_pool_3x3', 'max_pool_3x3'), /unknown op "max_pool_3x3" in node 2/);
  rejects(
    EXAMPLE.replace('avg_pool_3x3~1', 'avg_pool_3x3~0'),
    /wrong node index: "avg_pool_3x3~0".*node 2.*from node 1/,
  );
  rejects(EXAMPLE.replace('skip_connect~2', 'skip_connect~3'), /wrong node index/);
  rejects(
    '|nor_conv_3x3~0|+|nor_conv_3x3~0|avg_pool_3x3~1|',
    /wrong shape: expected 3 node groups.*got 2/,
  );
  rejects(
    '|nor_conv_3x3~0|+|nor_conv_3x3~0|+|skip_connect~0|nor_conv_3x3~1|skip_connect~2|',
    /node 2 needs 2 inputs.*got 1/,
  );
  rejects(EXAMPLE.slice(1), /not enclosed/);
  rejects(
    '|nor_conv_3x3|+|nor_conv_3x3~0|avg_pool_3x3~1|+|skip_connect~0|nor_conv_3x3~1|skip_connect~2|',
    /not 'op~index'/,
  );
  rejects('', /empty/);
  assert.throws(() => formatNb201(['none'] as unknown as Nb201Arch), /expected 6 ops/);
});

test('validity: output reachable from input through non-none ops (hand cases)', () => {
  const v = (s: string) => isValidNb201(parseNb201(s));
  assert.equal(v('|none~0|+|none~0|none~1|+|none~0|none~1|none~2|'), false);
  assert.equal(v('|none~0|+|none~0|none~1|+|skip_connect~0|none~1|none~2|'), true);
  assert.equal(v('|nor_conv_3x3~0|+|none~0|none~1|+|none~0|none~1|none~2|'), false);
  assert.equal(v('|nor_conv_3x3~0|+|none~0|none~1|+|none~0|none~1|avg_pool_3x3~2|'), false);
  assert.equal(v('|skip_connect~0|+|none~0|skip_connect~1|+|none~0|none~1|skip_connect~2|'), true);
  assert.equal(v('|none~0|+|none~0|skip_connect~1|+|none~0|none~1|skip_connect~2|'), false);
  assert.equal(v(EXAMPLE), true);
});

test(
  'unique string equals the benchmark UniqueString for all 15625 rows (grouping identical)',
  { skip: missing(nb201Csv) },
  () => {
    const rows = readBenchmarkRows();
    assert.equal(rows.length, 15625);
    const theirs = new Map<string, string>();
    const ours = new Map<string, string>();
    const archs = new Set<string>();
    let invalid = 0;
    for (const [, , , archStr, unique] of rows) {
      const arch = parseNb201(archStr);
      archs.add(formatNb201(arch));
      assert.equal(nb201UniqueString(arch), unique, archStr);
      if (!isValidNb201(arch)) invalid++;
      // Group -> canonical must be a function of the benchmark's class, and vice versa.
      const canon = nb201Canonical(arch);
      if (theirs.has(unique)) assert.equal(theirs.get(unique), canon);
      else theirs.set(unique, canon);
      if (ours.has(canon)) assert.equal(ours.get(canon), unique);
      else ours.set(canon, unique);
    }
    assert.equal(archs.size, 15625);
    assert.equal(invalid, 341);
    assert.equal(theirs.size, 6466);
    assert.equal(ours.size, 6466);
  },
);

test('canonical form: a member of its own class, invariant within the class', () => {
  // Output = conv3x3(x) + conv1x1(x): conv1x1 on edge 0->1 then skip 1->3, conv3x3 on 0->3, or
  // the two convs swapped.
  const a = parseNb201('|nor_conv_1x1~0|+|none~0|none~1|+|nor_conv_3x3~0|skip_connect~1|none~2|');
  const b = parseNb201('|nor_conv_3x3~0|+|none~0|none~1|+|nor_conv_1x1~0|skip_connect~1|none~2|');
  assert.ok(nb201Isomorphic(a, b));
  assert.equal(nb201Canonical(a), nb201Canonical(b));
  const c = parseNb201(nb201Canonical(a));
  assert.equal(nb201UniqueString(c), nb201UniqueString(a));
  assert.equal(nb201Canonical(c), formatNb201(c));
  // Different function: conv3x3 twice in sequence vs in parallel.
  const d = parseNb201('|nor_conv_3x3~0|+|none~0|nor_conv_3x3~1|+|none~0|none~1|skip_connect~2|');
  const e = parseNb201('|nor_conv_3x3~0|+|nor_conv_3x3~0|none~1|+|none~0|none~1|skip_connect~2|');
  assert.equal(nb201Isomorphic(d, e), false);
});

test('sampling: uniform over the 15284 valid cells, seeded and deterministic', () => {
  const valid = nb201ValidOrdinals();
  assert.equal(valid.length, 15284);
  // A source that walks the unit interval in 15284 equal steps hits every valid cell once.
  let i = 0;
  const sweep = { next: () => (i++ + 0.5) / valid.length };
  const hit = new Set<number>();
  for (let k = 0; k < valid.length; k++) {
    const a = sampleNb201(sweep);
    assert.ok(isValidNb201(a));
    hit.add(nb201Ordinal(a));
  }
  assert.equal(hit.size, 15284);
  const s1 = Array.from(
    { length: 50 },
    (
      (r) => () =>
        formatNb201(sampleNb201(r))
    )(testRng(7)),
  );
  const s2 = Array.from(
    { length: 50 },
    (
      (r) => () =>
        formatNb201(sampleNb201(r))
    )(testRng(7)),
  );
  assert.deepEqual(s1, s2);
  assert.throws(() => sampleNb201({ next: () => 1 }), /\[0, 1\)/);
});

test('mutation: one edge changes, the result is valid, every valid neighbour is reachable', () => {
  const none = parseNb201('|none~0|+|none~0|none~1|+|none~0|none~1|none~2|');
  // Only edge 0->3 (position 3) can connect an empty cell in one step: 4 neighbours.
  const n = nb201Neighbours(none);
  assert.equal(n.length, 4);
  for (const a of n) assert.notEqual(a[3], 'none');
  const rng = testRng(3);
  const arch = parseNb201(EXAMPLE);
  const seen = new Set<string>();
  for (let k = 0; k < 400; k++) {
    const m = mutateNb201(arch, rng);
    assert.ok(isValidNb201(m));
    assert.equal(m.filter((op, e) => op !== arch[e]).length, 1);
    seen.add(formatNb201(m));
  }
  // Edge 0->3 is skip_connect, so all 6*4 = 24 neighbours stay valid.
  assert.equal(seen.size, 24);
});

test('NASLib tuples: op order skip,none,conv3,conv1,pool over edges 01,02,03,12,13,23', () => {
  // (0, 2, 3, 2, 3, 1): 1<-0 skip; 2<-0 conv3; 3<-0 conv1; 2<-1 conv3; 3<-1 conv1; 3<-2 none.
  const a = nb201FromNaslib('(0, 2, 3, 2, 3, 1)');
  assert.equal(
    formatNb201(a),
    '|skip_connect~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|nor_conv_1x1~0|nor_conv_1x1~1|none~2|',
  );
  assert.deepEqual(nb201ToNaslib(a), [0, 2, 3, 2, 3, 1]);
  for (let o = 0; o < 15625; o += 31) {
    const x = nb201FromOrdinal(o);
    assert.deepEqual(nb201FromNaslib(nb201ToNaslib(x)), x);
  }
  assert.throws(() => nb201FromNaslib('(0, 2, 3)'), /"\(0, 2, 3\)"/);
});
