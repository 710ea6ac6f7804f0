import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { ArchError } from '../../src/spaces/types';
import {
  DARTS_CELL_OPS,
  DARTS_SEARCH_SKELETON,
  checkDarts,
  dartsCanonical,
  dartsCost,
  dartsCount,
  dartsNeighbours,
  dartsSpace,
  formatDarts,
  mutateDarts,
  parseDarts,
  sampleDarts,
  type DartsGenotype,
} from '../../src/spaces/darts';
import { testRng } from './helpers';

// DARTS (2nd order), as DARTS's genotypes.py writes DARTS_V2.
const DARTS_V2 =
  "Genotype(normal=[('sep_conv_3x3', 0), ('sep_conv_3x3', 1), ('sep_conv_3x3', 0), ('sep_conv_3x3', 1), ('sep_conv_3x3', 1), ('skip_connect', 0), ('skip_connect', 0), ('dil_conv_3x3', 2)], normal_concat=[2, 3, 4, 5], reduce=[('max_pool_3x3', 0), ('max_pool_3x3', 1), ('skip_connect', 2), ('max_pool_3x3', 1), ('max_pool_3x3', 0), ('skip_connect', 2), ('skip_connect', 2), ('max_pool_3x3', 1)], reduce_concat=[2, 3, 4, 5])";

// Three genotypes covering every op, in and between reduction-cell inputs and nodes.
const RANDOM = [
  "Genotype(normal=[('max_pool_3x3', 1), ('avg_pool_3x3', 0), ('avg_pool_3x3', 1), ('sep_conv_3x3', 2), ('dil_conv_5x5', 0), ('skip_connect', 1), ('dil_conv_5x5', 1), ('avg_pool_3x3', 2)], normal_concat=[2, 3, 4, 5], reduce=[('skip_connect', 0), ('sep_conv_3x3', 1), ('dil_conv_5x5', 2), ('skip_connect', 0), ('avg_pool_3x3', 3), ('avg_pool_3x3', 0), ('max_pool_3x3', 2), ('dil_conv_3x3', 3)], reduce_concat=[2, 3, 4, 5])",
  "Genotype(normal=[('sep_conv_3x3', 0), ('dil_conv_3x3', 1), ('max_pool_3x3', 2), ('sep_conv_5x5', 1), ('dil_conv_3x3', 3), ('sep_conv_3x3', 0), ('skip_connect', 3), ('max_pool_3x3', 0)], normal_concat=[2, 3, 4, 5], reduce=[('dil_conv_5x5', 0), ('skip_connect', 1), ('skip_connect', 1), ('sep_conv_5x5', 2), ('dil_conv_5x5', 2), ('avg_pool_3x3', 0), ('skip_connect', 0), ('max_pool_3x3', 2)], reduce_concat=[2, 3, 4, 5])",
  "Genotype(normal=[('dil_conv_5x5', 1), ('skip_connect', 0), ('skip_connect', 0), ('dil_conv_5x5', 1), ('sep_conv_5x5', 2), ('skip_connect', 0), ('sep_conv_3x3', 1), ('sep_conv_5x5', 2)], normal_concat=[2, 3, 4, 5], reduce=[('dil_conv_5x5', 0), ('avg_pool_3x3', 1), ('sep_conv_5x5', 1), ('sep_conv_5x5', 2), ('max_pool_3x3', 3), ('max_pool_3x3', 1), ('sep_conv_3x3', 2), ('sep_conv_5x5', 1)], reduce_concat=[2, 3, 4, 5])",
];
// [params, MACs] from an independent PyTorch build of DARTS's NetworkCIFAR (PY below): on the
// evaluation skeleton (C=36, 20 cells, 32x32) and on a small one (C=8, 5 cells, 16x16).
const ORACLE_EVAL = [
  [2307574, 366507648],
  [3064006, 479975040],
  [3233566, 512627328],
];
const ORACLE_SMALL = [
  [35842, 1670400],
  [47362, 2102528],
  [58162, 2540288],
];

test('count: 275647219316498534400 ~ 2.76e20 (seed 001, Table 1), a bigint', () => {
  // Per node with n earlier vertices: n(n-1) ordered distinct input pairs x 7^2 ops.
  const cell = 2n * 1n * 49n * (3n * 2n * 49n) * (4n * 3n * 49n) * (5n * 4n * 49n);
  assert.equal(dartsCount(), cell * cell);
  assert.equal(dartsCount(), 275647219316498534400n);
  assert.equal(Number(dartsCount()).toPrecision(3), '2.76e+20');
  assert.deepEqual(dartsSpace.counts(), { total: cell * cell, valid: cell * cell });
});

