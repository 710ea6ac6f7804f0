import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ArchError } from '../../src/spaces/types';
import {
  NB101_OPS,
  NB101_TOTAL,
  checkNb101,
  enumerateNb101,
  enumerateNb101Unique,
  formatNb101,
  isValidNb101,
  mutateNb101,
  nb101Cost,
  nb101FromOrdinal,
  nb101FromSpec,
  nb101Hash,
  nb101IsoKey,
  nb101Neighbours,
  nb101Ordinal,
  nb101Space,
  nb101SpecCost,
  nb101ToSpec,
  nb101ValidCount,
  nb101ValidWirings,
  nb101VertexChannels,
  parseNb101,
  sampleNb101,
  type Nb101Arch,
} from '../../src/spaces/nb101';
import { testRng } from './helpers';

const EXAMPLE =
  'conv3x3-bn-relu~0+conv1x1-bn-relu~1+maxpool3x3~1+conv3x3-bn-relu~2,3+conv3x3-bn-relu~3,4+output~4,5';

test('counts: 874800 encodable, 95985 valid and 42228 unique cells (seed 001, appendix A.1)', () => {
  assert.equal(NB101_TOTAL, 1 * 2 * 3 * 6 * 10 * 10 * 3 ** 5);
  assert.equal(nb101ValidCount(), 95985);
  assert.equal(nb101ValidWirings().length * 243, 95985);
  assert.deepEqual(nb101Space.counts(), { total: 874800n, valid: 95985n, unique: 42228n });
  let n = 0;
  for (const arch of enumerateNb101()) {
    if (n % 997 === 0) assert.ok(isValidNb101(arch));
    n++;
  }
  assert.equal(n, 95985);
});

test('valid wirings re-derived by brute force over edge sets (independent of the enumerator)', () => {
  // Every subset of the 15 edges i->j (0 <= i < j <= 5) and every output pair; keep those where
  // node j has in-degree 1,1,1,2,2 (node 1 reading the input), and every node 1..5 feeds
  // something. The enumerator's list must be exactly this set.
  const pairs: [number, number][] = [];
  for (let j = 1; j <= 5; j++) for (let i = 0; i < j; i++) pairs.push([i, j]);
  const want = new Set<string>();
  for (let mask = 0; mask < 1 << pairs.length; mask++) {
    const indeg = [0, 0, 0, 0, 0, 0];
    const feeds = [false, false, false, false, false, false];
    const inputs: number[][] = [[], [], [], [], []];
    pairs.forEach(([i, j], b) => {
      if (mask & (1 << b)) {
        indeg[j]++;
        feeds[i] = true;
        inputs[j - 1].push(i);
      }
    });
    if (indeg.slice(1).join() !== '1,1,1,2,2') continue;
    for (let a = 1; a <= 5; a++) {
      for (let b = a + 1; b <= 5; b++) {
        const f = [...feeds];
        f[a] = f[b] = true;
        if (f.slice(1).every(Boolean))
          want.add(`${inputs.map((l) => l.join(',')).join(';')}|${a},${b}`);
      }
    }
  }
  const got = new Set(
    nb101ValidWirings().map(
      (w) => `${w.inputs.map((l) => l.join(',')).join(';')}|${w.output.join(',')}`,
    ),
  );
  assert.equal(want.size, 395);
  assert.deepEqual(got, want);
});

test('42228 isomorphism classes, and NAS-Bench-101 graph hashing tells them all apart', () => {
  const reps = [...enumerateNb101Unique()];
  assert.equal(reps.length, 42228);
  const hashes = new Set(reps.map(nb101Hash));
  assert.equal(hashes.size, 42228);
});

test('isomorphic cells (nodes renumbered) share hash and iso key; the hash is the benchmark md5', () => {
  // Swap nodes 2 and 3 (both read node 1): the same network with its nodes numbered differently.
  const a = parseNb101(EXAMPLE);
  const b = parseNb101(
    'conv3x3-bn-relu~0+maxpool3x3~1+conv1x1-bn-relu~1+conv3x3-bn-relu~2,3+conv3x3-bn-relu~2,4+output~4,5',
  );
  assert.notEqual(formatNb101(a), formatNb101(b));
  assert.equal(nb101Hash(a), nb101Hash(b));
  assert.equal(nb101IsoKey(a), nb101IsoKey(b));
  assert.equal(nb101Space.canonical(a), nb101Space.canonical(b));
  const c = parseNb101(EXAMPLE.replace('conv1x1-bn-relu~1', 'conv3x3-bn-relu~1'));
  assert.notEqual(nb101Hash(a), nb101Hash(c));
  assert.notEqual(nb101IsoKey(a), nb101IsoKey(c));
  // Value from an independent Python implementation of the benchmark's hash (hashlib.md5 over
  // str() of the degree/label tuples, 7 rounds of sorted in|out|own neighbour hashes).
  assert.equal(nb101Hash(a), EXAMPLE_MD5);
});
// python3: see the comment above; matrix/ops of EXAMPLE as nb101ToSpec gives them.
const EXAMPLE_MD5 = '9f3f3a48d094a25152fe73bddd8d96ff';

