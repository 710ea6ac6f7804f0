import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { createSupernet } from '../../src/supernet/network';
import type { Nb201Arch } from '../../src/spaces/nb201/definition';
import {
  deriveNb201,
  firstOrderArchGradient,
  identityMixing,
  oneHotNb201,
  RelaxedNb201,
} from '../../src/optim';
import { lcg } from './tiny-model';

tf.setBackend('cpu');

const SKELETON = { channels: 4, cellsPerStage: 1, inputChannels: 1, classes: 3 };

function images(seed: number, n: number, size: number) {
  const r = lcg(seed);
  const x = tf.tensor4d(
    Array.from({ length: n * size * size }, () => r()),
    [n, size, size, 1],
  );
  const y = tf.tensor1d(Array.from({ length: n }, (_, i) => i % 3));
  return { x, y };
}

test('one-hot mixing reproduces the supernet single-path forward', () => {
  const net = createSupernet(SKELETON, { seed: 3 });
  const relaxed = new RelaxedNb201(net);
  const batch = images(1, 4, 8);
  // warm-up: ops cache constant tensors (e.g. pooling window counts) on first use
  tf.dispose(
    relaxed.logits(
      batch.x,
      tf.tensor2d(oneHotNb201(['avg_pool_3x3', 'none', 'none', 'none', 'none', 'none'])),
    ),
  );
  const before = tf.memory().numTensors;
  const archs: Nb201Arch[] = [
    ['nor_conv_3x3', 'skip_connect', 'avg_pool_3x3', 'nor_conv_1x1', 'none', 'nor_conv_3x3'],
    ['skip_connect', 'none', 'none', 'avg_pool_3x3', 'nor_conv_1x1', 'skip_connect'],
  ];
  for (const arch of archs) {
    const want = net.forward(batch.x, arch, { mode: 'train', updateStats: false });
    const mixing = tf.tensor2d(oneHotNb201(arch));
    const got = relaxed.logits(batch.x, mixing);
    const diff = tf.tidy(() => tf.max(tf.abs(tf.sub(want, got))).dataSync()[0]);
    const scale = tf.tidy(() => tf.max(tf.abs(want)).dataSync()[0]);
    assert.ok(diff <= 1e-5 * Math.max(1, scale), `${arch.join(',')}: max diff ${diff}`);
    tf.dispose([want, mixing, got]);
  }
  assert.equal(tf.memory().numTensors, before, 'no tensors leaked');
  tf.dispose([batch.x, batch.y]);
  net.dispose();
});

test('relaxed NB-201: the mixing gradient matches finite differences of the loss', () => {
  const net = createSupernet(SKELETON, { seed: 5 });
  const relaxed = new RelaxedNb201(net);
  const batch = images(2, 16, 8);
  const r = lcg(9);
  const theta = Array.from({ length: 6 }, () => {
    const row = Array.from({ length: 5 }, () => 0.2 + 0.15 * r());
    const s = row.reduce((a, b) => a + b, 0);
    return row.map((v) => v / s);
  });
  const g = firstOrderArchGradient(relaxed, theta, identityMixing, batch);
  const lossAt = (t: number[][]) => relaxed.evaluate(t, batch).loss;
  const shifted = (dir: number[][], h: number) =>
    theta.map((row, e) => row.map((v, o) => v + h * dir[e][o]));
  // (1) per entry, central differences in float32 (h = 1e-3): loose, ReLU kinks and rounding
  const h = 1e-3;
  let worst = 0;
  let scale = 0;
  for (let e = 0; e < 6; e++) {
    for (let o = 0; o < 5; o++) {
      const unit = theta.map((row, i) => row.map((_, j) => (i === e && j === o ? 1 : 0)));
      const fd = (lossAt(shifted(unit, h)) - lossAt(shifted(unit, -h))) / (2 * h);
      worst = Math.max(worst, Math.abs(fd - g.grad[e][o]));
      scale = Math.max(scale, Math.abs(fd));
      if (o === 0) assert.equal(g.grad[e][o], 0, "the 'none' op gets no gradient");
    }
  }
  assert.ok(worst < 6e-2 * scale, `max |fd - grad| = ${worst} (scale ${scale})`);
  // (2) along the gradient direction the slope must be |grad| (tight: large signal)
  const norm = Math.sqrt(g.grad.flat().reduce((a, v) => a + v * v, 0));
  const dir = g.grad.map((row) => row.map((v) => v / norm));
  const slope = (lossAt(shifted(dir, 1e-3)) - lossAt(shifted(dir, -1e-3))) / 2e-3;
  assert.ok(Math.abs(slope - norm) < 0.01 * norm, `directional slope ${slope} vs |grad| ${norm}`);
  tf.dispose([batch.x, batch.y]);
  net.dispose();
});

test('deriving the discrete cell: argmax per edge over all five ops', () => {
  const w = [
    [0.1, 0.2, 0.3, 0.35, 0.05],
    [0.9, 0.025, 0.025, 0.025, 0.025],
    [0.2, 0.2, 0.2, 0.2, 0.2],
    [0, 0, 0, 0, 1],
    [0.1, 0.5, 0.1, 0.2, 0.1],
    [0.1, 0.1, 0.6, 0.1, 0.1],
  ];
  assert.deepEqual(deriveNb201(w), [
    'nor_conv_3x3',
    'none',
    'none',
    'avg_pool_3x3',
    'skip_connect',
    'nor_conv_1x1',
  ]);
  assert.throws(() => deriveNb201([[1]]), /6 x 5/);
  assert.throws(() => new RelaxedNb201({ fixedArch: ['none'] } as never), /supernet/);
});
