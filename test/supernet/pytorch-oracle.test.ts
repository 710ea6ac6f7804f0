// Independent oracle: the same NAS-Bench-201 network written directly in PyTorch (NCHW, the
// benchmark's own layer semantics: padding, count_include_pad=False, BN momentum and unbiased
// running variance), fed our weights. Skipped where no python3 with torch is installed.
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { initEngine } from '../../src/engine';
import { createRng } from '../../src/engine/random';
import { parseNb201 } from '../../src/spaces/nb201/arch';
import { createSupernet, ops, type Nb201Skeleton } from '../../src/supernet';

const PY_MODEL = `
import json, sys
import torch
import torch.nn.functional as F
d = json.load(open(sys.argv[1]))
DT = torch.float64 if d.get('float64') else torch.float32
W = {k: torch.tensor(v['data'], dtype=DT).reshape(v['shape']) for k, v in d['weights'].items()}
arch, sk = d['arch'], d['skeleton']
edges = [(0, 1), (0, 2), (1, 2), (0, 3), (1, 3), (2, 3)]
def conv(x, name, stride, pad):
    return F.conv2d(x, W[name].permute(3, 2, 0, 1), stride=stride, padding=pad)
def bn(x, name, train):
    return F.batch_norm(x, W[name + '.runningMean'], W[name + '.runningVar'], W[name + '.gamma'],
                        W[name + '.beta'], training=train, momentum=0.1, eps=1e-5)
def rcb(x, name, stride, pad, train):
    return bn(conv(F.relu(x), name + '.conv.w', stride, pad), name + '.bn', train)
def forward(x, train):
    h = bn(conv(x, 'stem.conv.w', 1, 1), 'stem.bn', train)
    cell = 0
    for s in range(3):
        for _ in range(sk['cellsPerStage']):
            nodes = [h]
            for j in (1, 2, 3):
                acc = None
                for e, (i, t) in enumerate(edges):
                    if t != j or arch[e] == 'none':
                        continue
                    op, src = arch[e], nodes[i]
                    if op == 'skip_connect': y = src
                    elif op == 'avg_pool_3x3': y = F.avg_pool2d(src, 3, 1, 1, count_include_pad=False)
                    elif op == 'nor_conv_3x3': y = rcb(src, 'cells.%d.%d.nor_conv_3x3' % (cell, e), 1, 1, train)
                    else: y = rcb(src, 'cells.%d.%d.nor_conv_1x1' % (cell, e), 1, 0, train)
                    acc = y if acc is None else acc + y
                nodes.append(acc if acc is not None else torch.zeros_like(h))
            h = nodes[3]
            cell += 1
        if s < 2:
            r = 'reductions.%d' % s
            a = rcb(h, r + '.a', 2, 1, train)
            b = rcb(a, r + '.b', 1, 1, train)
            h = conv(F.avg_pool2d(h, 2, 2), r + '.shortcut.w', 1, 0) + b
    h = F.relu(bn(h, 'head.bn', train)).mean(dim=(2, 3))
    return h @ W['head.fc.w'] + W['head.fc.b']
x = torch.tensor(d['x'], dtype=DT).reshape(d['xShape']).permute(0, 3, 1, 2)
`;

const PY_FORWARD =
  PY_MODEL +
  `
torch.set_grad_enabled(False)
x = torch.tensor(d['x'], dtype=torch.float32).reshape(d['xShape']).permute(0, 3, 1, 2)
out = {'eval': forward(x, False).flatten().tolist(), 'train': forward(x, True).flatten().tolist()}
out['stem.bn.runningMean'] = W['stem.bn.runningMean'].tolist()
out['stem.bn.runningVar'] = W['stem.bn.runningVar'].tolist()
out['head.bn.runningVar'] = W['head.bn.runningVar'].tolist()
print(json.dumps(out))
`;

// Float64 autograd of the cross-entropy w.r.t. every trainable tensor.
const PY_GRADS =
  PY_MODEL +
  `
for k in W:
    if not (k.endswith('.runningMean') or k.endswith('.runningVar')):
        W[k].requires_grad_(True)
loss = F.cross_entropy(forward(x, d['mode'] == 'train'), torch.tensor(d['labels']))
loss.backward()
print(json.dumps({k: W[k].grad.flatten().tolist() for k in W if W[k].grad is not None}))
`;

function findTorchPython(): string | null {
  for (const py of ['/usr/bin/python3', 'python3']) {
    const r = spawnSync(py, ['-c', 'import torch'], { encoding: 'utf8' });
    if (r.status === 0) return py;
  }
  return null;
}

const python = findTorchPython();

before(async () => {
  await initEngine('cpu');
});