test('iso key and hash agree on a random sample: equal keys <=> equal hashes', () => {
  const rng = testRng(7);
  const byKey = new Map<number, string>();
  const byHash = new Map<string, number>();
  for (let n = 0; n < 3000; n++) {
    const arch = sampleNb101(rng);
    const k = nb101IsoKey(arch);
    const h = nb101Hash(arch);
    if (byKey.has(k)) assert.equal(byKey.get(k), h);
    if (byHash.has(h)) assert.equal(byHash.get(h), k);
    byKey.set(k, h);
    byHash.set(h, k);
  }
});

test('parse/format round trip; aliases and input order are normalised', () => {
  const a = parseNb101(EXAMPLE);
  assert.deepEqual(a, {
    ops: ['conv3x3-bn-relu', 'conv1x1-bn-relu', 'maxpool3x3', 'conv3x3-bn-relu', 'conv3x3-bn-relu'],
    inputs: [[0], [1], [1], [2, 3], [3, 4]],
    output: [4, 5],
  });
  assert.equal(formatNb101(a), EXAMPLE);
  assert.deepEqual(
    parseNb101(' conv3x3~0+conv1x1~1+maxpool~1+conv3x3~3,2+conv3x3~4,3+out~5,4 '),
    a,
  );
  const rng = testRng(1);
  for (let n = 0; n < 500; n++) {
    const arch = sampleNb101(rng);
    const s = formatNb101(arch);
    assert.deepEqual(parseNb101(s), arch);
    assert.equal(nb101Space.format(nb101Space.parse(s)), s);
  }
});

test('ordinals: inverse pair over the whole space', () => {
  for (let o = 0; o < 95985; o += 101) assert.equal(nb101Ordinal(nb101FromOrdinal(o)), o);
  assert.throws(() => nb101FromOrdinal(95985), /ordinal/);
});

test('malformed strings get an ArchError quoting the input and naming the problem', () => {
  const cases: [string, RegExp][] = [
    ['', /empty/],
    ['conv3x3~0+conv3x3~1', /wrong shape/],
    [EXAMPLE.replace('maxpool3x3~1', 'avgpool3x3~1'), /unknown op "avgpool3x3"/],
    [EXAMPLE.replace('conv1x1-bn-relu~1', 'conv1x1-bn-relu~2'), /node 2 reads vertex 2/],
    [EXAMPLE.replace('~2,3', '~2'), /node 4 must read exactly 2/],
    [EXAMPLE.replace('~2,3', '~3,3'), /same vertex twice/],
    [EXAMPLE.replace('output~4,5', 'output~0,5'), /no input->output edge/],
    [EXAMPLE.replace('output~4,5', 'output~4,5,3'), /exactly 2 nodes/],
    [EXAMPLE.replace('output~4,5', 'output~4,x'), /"x" is not a vertex index/],
    [EXAMPLE.replace('output~4,5', 'fin~4,5'), /not 'output~a,b'/],
  ];
  for (const [text, why] of cases) {
    assert.throws(
      () => parseNb101(text),
      (err: unknown) =>
        err instanceof ArchError &&
        err.input === text &&
        err.message.includes(JSON.stringify(text)) &&
        why.test(err.message),
      text,
    );
    const c = checkNb101(text);
    assert.equal(c.ok, false);
  }
});

test('validity: a node that feeds nothing makes the cell invalid (it would be pruned)', () => {
  // Node 2 feeds neither a later node nor the output.
  const loose = parseNb101(
    'conv3x3-bn-relu~0+conv1x1-bn-relu~1+maxpool3x3~1+conv3x3-bn-relu~1,3+conv3x3-bn-relu~3,4+output~4,5',
  );
  assert.equal(isValidNb101(loose), false);
  assert.equal(isValidNb101(parseNb101(EXAMPLE)), true);
  assert.throws(() => nb101Ordinal(loose), /invalid/);
  assert.throws(() => nb101Cost(loose), /loose end/);
});

test('sampling: valid cells, ops and ordinals spread uniformly (5-sigma bounds)', () => {
  const rng = testRng(42);
  const n = 20000;
  const opCount = NB101_OPS.map(() => new Array<number>(5).fill(0));
  const bins = new Array<number>(10).fill(0);
  for (let k = 0; k < n; k++) {
    const arch = sampleNb101(rng);
    assert.ok(isValidNb101(arch));
    arch.ops.forEach((op, j) => opCount[NB101_OPS.indexOf(op)][j]++);
    bins[Math.floor((nb101Ordinal(arch) / 95985) * 10)]++;
  }
  const within = (count: number, p: number) =>
    Math.abs(count - n * p) < 5 * Math.sqrt(n * p * (1 - p));
  for (const row of opCount) for (const c of row) assert.ok(within(c, 1 / 3), `op count ${c}`);
  for (const c of bins) assert.ok(within(c, 0.1), `ordinal bin ${c}`);
});

