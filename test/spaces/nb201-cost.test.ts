import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { spawnSync } from 'node:child_process';
import {
  enumerateNb201,
  formatNb201,
  nb201Cost,
  nb201Flops,
  nb201FromNaslib,
  nb201ParamCount,
  nb201Skeleton,
  parseNb201,
  sampleNb201,
} from '../../src/spaces';
import { missing, naslibJson, testRng } from './helpers';

// NASLib (3,4,4,4,4,4): conv1x1 on edge 0->1, avg_pool_3x3 on the other five edges.
const POOLS =
  '|nor_conv_1x1~0|+|avg_pool_3x3~0|avg_pool_3x3~1|+|avg_pool_3x3~0|avg_pool_3x3~1|avg_pool_3x3~2|';

test('hand count for the benchmark skeleton: params 101306, FLOPs 18757312 (published 0.101306 / 18.757312)', () => {
  const arch = parseNb201(POOLS);
  // Parameters, C=16, N=5, 3 input channels, 10 classes:
  const stem = 3 * 16 * 9 + 2 * 16; // conv + BN affine
  const cellConv1x1 = (c: number) => c * c + 2 * c;
  const cells = 5 * (cellConv1x1(16) + cellConv1x1(32) + cellConv1x1(64)); // pools: none
  const reduction = (c: number) => 9 * c * 2 * c + 4 * c + 9 * 4 * c * c + 4 * c + c * 2 * c;
  const head = 2 * 64 + 64 * 10 + 10; // BN + linear with bias
  assert.equal(stem + cells + reduction(16) + reduction(32) + head, 101306);
  assert.equal(nb201ParamCount(arch), 101306);

  // FLOPs: conv MACs, BN 2/element, ReLU 1/input element, pool k*k/output, GAP (H+1)^2/channel.
  const hw = (h: number) => h * h;
  const stemF = 27 * 16 * hw(32) + 2 * 16 * hw(32);
  const conv1x1Edge = (c: number, h: number) => hw(h) * c + c * c * hw(h) + 2 * c * hw(h);
  const poolEdge = (c: number, h: number) => 9 * c * hw(h);
  const cellF = (c: number, h: number) => conv1x1Edge(c, h) + 5 * poolEdge(c, h);
  const red = (c: number, h: number) =>
    c * hw(h) +
    9 * c * 2 * c * hw(h / 2) +
    2 * 2 * c * hw(h / 2) + // ReLU, conv a, BN
    2 * c * hw(h / 2) +
    9 * 4 * c * c * hw(h / 2) +
    2 * 2 * c * hw(h / 2) + // ReLU, conv b, BN
    4 * c * hw(h / 2) +
    c * 2 * c * hw(h / 2); // AvgPool 2x2 + conv 1x1 shortcut
  const headF = 2 * 64 * hw(8) + 64 * hw(8) + 64 * hw(9) + 64 * 10;
  const total =
    stemF + 5 * (cellF(16, 32) + cellF(32, 16) + cellF(64, 8)) + red(16, 32) + red(32, 16) + headF;
  assert.equal(total, 18757312);
  assert.equal(nb201Flops(arch), 18757312);
  const c = nb201Cost(arch);
  assert.equal(
    c.breakdown.conv +
      c.breakdown.linear +
      c.breakdown.batchNorm +
      c.breakdown.relu +
      c.breakdown.pool,
    c.flops,
  );
});

test('range over the space: 0.073306M..1.531546M params (skip/none only .. all conv3x3)', () => {
  let lo = Infinity;
  let hi = -Infinity;
  for (const a of enumerateNb201()) {
    const p = nb201ParamCount(a);
    lo = Math.min(lo, p);
    hi = Math.max(hi, p);
  }
  assert.equal(lo, 73306);
  assert.equal(hi, 73306 + 6 * 5 * (9 * (16 * 16 + 32 * 32 + 64 * 64) + 2 * (16 + 32 + 64)));
  assert.equal(hi, 1531546);
});

interface NaslibEntry {
  params: { score: number };
  flops: { score: number };
}

test(
  'equals NASLib published params and FLOPs for every subset cell on all three datasets',
  { skip: missing(naslibJson) },
  () => {
    // Python's json writes -Infinity for some zero-cost scores; those fields are not used here.
    const text = fs.readFileSync(naslibJson, 'utf8').replace(/-Infinity|NaN/g, 'null');
    const data = JSON.parse(text) as Record<string, Record<string, NaslibEntry>>;
    const skeletons = {
      cifar10: { numClasses: 10, imageSize: 32 },
      cifar100: { numClasses: 100, imageSize: 32 },
      'ImageNet16-120': { numClasses: 120, imageSize: 16 },
    } as const;
    let n = 0;
    for (const [ds, sk] of Object.entries(skeletons)) {
      for (const [key, entry] of Object.entries(data[ds])) {
        const c = nb201Cost(nb201FromNaslib(key), sk);
        // Published in millions with 6 decimals: exact integers.
        assert.equal(c.params, Math.round(entry.params.score * 1e6), `${ds} ${key} params`);
        assert.equal(c.flops, Math.round(entry.flops.score * 1e6), `${ds} ${key} flops`);
        n++;
      }
    }
    assert.equal(n, 725 + 725 + 724);
  },
);