test('DARTS_V2 parses, formats back verbatim, and has the published 3.3M params and 528M FLOPs', () => {
  const g = parseDarts(DARTS_V2);
  assert.deepEqual(g.normal[7], { op: 'dil_conv_3x3', input: 2 });
  assert.equal(formatDarts(g), DARTS_V2);
  // DARTS's train.py logs "param size = 3.349342MB" for this genotype (C=36, 20 cells, no
  // auxiliary head); NAS-Bench-201's authors list it as 528M FLOPs.
  const cost = dartsCost(g);
  assert.equal(cost.params, 3349342);
  assert.ok(Math.abs(cost.flops - 528e6) < 0.5e6, `${cost.flops}`);
  assert.equal(dartsSpace.paramCount(g), 3349342);
});

test('params and FLOPs agree with an independent PyTorch build (pinned; rerun when torch exists)', () => {
  RANDOM.forEach((text, i) => {
    const g = parseDarts(text);
    const big = dartsCost(g);
    assert.deepEqual([big.params, big.flops], ORACLE_EVAL[i]);
    const small = dartsCost(g, { channels: 8, layers: 5, imageSize: 16 });
    assert.deepEqual([small.params, small.flops], ORACLE_SMALL[i]);
  });
});

const python = (() => {
  for (const py of ['/usr/bin/python3', 'python3']) {
    const r = spawnSync(py, ['-c', 'import torch'], { encoding: 'utf8' });
    if (r.status === 0) return py;
  }
  return null;
})();

