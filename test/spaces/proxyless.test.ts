import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { ArchError } from '../../src/spaces/types';
import {
  PROXYLESS_OPS,
  checkProxyless,
  formatProxyless,
  makeDivisible,
  mutateProxyless,
  parseProxyless,
  proxylessCost,
  proxylessCount,
  proxylessFlopsRange,
  proxylessLayers,
  proxylessNeighbours,
  proxylessSpace,
  proxylessWithinFlops,
  sampleProxyless,
  sampleProxylessWithin,
  type ProxylessArch,
} from '../../src/spaces/proxyless';
import { testRng } from './helpers';

// ProxylessNAS-GPU, the published architecture (465M FLOPs, 7.1M params at width 1.35).
const GPU =
  '5x5_MBConv3,skip,skip,skip,7x7_MBConv3,skip,skip,3x3_MBConv3,7x7_MBConv6,skip,skip,5x5_MBConv3,5x5_MBConv6,skip,3x3_MBConv3,5x5_MBConv3,7x7_MBConv6,7x7_MBConv6,7x7_MBConv6,5x5_MBConv6,7x7_MBConv6';
const RANDOM = [
  '3x3_MBConv6,5x5_MBConv6,3x3_MBConv6,7x7_MBConv3,7x7_MBConv3,skip,skip,3x3_MBConv3,5x5_MBConv6,5x5_MBConv6,7x7_MBConv3,5x5_MBConv6,7x7_MBConv3,7x7_MBConv3,5x5_MBConv3,3x3_MBConv3,7x7_MBConv6,5x5_MBConv3,skip,7x7_MBConv3,3x3_MBConv6',
  '7x7_MBConv3,7x7_MBConv6,7x7_MBConv3,7x7_MBConv6,7x7_MBConv3,skip,3x3_MBConv6,7x7_MBConv6,3x3_MBConv6,7x7_MBConv6,7x7_MBConv3,5x5_MBConv3,3x3_MBConv6,5x5_MBConv3,3x3_MBConv3,7x7_MBConv6,3x3_MBConv6,5x5_MBConv6,5x5_MBConv3,7x7_MBConv6,5x5_MBConv3',
];
// [params, MACs] from an independent PyTorch build (PY below) at 224x224: width 1.35 and 1.0.
const ORACLE_135 = [
  [7119848, 465260160],
  [5765600, 610265664],
  [6676928, 742071744],
];
const ORACLE_100 = [
  [4359048, 264130112],
  [3557696, 346553600],
  [4089736, 432674432],
];

test('count: 6^6 * 7^15 = 221502229807900608 ~ 2.22e17 (seed 001, Table 1), a bigint', () => {
  assert.equal(proxylessCount(), 6n ** 6n * 7n ** 15n);
  assert.equal(proxylessCount(), 221502229807900608n);
  assert.equal(Number(proxylessCount()).toPrecision(3), '2.22e+17');
  const n = proxylessCount();
  assert.deepEqual(proxylessSpace.counts(), { total: n, valid: n, unique: n });
});

test('skeleton: width 1.35 gives channels 40/24 | 32 56 112 128 256 432 | 1728; 21 layers', () => {
  assert.deepEqual(
    [32, 16, 24, 40, 80, 96, 192, 320, 1280].map((c) => makeDivisible(c * 1.35)),
    [40, 24, 32, 56, 112, 128, 256, 432, 1728],
  );
  const layers = proxylessLayers();
  assert.equal(layers.length, 21);
  // The first layer of each stage changes shape, so it cannot be skipped.
  assert.deepEqual(
    layers.filter((l) => !l.skippable).map((l) => l.index),
    [0, 4, 8, 12, 16, 20],
  );
  assert.deepEqual(
    layers.map((l) => l.inputSize),
    [112, 56, 56, 56, 56, 28, 28, 28, 28, 14, 14, 14, 14, 14, 14, 14, 14, 7, 7, 7, 7],
  );
});

test('ProxylessNAS-GPU: the published 465M FLOPs and 7.1M params', () => {
  const cost = proxylessCost(parseProxyless(GPU));
  assert.equal(cost.flops, 465260160);
  assert.ok(Math.abs(cost.params - 7.1e6) < 0.05e6, `${cost.params}`);
  assert.equal(proxylessSpace.flops(parseProxyless(GPU)), 465260160);
});