test('skeleton: defaults, supernet aliases, checks', () => {
  assert.deepEqual(nb201Skeleton(), {
    channels: 16,
    cellsPerStage: 5,
    inChannels: 3,
    numClasses: 10,
    imageSize: 32,
  });
  assert.deepEqual(
    nb201Skeleton({ inputChannels: 1, classes: 10, imageSize: 28, channels: 8, cellsPerStage: 1 }),
    {
      channels: 8,
      cellsPerStage: 1,
      inChannels: 1,
      numClasses: 10,
      imageSize: 28,
    },
  );
  assert.throws(() => nb201Skeleton({ imageSize: 30 }), /divisible by 4.*30/);
  assert.throws(() => nb201Skeleton({ channels: 0 }), /channels.*positive/);
  assert.throws(
    () => nb201Skeleton({ numClasses: 10, classes: 100 }),
    /numClasses=10.*classes=100/,
  );
});

const TORCH_PROBE = `
import json, sys, torch, torch.nn as nn
cfg = json.loads(sys.stdin.read())
def rcb(ci, co, k, s):
    return nn.Sequential(nn.ReLU(), nn.Conv2d(ci, co, k, s, (k - 1) // 2, bias=False), nn.BatchNorm2d(co))
class Zero(nn.Module):
    def forward(self, x): return x * 0.0
def op(name, c):
    return {'none': Zero(), 'skip_connect': nn.Identity(), 'nor_conv_1x1': rcb(c, c, 1, 1),
            'nor_conv_3x3': rcb(c, c, 3, 1),
            'avg_pool_3x3': nn.AvgPool2d(3, 1, 1, count_include_pad=False)}[name]
EDGES = [(0, 1), (0, 2), (1, 2), (0, 3), (1, 3), (2, 3)]
class Cell(nn.Module):
    def __init__(self, arch, c):
        super().__init__(); self.ops = nn.ModuleList([op(a, c) for a in arch])
    def forward(self, x):
        nodes = [x]
        for j in (1, 2, 3):
            nodes.append(sum(self.ops[k](nodes[i]) for k, (i, t) in enumerate(EDGES) if t == j))
        return nodes[3]
class Red(nn.Module):
    def __init__(self, ci, co):
        super().__init__()
        self.a = rcb(ci, co, 3, 2); self.b = rcb(co, co, 3, 1)
        self.short = nn.Sequential(nn.AvgPool2d(2, 2, 0), nn.Conv2d(ci, co, 1, 1, 0, bias=False))
    def forward(self, x): return self.b(self.a(x)) + self.short(x)
def net(arch, s):
    C, N = s['channels'], s['cellsPerStage']
    layers = [nn.Conv2d(s['inChannels'], C, 3, 1, 1, bias=False), nn.BatchNorm2d(C)]
    c = C
    for stage in range(3):
        if stage: layers.append(Red(c, 2 * c)); c *= 2
        layers += [Cell(arch, c) for _ in range(N)]
    layers += [nn.BatchNorm2d(c), nn.ReLU(), nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(c, s['numClasses'])]
    return nn.Sequential(*layers)
out = []
for arch, s in cfg:
    m = net(arch, s).eval()
    fl = [0]
    def hook(mod, inp, o):
        x = inp[0]
        if isinstance(mod, nn.Conv2d):
            fl[0] += mod.kernel_size[0] * mod.kernel_size[1] * mod.in_channels * mod.out_channels * o.shape[2] * o.shape[3]
        elif isinstance(mod, nn.BatchNorm2d): fl[0] += 2 * x.numel()
        elif isinstance(mod, nn.ReLU): fl[0] += x.numel()
        elif isinstance(mod, nn.AvgPool2d): fl[0] += mod.kernel_size ** 2 * o.numel()
        elif isinstance(mod, nn.AdaptiveAvgPool2d): fl[0] += x.shape[1] * (x.shape[2] + 1) * (x.shape[3] + 1)
        elif isinstance(mod, nn.Linear): fl[0] += mod.in_features * mod.out_features
    for mod in m.modules():
        if len(list(mod.children())) == 0: mod.register_forward_hook(hook)
    with torch.no_grad():
        y = m(torch.zeros(1, s['inChannels'], s['imageSize'], s['imageSize']))
    assert y.shape == (1, s['numClasses'])
    out.append([sum(p.numel() for p in m.parameters() if p.requires_grad), fl[0]])
print(json.dumps(out))
`;

/** A python3 that imports torch (Debian's python3-torch lives under /usr/bin/python3). */
const torchPython = ['python3', '/usr/bin/python3'].find(
  (py) => spawnSync(py, ['-c', 'import torch'], { encoding: 'utf8' }).status === 0,
);

test(
  'PyTorch oracle: same params and FLOPs on down-scaled skeletons (28x28x1, 16x16x3)',
  { skip: torchPython ? false : 'python3 with torch not available' },
  () => {
    const rng = testRng(11);
    const skeletons = [
      nb201Skeleton({
        channels: 8,
        cellsPerStage: 2,
        inChannels: 1,
        numClasses: 10,
        imageSize: 28,
      }),
      nb201Skeleton({ channels: 4, cellsPerStage: 1, inChannels: 3, numClasses: 7, imageSize: 16 }),
    ];
    const cases = [];
    for (let k = 0; k < 12; k++) cases.push([sampleNb201(rng), skeletons[k % 2]] as const);
    const r = spawnSync(torchPython as string, ['-c', TORCH_PROBE], {
      input: JSON.stringify(cases),
      encoding: 'utf8',
      env: { ...process.env, OMP_NUM_THREADS: '1' },
    });
    assert.equal(r.status, 0, r.stderr);
    const got = JSON.parse(r.stdout) as [number, number][];
    cases.forEach(([arch, s], k) => {
      const c = nb201Cost(arch, s);
      assert.deepEqual([c.params, c.flops], got[k], `${formatNb201(arch)} on ${JSON.stringify(s)}`);
    });
  },
);