test(
  'logits and BN running statistics agree with a PyTorch implementation',
  { skip: python === null ? 'python3 with torch not installed' : false },
  async () => {
    const skeleton: Nb201Skeleton = { channels: 4, cellsPerStage: 2, inputChannels: 3, classes: 5 };
    const net = createSupernet(skeleton, { seed: 3 });
    const arch = parseNb201(
      '|nor_conv_3x3~0|+|nor_conv_1x1~0|avg_pool_3x3~1|+|skip_connect~0|none~1|nor_conv_3x3~2|',
    );
    const rng = createRng(8);
    const xShape = [3, 8, 8, 3];
    const xData = rng.fillNormal(new Float32Array(3 * 8 * 8 * 3));
    const x = tf.tensor4d(xData, xShape as [number, number, number, number]);
    // Non-trivial running statistics and BN affine parameters.
    for (let i = 0; i < 2; i++) tf.dispose(net.forward(x, arch, { mode: 'train' }));
    for (const [name, v] of net.variables.trainable) {
      if (name.endsWith('.gamma') || name.endsWith('.beta')) {
        const noise = rng.fillNormal(new Float32Array(v.size), 0, 0.3);
        v.assign(tf.add(v, tf.tensor(noise, v.shape)));
      }
    }
    const weights: Record<string, { shape: number[]; data: number[] }> = {};
    for (const kind of ['trainable', 'buffers'] as const) {
      for (const [name, v] of net.variables[kind]) {
        weights[name] = { shape: v.shape, data: Array.from(v.dataSync()) };
      }
    }
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nb201-torch-'));
    const file = path.join(dir, 'in.json');
    fs.writeFileSync(
      file,
      JSON.stringify({ weights, arch, skeleton, x: Array.from(xData), xShape }),
    );
    const r = spawnSync(python!, ['-c', PY_FORWARD, file], { encoding: 'utf8' });
    fs.rmSync(dir, { recursive: true, force: true });
    assert.equal(r.status, 0, r.stderr);
    const ref = JSON.parse(r.stdout) as Record<string, number[]>;

    const evalLogits = net.forward(x, arch, { mode: 'eval' });
    const trainLogits = net.forward(x, arch, { mode: 'train' }); // updates running stats
    const close = (got: ArrayLike<number>, want: number[], what: string, tol = 2e-4) => {
      assert.equal(got.length, want.length, what);
      for (let i = 0; i < want.length; i++) {
        assert.ok(
          Math.abs(got[i] - want[i]) <= tol * (1 + Math.abs(want[i])),
          `${what}[${i}]: ${got[i]} vs ${want[i]}`,
        );
      }
    };
    close(evalLogits.dataSync(), ref.eval, 'eval logits');
    close(trainLogits.dataSync(), ref.train, 'train logits');
    for (const name of ['stem.bn.runningMean', 'stem.bn.runningVar', 'head.bn.runningVar']) {
      close(net.variables.buffers.get(name)!.dataSync(), ref[name], name);
    }
    tf.dispose([x, evalLogits, trainLogits]);
    net.dispose();
  },
);

test(
  'gradients of the whole network agree with PyTorch float64 autograd (train and eval mode)',
  { skip: python === null ? 'python3 with torch not installed' : false },
  () => {
    const skeleton: Nb201Skeleton = { channels: 3, cellsPerStage: 1, inputChannels: 1, classes: 3 };
    const arch = parseNb201(
      '|nor_conv_3x3~0|+|avg_pool_3x3~0|nor_conv_1x1~1|+|skip_connect~0|none~1|nor_conv_3x3~2|',
    );
    const rng = createRng(21);
    const xData = rng.fillNormal(new Float32Array(4 * 8 * 8));
    const x = tf.tensor4d(xData, [4, 8, 8, 1]);
    const labelList = [0, 1, 2, 1];
    const labels = tf.tensor1d(labelList, 'int32');
    for (const mode of ['train', 'eval'] as const) {
      const net = createSupernet(skeleton, { seed: 21 });
      tf.dispose(net.forward(x, arch, { mode: 'calibrate', calibrationStep: 1 }));
      const vars = net.pathVariables(arch);
      const { value, grads } = tf.variableGrads(
        () => ops.crossEntropy(net.forward(x, arch, { mode, updateStats: false }), labels),
        vars,
      );
      const weights: Record<string, { shape: number[]; data: number[] }> = {};
      for (const kind of ['trainable', 'buffers'] as const) {
        for (const [name, v] of net.variables[kind]) {
          weights[name] = { shape: v.shape, data: Array.from(v.dataSync()) };
        }
      }
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nb201-torch-'));
      const file = path.join(dir, 'in.json');
      fs.writeFileSync(
        file,
        JSON.stringify({
          weights,
          arch,
          skeleton,
          x: Array.from(xData),
          xShape: [4, 8, 8, 1],
          labels: labelList,
          mode,
          float64: true,
        }),
      );
      const r = spawnSync(python!, ['-c', PY_GRADS, file], { encoding: 'utf8' });
      fs.rmSync(dir, { recursive: true, force: true });
      assert.equal(r.status, 0, r.stderr);
      const ref = JSON.parse(r.stdout) as Record<string, number[]>;
      for (const name of net.pathNames(arch).trainable) {
        const got = grads[net.variables.trainable.get(name)!.name].dataSync();
        const want = ref[name];
        const scale = Math.max(...want.map(Math.abs), 1e-3);
        for (let i = 0; i < want.length; i++) {
          assert.ok(
            Math.abs(got[i] - want[i]) <= 1e-4 * scale + 1e-6,
            `${mode} ${name}[${i}]: ${got[i]} vs ${want[i]}`,
          );
        }
      }
      tf.dispose([value, ...Object.values(grads)]);
      net.dispose();
    }
    tf.dispose([x, labels]);
  },
);