test('params and FLOPs agree with an independent PyTorch build (pinned; rerun when torch exists)', () => {
  [GPU, ...RANDOM].forEach((text, i) => {
    const a = parseProxyless(text);
    const c = proxylessCost(a);
    assert.deepEqual([c.params, c.flops], ORACLE_135[i]);
    const d = proxylessCost(a, { widthMult: 1 });
    assert.deepEqual([d.params, d.flops], ORACLE_100[i]);
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
  'PyTorch oracle, live: random architectures at 64x64',
  { skip: python === null ? 'python3 with torch not installed' : false },
  () => {
    const rng = testRng(12);
    const archs = [0, 1, 2, 3].map(() => sampleProxyless(rng));
    const job = { archs, width: 1.35, size: 64 };
    const r = spawnSync(python as string, ['-c', PY, JSON.stringify(job)], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    const want = JSON.parse(r.stdout) as number[][];
    archs.forEach((a, i) => {
      const c = proxylessCost(a, { imageSize: 64 });
      assert.deepEqual([c.params, c.flops], want[i], a.join(','));
    });
  },
);

test('FLOPs filter: <= 600M keeps the GPU net, drops the heavy ones; range and sampling', () => {
  assert.equal(proxylessWithinFlops(parseProxyless(GPU)), true);
  assert.equal(proxylessWithinFlops(parseProxyless(RANDOM[0])), false); // 610M
  const { min, max } = proxylessFlopsRange();
  // Cheapest: every skippable layer skipped, the others 3x3_MBConv3; dearest: all 7x7_MBConv6.
  const cheap = proxylessLayers().map((l) => (l.skippable ? 'skip' : '3x3_MBConv3'));
  assert.equal(min, proxylessCost(cheap as ProxylessArch).flops);
  assert.equal(max, proxylessCost(proxylessLayers().map(() => '7x7_MBConv6')).flops);
  const rng = testRng(21);
  let pass = 0;
  const n = 4000;
  for (let k = 0; k < n; k++) if (proxylessWithinFlops(sampleProxyless(rng))) pass++;
  // About a fifth of the uniform space fits the mobile setting at width 1.35.
  assert.ok(pass / n > 0.17 && pass / n < 0.24, `${pass / n}`);
  for (let k = 0; k < 100; k++) {
    assert.ok(proxylessCost(sampleProxylessWithin(rng)).flops <= 600e6);
  }
  assert.throws(() => sampleProxylessWithin(rng, min - 1, undefined, 50), /no ProxylessNAS/);
});

test('parse/format round trip; short aliases; errors quote the input', () => {
  const a = parseProxyless(GPU);
  assert.equal(formatProxyless(a), GPU);
  const short = GPU.replace(/(\d)x\d_MBConv(\d)/g, 'k$1e$2').replace(/,/g, ', ');
  assert.deepEqual(parseProxyless(short), a);
  const rng = testRng(3);
  for (let n = 0; n < 200; n++) {
    const s = formatProxyless(sampleProxyless(rng));
    assert.equal(proxylessSpace.format(proxylessSpace.parse(s)), s);
  }
  const cases: [string, RegExp][] = [
    ['', /empty/],
    [GPU.replace('5x5_MBConv3', '9x9_MBConv3'), /layer 0: unknown op "9x9_MBConv3"/],
    [
      GPU.replace('5x5_MBConv3', 'skip'),
      /layer 0 \(first of stage 0, 24 -> 32 channels, stride 2\) cannot be skipped/,
    ],
    [GPU + ',skip', /expected 21 layer choices, got 22/],
  ];
  for (const [text, why] of cases) {
    assert.throws(
      () => parseProxyless(text),
      (err: unknown) =>
        err instanceof ArchError &&
        err.input === text &&
        err.message.includes(JSON.stringify(text)) &&
        why.test(err.message),
      text,
    );
    assert.equal(checkProxyless(text).ok, false);
  }
});

test('sampling: every layer uniform over its choices (5-sigma bounds)', () => {
  const rng = testRng(30);
  const n = 14000;
  const first = new Map<string, number>();
  const second = new Map<string, number>();
  for (let k = 0; k < n; k++) {
    const a = sampleProxyless(rng);
    first.set(a[0], (first.get(a[0]) ?? 0) + 1);
    second.set(a[1], (second.get(a[1]) ?? 0) + 1);
  }
  const within = (c: number, p: number) => Math.abs(c - n * p) < 5 * Math.sqrt(n * p * (1 - p));
  assert.equal(first.size, 6);
  assert.ok(!first.has('skip'));
  for (const c of first.values()) assert.ok(within(c, 1 / 6), `first-layer count ${c}`);
  assert.equal(second.size, PROXYLESS_OPS.length);
  for (const c of second.values()) assert.ok(within(c, 1 / 7), `second-layer count ${c}`);
});

test('mutation: 120 neighbours; a mutant differs in one layer and stays valid', () => {
  const rng = testRng(5);
  let a = parseProxyless(GPU);
  assert.equal(proxylessNeighbours(a).length, 6 * 5 + 15 * 6);
  for (let n = 0; n < 300; n++) {
    const next = mutateProxyless(a, rng);
    assert.ok(proxylessSpace.isValid(next));
    assert.equal(next.filter((op, i) => op !== a[i]).length, 1);
    a = next;
  }
});

test('describe: JSON-ready summary with the filter verdict', () => {
  const d = proxylessSpace.describe(parseProxyless(GPU));
  assert.equal(d.flops, 465260160);
  assert.equal(d.withinFlopsLimit, true);
  assert.doesNotThrow(() => JSON.stringify(d));
});

const PY = `
import json, sys
import torch, torch.nn as nn
torch.set_grad_enabled(False)
def md(v, d=8):
    n = max(d, int(v + d / 2) // d * d)
    return n + d if n < 0.9 * v else n
def cbr(ci, co, k, s, g=1, act=True):
    layers = [nn.Conv2d(ci, co, k, s, k // 2, groups=g, bias=False), nn.BatchNorm2d(co)]
    return nn.Sequential(*(layers + ([nn.ReLU6()] if act else [])))
class MB(nn.Module):
    def __init__(s, ci, co, k, e, st, res):
        super().__init__(); m = ci * e
        s.body = nn.Sequential(*(([cbr(ci, m, 1, 1)] if e != 1 else []) + [cbr(m, m, k, st, g=m), cbr(m, co, 1, 1, act=False)])); s.res = res
    def forward(s, x):
        y = s.body(x); return x + y if s.res else y
class Id(nn.Module):
    def forward(s, x): return x
def net(arch, w, size):
    mods = [cbr(3, md(32 * w), 3, 2), MB(md(32 * w), md(16 * w), 3, 1, 1, False)]
    ci = md(16 * w); i = 0
    for width, n, st in zip([24, 40, 80, 96, 192, 320], [4, 4, 4, 4, 4, 1], [2, 2, 2, 1, 2, 1]):
        co = md(width * w)
        for j in range(n):
            s = st if j == 0 else 1; op = arch[i]; i += 1
            if op == 'skip': mods.append(Id())
            else: mods.append(MB(ci, co, int(op[0]), int(op[-1]), s, s == 1 and ci == co))
            ci = co
    last = md(1280 * w) if w > 1 else 1280
    mods.append(cbr(ci, last, 1, 1))
    class Net(nn.Module):
        def __init__(s):
            super().__init__(); s.f = nn.Sequential(*mods); s.fc = nn.Linear(last, 1000)
        def forward(s, x): return s.fc(s.f(x).mean((2, 3)))
    return Net()
macs = [0]
def hook(m, i, o):
    if isinstance(m, nn.Conv2d): macs[0] += o.numel() // o.shape[0] * m.in_channels // m.groups * m.kernel_size[0] * m.kernel_size[1]
    if isinstance(m, nn.Linear): macs[0] += m.in_features * m.out_features
d = json.loads(sys.argv[1]); out = []
for arch in d['archs']:
    n = net(arch, d['width'], d['size'])
    for m in n.modules(): m.register_forward_hook(hook)
    macs[0] = 0; n.eval(); n(torch.zeros(1, 3, d['size'], d['size']))
    out.append([sum(p.numel() for p in n.parameters()), macs[0]])
print(json.dumps(out))
`;