test(
  'PyTorch oracle, live: random genotypes on a small skeleton',
  { skip: python === null ? 'python3 with torch not installed' : false },
  () => {
    const rng = testRng(11);
    const gs = [0, 1, 2, 3].map(() => sampleDarts(rng));
    const asPy = (g: DartsGenotype) => ({
      normal: g.normal.map((e) => [e.op, e.input]),
      reduce: g.reduce.map((e) => [e.op, e.input]),
    });
    const job = { genotypes: gs.map(asPy), C: 8, layers: 5, size: 16 };
    const r = spawnSync(python as string, ['-c', PY, JSON.stringify(job)], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    const want = JSON.parse(r.stdout) as number[][];
    gs.forEach((g, i) => {
      const c = dartsCost(g, { channels: 8, layers: 5, imageSize: 16 });
      assert.deepEqual([c.params, c.flops], want[i], formatDarts(g));
    });
  },
);

test('search skeleton (C=16, 8 cells) and skeleton knobs', () => {
  assert.deepEqual(dartsSpace.skeleton({ channels: 16, cells: 8 }), DARTS_SEARCH_SKELETON);
  assert.throws(() => dartsSpace.skeleton({ channels: 15 }), /channels must be even/);
  assert.throws(() => dartsSpace.skeleton({ imageSize: 30 }), /divisible by 4/);
});

test('parse accepts range() concat, double quotes and no concat; round trip on samples', () => {
  const alt = DARTS_V2.replace(/'/g, '"').replace(/\[2, 3, 4, 5\]/g, 'range(2, 6)');
  assert.deepEqual(parseDarts(alt), parseDarts(DARTS_V2));
  const bare = DARTS_V2.replace(', normal_concat=[2, 3, 4, 5]', '').replace(
    ', reduce_concat=[2, 3, 4, 5]',
    '',
  );
  assert.deepEqual(parseDarts(bare), parseDarts(DARTS_V2));
  const rng = testRng(2);
  for (let n = 0; n < 300; n++) {
    const g = sampleDarts(rng);
    const s = formatDarts(g);
    assert.deepEqual(parseDarts(s), g);
    assert.equal(dartsSpace.format(dartsSpace.parse(s)), s);
  }
});

test('malformed genotypes get an ArchError quoting the input and naming the problem', () => {
  const cases: [string, RegExp][] = [
    ['', /empty/],
    ['Genotype(normal=[', /not a Genotype\(\.\.\.\) expression/],
    ['Foo(normal=[])', /expected Genotype/],
    [
      DARTS_V2.replace("('sep_conv_3x3', 0)", "('none', 0)"),
      /'none' is a candidate of the continuous relaxation only/,
    ],
    [DARTS_V2.replace("('sep_conv_3x3', 0)", "('conv_7x1_1x7', 0)"), /unknown op "conv_7x1_1x7"/],
    [
      DARTS_V2.replace("('dil_conv_3x3', 2)", "('dil_conv_3x3', 5)"),
      /input 5 is not an earlier vertex/,
    ],
    [
      DARTS_V2.replace(
        "('sep_conv_3x3', 1), ('sep_conv_3x3', 0)",
        "('sep_conv_3x3', 0), ('sep_conv_3x3', 0)",
      ),
      /both slots read vertex 0/,
    ],
    [DARTS_V2.replace(", ('dil_conv_3x3', 2)]", ']'), /needs 8 edges/],
    [
      DARTS_V2.replace('reduce_concat=[2, 3, 4, 5]', 'reduce_concat=[4, 5]'),
      /reduce_concat must be \[2, 3, 4, 5\]/,
    ],
    [DARTS_V2.replace('normal_concat', 'normal_cat'), /unknown field "normal_cat"/],
    [DARTS_V2.replace(/, reduce=.*\)$/, ')'), /missing field reduce/],
  ];
  for (const [text, why] of cases) {
    assert.throws(
      () => parseDarts(text),
      (err: unknown) =>
        err instanceof ArchError &&
        err.input === text &&
        err.message.includes(JSON.stringify(text)) &&
        why.test(err.message),
      text,
    );
    assert.equal(checkDarts(text).ok, false);
  }
});

test('sampling: ops uniform over the 7, ordered input pairs uniform (5-sigma bounds)', () => {
  const rng = testRng(9);
  const n = 20000;
  const ops = new Map<string, number>();
  const pairs = new Map<string, number>();
  for (let k = 0; k < n; k++) {
    const g = sampleDarts(rng);
    ops.set(g.normal[0].op, (ops.get(g.normal[0].op) ?? 0) + 1);
    const key = `${g.reduce[6].input},${g.reduce[7].input}`; // node 3 reads from 5 vertices
    pairs.set(key, (pairs.get(key) ?? 0) + 1);
  }
  const within = (c: number, p: number) => Math.abs(c - n * p) < 5 * Math.sqrt(n * p * (1 - p));
  assert.equal(ops.size, DARTS_CELL_OPS.length);
  for (const c of ops.values()) assert.ok(within(c, 1 / 7), `op count ${c}`);
  assert.equal(pairs.size, 20);
  for (const c of pairs.values()) assert.ok(within(c, 1 / 20), `pair count ${c}`);
});

test('mutation: 120 neighbours; a mutant differs in one slot and stays well formed', () => {
  const rng = testRng(4);
  let g = parseDarts(DARTS_V2);
  assert.equal(dartsNeighbours(g).length, 120);
  const flat = (x: DartsGenotype) => [...x.normal, ...x.reduce].map((e) => `${e.op}@${e.input}`);
  for (let n = 0; n < 300; n++) {
    const next = mutateDarts(g, rng);
    assert.ok(dartsSpace.isValid(next));
    const a = flat(g);
    const b = flat(next);
    assert.equal(a.filter((x, i) => x !== b[i]).length, 1);
    g = next;
  }
});

test('canonical: invariant to slot order and to renumbering independent nodes', () => {
  const g = parseDarts(DARTS_V2);
  // Swap the two slots of every node.
  const swapped: DartsGenotype = {
    normal: g.normal.map((_, e) => g.normal[e ^ 1]),
    reduce: g.reduce.map((_, e) => g.reduce[e ^ 1]),
  };
  assert.notEqual(formatDarts(swapped), formatDarts(g));
  assert.equal(dartsCanonical(swapped), dartsCanonical(g));
  // In the normal cell nodes 0 and 1 (vertices 2, 3) read only the cell inputs: swap them.
  const renumbered: DartsGenotype = {
    ...g,
    normal: [
      g.normal[2],
      g.normal[3],
      g.normal[0],
      g.normal[1],
      ...g.normal.slice(4, 6),
      { op: 'skip_connect', input: 0 },
      { op: 'dil_conv_3x3', input: 3 },
    ],
  };
  assert.equal(dartsCanonical(renumbered), dartsCanonical(g));
  // A real change is seen.
  const other = { ...g, normal: [{ op: 'sep_conv_5x5' as const, input: 0 }, ...g.normal.slice(1)] };
  assert.notEqual(dartsCanonical(other), dartsCanonical(g));
  assert.equal(dartsSpace.canonical(g), dartsCanonical(g));
});

test('describe: JSON-ready summary', () => {
  const d = dartsSpace.describe(parseDarts(DARTS_V2));
  assert.equal(d.params, 3349342);
  assert.doesNotThrow(() => JSON.stringify(d));
});

const PY = `
import json, sys
import torch, torch.nn as nn
torch.set_grad_enabled(False)
class FR(nn.Module):
    def __init__(s, ci, co):
        super().__init__(); s.a = nn.Conv2d(ci, co//2, 1, 2, 0, bias=False); s.b = nn.Conv2d(ci, co//2, 1, 2, 0, bias=False); s.bn = nn.BatchNorm2d(co)
    def forward(s, x):
        x = torch.relu(x); return s.bn(torch.cat([s.a(x), s.b(x[:, :, 1:, 1:])], 1))
def rcb(ci, co): return nn.Sequential(nn.ReLU(), nn.Conv2d(ci, co, 1, bias=False), nn.BatchNorm2d(co))
def sep(c, k, st): p = k//2; return nn.Sequential(nn.ReLU(), nn.Conv2d(c, c, k, st, p, groups=c, bias=False), nn.Conv2d(c, c, 1, bias=False), nn.BatchNorm2d(c), nn.ReLU(), nn.Conv2d(c, c, k, 1, p, groups=c, bias=False), nn.Conv2d(c, c, 1, bias=False), nn.BatchNorm2d(c))
def dil(c, k, st): p = k - 1; return nn.Sequential(nn.ReLU(), nn.Conv2d(c, c, k, st, p, dilation=2, groups=c, bias=False), nn.Conv2d(c, c, 1, bias=False), nn.BatchNorm2d(c))
class Id(nn.Module):
    def forward(s, x): return x
def op(name, c, st):
    if name == 'sep_conv_3x3': return sep(c, 3, st)
    if name == 'sep_conv_5x5': return sep(c, 5, st)
    if name == 'dil_conv_3x3': return dil(c, 3, st)
    if name == 'dil_conv_5x5': return dil(c, 5, st)
    if name == 'max_pool_3x3': return nn.MaxPool2d(3, st, 1)
    if name == 'avg_pool_3x3': return nn.AvgPool2d(3, st, 1, count_include_pad=False)
    if name == 'skip_connect': return Id() if st == 1 else FR(c, c)
class Cell(nn.Module):
    def __init__(s, edges, cpp, cp, c, red, redp):
        super().__init__()
        s.p0 = FR(cpp, c) if redp else rcb(cpp, c); s.p1 = rcb(cp, c)
        s.edges = edges; s.ops = nn.ModuleList([op(n, c, 2 if red and i < 2 else 1) for n, i in edges])
    def forward(s, a, b):
        st = [s.p0(a), s.p1(b)]
        for k in range(4):
            st.append(s.ops[2*k](st[s.edges[2*k][1]]) + s.ops[2*k+1](st[s.edges[2*k+1][1]]))
        return torch.cat(st[2:], 1)
class Net(nn.Module):
    def __init__(s, g, C, layers, classes, inch):
        super().__init__()
        cc = 3*C; s.stem = nn.Sequential(nn.Conv2d(inch, cc, 3, padding=1, bias=False), nn.BatchNorm2d(cc))
        cpp, cp, c = cc, cc, C; s.cells = nn.ModuleList(); rp = False
        for i in range(layers):
            red = i in [layers//3, 2*layers//3]
            if red: c *= 2
            s.cells.append(Cell(g['reduce'] if red else g['normal'], cpp, cp, c, red, rp)); rp = red; cpp, cp = cp, 4*c
        s.fc = nn.Linear(cp, classes)
    def forward(s, x):
        a = b = s.stem(x)
        for cell in s.cells: a, b = b, cell(a, b)
        return s.fc(b.mean((2, 3)))
macs = [0]
def hook(m, i, o):
    if isinstance(m, nn.Conv2d): macs[0] += o.numel() // o.shape[0] * m.in_channels // m.groups * m.kernel_size[0] * m.kernel_size[1]
    if isinstance(m, nn.Linear): macs[0] += m.in_features * m.out_features
d = json.loads(sys.argv[1])
out = []
for g in d['genotypes']:
    net = Net(g, d['C'], d['layers'], 10, 3)
    for m in net.modules(): m.register_forward_hook(hook)
    macs[0] = 0; net.eval(); net(torch.zeros(1, 3, d['size'], d['size']))
    out.append([sum(p.numel() for p in net.parameters()), macs[0]])
print(json.dumps(out))
`;