test('mutation: valid, and differs from the parent in exactly one decision', () => {
  const rng = testRng(3);
  const decisions = (a: Nb101Arch) => [
    ...a.ops,
    ...a.inputs.map((l) => l.join(',')),
    a.output.join(','),
  ];
  let arch = sampleNb101(rng);
  for (let n = 0; n < 500; n++) {
    const next = mutateNb101(arch, rng);
    assert.ok(isValidNb101(next));
    const d0 = decisions(arch);
    const d1 = decisions(next);
    assert.equal(d0.filter((x, i) => x !== d1[i]).length, 1);
    arch = next;
  }
  // Op changes are always possible: at least 10 neighbours.
  assert.ok(nb101Neighbours(parseNb101(EXAMPLE)).length >= 10);
});

test("params: the benchmark's published count for its Inception-like example cell (2694282)", () => {
  // NAS-Bench-101 README / colab: this spec reports trainable_parameters 2694282.
  const spec = {
    matrix: [
      [0, 1, 1, 1, 0, 1, 0],
      [0, 0, 0, 0, 0, 0, 1],
      [0, 0, 0, 0, 0, 0, 1],
      [0, 0, 0, 0, 1, 0, 0],
      [0, 0, 0, 0, 0, 0, 1],
      [0, 0, 0, 0, 0, 0, 1],
      [0, 0, 0, 0, 0, 0, 0],
    ],
    ops: [
      'input',
      'conv1x1-bn-relu',
      'conv3x3-bn-relu',
      'conv3x3-bn-relu',
      'conv3x3-bn-relu',
      'maxpool3x3',
      'output',
    ],
  };
  assert.equal(nb101SpecCost(spec).params, 2694282);
});

test('params and FLOPs of a subspace cell, computed by hand', () => {
  // EXAMPLE: input edges to node 1 only; convs: node 1 3x3, node 2 1x1, nodes 4 and 5 3x3;
  // node 3 max-pool. Every interior vertex has C/2 channels (2 nodes feed the output).
  const a = parseNb101(EXAMPLE);
  const cellParams = (cin: number, c: number) => {
    const h = c / 2;
    const proj = cin * h + 2 * h;
    const conv3 = 9 * h * h + 2 * h;
    const conv1 = h * h + 2 * h;
    return proj + 3 * conv3 + conv1;
  };
  const cellMacs = (cin: number, c: number, hw: number) => {
    const h = c / 2;
    return hw * hw * (cin * h + 3 * 9 * h * h + h * h);
  };
  const stem = 3 * 3 * 3 * 128 + 2 * 128;
  const params =
    stem +
    3 * cellParams(128, 128) +
    cellParams(128, 256) +
    2 * cellParams(256, 256) +
    cellParams(256, 512) +
    2 * cellParams(512, 512) +
    512 * 10 +
    10;
  const macs =
    32 * 32 * 27 * 128 +
    3 * cellMacs(128, 128, 32) +
    cellMacs(128, 256, 16) +
    2 * cellMacs(256, 256, 16) +
    cellMacs(256, 512, 8) +
    2 * cellMacs(512, 512, 8) +
    512 * 10;
  assert.equal(nb101Space.paramCount(a), params);
  assert.equal(nb101Space.flops(a), macs);
  // A smaller skeleton scales the same way (stem 16, 1 cell per stack, 1-channel 28x28 input).
  const small = nb101Space.skeleton({ channels: 16, cells: 1, inChannels: 1, imageSize: 28 });
  assert.deepEqual(small, {
    stemChannels: 16,
    stacks: 3,
    cellsPerStack: 1,
    inChannels: 1,
    numClasses: 10,
    imageSize: 28,
  });
  assert.equal(
    nb101Space.paramCount(a, small),
    9 * 16 + 32 + cellParams(16, 16) + cellParams(16, 32) + cellParams(32, 64) + 64 * 10 + 10,
  );
});

test('ModelSpec conversion round trip; specs outside the subspace are refused by name', () => {
  const a = parseNb101(EXAMPLE);
  const spec = nb101ToSpec(a);
  assert.deepEqual(spec.ops, ['input', ...a.ops, 'output']);
  assert.deepEqual(nb101FromSpec(spec), a);
  const withSkip = { matrix: spec.matrix.map((r) => [...r]), ops: spec.ops };
  withSkip.matrix[0][6] = 1;
  assert.throws(() => nb101FromSpec(withSkip), /not in the subspace: it has an input->output edge/);
});

test('describe: JSON-ready summary', () => {
  const d = nb101Space.describe(parseNb101(EXAMPLE));
  assert.equal(d.arch, EXAMPLE);
  assert.equal(d.valid, true);
  assert.equal(typeof d.params, 'number');
  assert.doesNotThrow(() => JSON.stringify(d));
});

test('every valid cell gives every interior node C/2 channels (fixed shapes for a supernet)', () => {
  for (const w of nb101ValidWirings()) {
    const spec = nb101ToSpec({ ops: new Array(5).fill('maxpool3x3'), ...w });
    assert.deepEqual(
      nb101VertexChannels(spec.matrix, 128, 256),
      [128, 128, 128, 128, 128, 128, 256],
    );
  }
});
