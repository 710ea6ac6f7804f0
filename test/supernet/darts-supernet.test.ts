import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { initEngine } from '../../src/engine';
import { Rng } from '../../src/engine/random';
import { dartsCost, sampleDarts } from '../../src/spaces';
import {
  DARTS_CODEC,
  DARTS_SMOKE_SKELETON,
  dartsRunSpec,
  dilateKernel,
  subsample2,
} from '../../src/supernet/darts';
import { createSampler } from '../../src/train/samplers';
import { imageRunData } from '../../src/train/pipeline';
import { readRunConfig } from '../../src/runs/config';
import { SMOKE_HYPER, fakeTrainingData } from './smoke-data';
import { smokePipeline } from './smoke-pipeline';

before(async () => {
  await initEngine('cpu');
});

test('darts supernet: path parameters equal the evaluation-network cost model', () => {
  const skeleton = {
    ...DARTS_SMOKE_SKELETON,
    channels: 4,
    layers: 5,
    inChannels: 3,
    numClasses: 10,
  };
  const spec = dartsRunSpec(skeleton, 8);
  const net = spec.build(0);
  const rng = new Rng('d');
  for (let i = 0; i < 10; i++) {
    const g = sampleDarts(rng);
    const mine = net
      .pathNames(g)
      .trainable.reduce((t, n) => t + net.variables.trainable.get(n)!.size, 0);
    assert.equal(mine, dartsCost(g, { ...skeleton, imageSize: 8 }).params);
  }
  const x = tf.randomNormal([2, 8, 8, 3]) as tf.Tensor4D;
  const y = net.forward(x, sampleDarts(rng), { mode: 'train' });
  assert.deepEqual(y.shape, [2, 10]);
  tf.dispose([x, y]);
  net.dispose();
});

test('dilated kernel expansion equals tfjs dilation; subsample2 picks even positions', () => {
  const x = tf.randomNormal([1, 7, 7, 2], 0, 1, 'float32', 1) as tf.Tensor4D;
  const w = tf.randomNormal([3, 3, 2, 1], 0, 1, 'float32', 2) as tf.Tensor4D;
  const want = tf.depthwiseConv2d(x, w, 1, 'same', 'NHWC', 2).dataSync();
  const got = tf.depthwiseConv2d(x, dilateKernel(w), 1, 'same').dataSync();
  want.forEach((v, i) => assert.ok(Math.abs(v - got[i]) < 1e-5));
  const t = tf.tensor4d(
    Array.from({ length: 16 }, (_, i) => i),
    [1, 4, 4, 1],
  );
  assert.deepEqual(Array.from(subsample2(t).dataSync()), [0, 2, 8, 10]);
});

test('darts codec round-trips', () => {
  const rng = new Rng('c');
  for (let i = 0; i < 30; i++) {
    const g = sampleDarts(rng);
    assert.deepEqual(DARTS_CODEC.decode(DARTS_CODEC.encode(g)), g);
  }
  const plan = createSampler(dartsRunSpec(DARTS_SMOKE_SKELETON, 8), { sampler: 'fairnas' }).next(
    rng,
  );
  assert.equal(plan.paths.length, 20);
});

test('darts smoke study: train -> score -> stand-alone -> correlate', async () => {
  const out = fs.mkdtempSync(path.join(os.tmpdir(), 'darts-smoke-'));
  const { inChannels: _c, numClasses: _n, ...net } = DARTS_SMOKE_SKELETON;
  const r = await smokePipeline({
    space: 'darts',
    net,
    data: imageRunData(fakeTrainingData(32)),
    dataSettings: {
      kind: 'images',
      dataset: 'fashion-mnist',
      trainImages: null,
      validImages: null,
      validFraction: 0.5,
    },
    outDir: out,
    supernet: { ...SMOKE_HYPER, epochs: 1, calibrationBatches: 1 },
    standalone: { ...SMOKE_HYPER, epochs: 1, calibrationBatches: 1 },
    archs: 3,
  });
  assert.equal(r.scores.length, 3);
  assert.ok(Number.isFinite(r.supernetLoss));
  // The pipeline writes no study summary.json: the run folders and their tables instead.
  assert.equal(readRunConfig(r.supernetDir).space, 'darts');
  assert.equal(r.groundTruth.length, 3);
  assert.ok(fs.existsSync(path.join(r.groundTruthDir, 'groundtruth.csv')));
  fs.rmSync(out, { recursive: true, force: true });
});
