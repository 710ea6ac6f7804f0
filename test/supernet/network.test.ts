import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { initEngine } from '../../src/engine';
import { createRng } from '../../src/engine/random';
import type { Nb201Arch } from '../../src/spaces/nb201/definition';
import { parseNb201 } from '../../src/spaces/nb201/arch';
import { nb201ParamCount } from '../../src/spaces/nb201/cost';
import { createStandalone, createSupernet, type Nb201Skeleton } from '../../src/supernet';

before(async () => {
  await initEngine('cpu');
});

const A = (s: string): Nb201Arch => parseNb201(s);

const ARCHS: Nb201Arch[] = [
  A(
    '|nor_conv_3x3~0|+|nor_conv_3x3~0|avg_pool_3x3~1|+|skip_connect~0|nor_conv_3x3~1|skip_connect~2|',
  ),
  A('|nor_conv_1x1~0|+|none~0|avg_pool_3x3~1|+|none~0|none~1|nor_conv_3x3~2|'),
  // node 1 and node 2 are dead (all-none inputs) but still hold (and run) their conv ops
  A('|none~0|+|none~0|nor_conv_3x3~1|+|skip_connect~0|nor_conv_1x1~1|avg_pool_3x3~2|'),
  A(
    '|avg_pool_3x3~0|+|skip_connect~0|avg_pool_3x3~1|+|avg_pool_3x3~0|skip_connect~1|avg_pool_3x3~2|',
  ),
];

const TINY: Nb201Skeleton = { channels: 4, cellsPerStage: 1, inputChannels: 2, classes: 3 };

function maxAbsDiff(a: tf.Tensor, b: tf.Tensor): number {
  return tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]);
}

function images(n: number, size: number, channels: number, seed: number): tf.Tensor4D {
  const rng = createRng(seed);
  const data = rng.fillNormal(new Float32Array(n * size * size * channels));
  return tf.tensor4d(data, [n, size, size, channels]);
}

test('a sub-network forward through the supernet equals the stand-alone net holding the same weights', () => {
  const supernet = createSupernet(TINY, { seed: 11 });
  const x = images(3, 8, 2, 1);
  // Move the BN running statistics away from their initial values first.
  for (const arch of ARCHS) tf.dispose(supernet.forward(x, arch, { mode: 'train' }));
  for (const arch of ARCHS) {
    const net = createStandalone(arch, TINY, { seed: 999, from: supernet });
    for (const mode of ['train', 'eval'] as const) {
      const a = supernet.forward(x, arch, { mode, updateStats: false });
      const b = net.forward(x, arch, { mode, updateStats: false });
      assert.equal(maxAbsDiff(a, b), 0, `${mode} ${arch.join(',')}`);
      tf.dispose([a, b]);
    }
    net.dispose();
  }
  x.dispose();
  supernet.dispose();
});

test('supernet and stand-alone nets of the same seed start from the same weights on shared ops', () => {
  const supernet = createSupernet(TINY, { seed: 5 });
  const net = createStandalone(ARCHS[0], TINY, { seed: 5 });
  for (const [name, v] of net.variables.trainable) {
    assert.equal(maxAbsDiff(v, supernet.variables.trainable.get(name)!), 0, name);
  }
  const other = createStandalone(ARCHS[0], TINY, { seed: 6 });
  assert.notEqual(
    maxAbsDiff(
      other.variables.trainable.get('stem.conv.w')!,
      net.variables.trainable.get('stem.conv.w')!,
    ),
    0,
  );
  [supernet, net, other].forEach((n) => n.dispose());
});

test('parameter counts of real networks equal nb201ParamCount of the space definition', () => {
  const skeletons: Nb201Skeleton[] = [
    TINY,
    { channels: 8, cellsPerStage: 2, inputChannels: 1, classes: 10 },
    { channels: 16, cellsPerStage: 5, inputChannels: 3, classes: 10 },
    { channels: 16, cellsPerStage: 5, inputChannels: 3, classes: 100 },
  ];
  for (const skeleton of skeletons) {
    for (const arch of ARCHS) {
      const net = createStandalone(arch, skeleton, { seed: 1 });
      assert.equal(
        net.parameterCount(),
        nb201ParamCount(arch, skeleton),
        `${JSON.stringify(skeleton)} ${arch}`,
      );
      net.dispose();
    }
  }
});

test('benchmark skeleton: the largest and smallest cells have the published sizes', () => {
  // NAS-Bench-201 (CIFAR-10, C=16, N=5) publishes 1.531546 MB of parameters for the all-3x3
  // cell and 0.073306 MB for a cell without convolutions (ResNet blocks, stem and head only).
  const skeleton = { channels: 16, cellsPerStage: 5, inputChannels: 3, classes: 10 };
  const big = createStandalone(Array(6).fill('nor_conv_3x3') as Nb201Arch, skeleton, { seed: 1 });
  assert.equal(big.parameterCount(), 1531546);
  big.dispose();
  const small = createStandalone(Array(6).fill('skip_connect') as Nb201Arch, skeleton, { seed: 1 });
  assert.equal(small.parameterCount(), 73306);
  small.dispose();
});

test('the path of an architecture names exactly its ops; a stand-alone net refuses other archs', () => {
  const supernet = createSupernet(TINY, { seed: 1 });
  const arch = ARCHS[1];
  const names = supernet.pathNames(arch).trainable;
  assert.ok(names.includes('cells.0.0.nor_conv_1x1.conv.w'));
  assert.ok(!names.some((n) => n.startsWith('cells.0.0.nor_conv_3x3')));
  assert.ok(names.includes('cells.2.5.nor_conv_3x3.bn.gamma'));
  const net = createStandalone(arch, TINY, { seed: 1 });
  assert.equal(
    supernet.pathVariables(arch).reduce((s, v) => s + v.size, 0),
    net.parameterCount(),
  );
  const x = images(1, 8, 2, 3);
  assert.throws(() => net.forward(x, ARCHS[0], { mode: 'eval' }), /stand-alone network holds only/);
  assert.throws(
    () => supernet.forward(images(1, 8, 3, 3), arch, { mode: 'eval' }),
    /expected images/,
  );
  assert.throws(
    () => supernet.forward(x, ['conv'] as unknown as Nb201Arch, { mode: 'eval' }),
    /6 ops/,
  );
  [supernet, net, x].forEach((t) => t.dispose());
});

test('forward passes leave tf.memory() flat', () => {
  const supernet = createSupernet(TINY, { seed: 1 });
  const x = images(2, 8, 2, 4);
  const run = () => {
    for (const arch of ARCHS) {
      for (const mode of ['train', 'eval'] as const)
        tf.dispose(supernet.forward(x, arch, { mode }));
      tf.dispose(supernet.forward(x, arch, { mode: 'calibrate', calibrationStep: 2 }));
    }
  };
  run(); // first run creates cached constants (avg-pool window counts)
  const before = tf.memory().numTensors;
  for (let i = 0; i < 5; i++) run();
  assert.equal(tf.memory().numTensors, before);
  x.dispose();
  supernet.dispose();
});
