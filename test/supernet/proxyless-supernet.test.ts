import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { initEngine } from '../../src/engine';
import { Rng } from '../../src/engine/random';
import { proxylessCost, sampleProxyless } from '../../src/spaces';
import {
  PROXYLESS_SMOKE_SKELETON,
  proxylessCodec,
  proxylessRunSpec,
} from '../../src/supernet/proxyless';
import { createSampler } from '../../src/train/samplers';
import { imageRunData } from '../../src/train/pipeline';
import { readRunConfig } from '../../src/runs/config';
import { SMOKE_HYPER, fakeTrainingData } from './smoke-data';
import { smokePipeline } from './smoke-pipeline';

before(async () => {
  await initEngine('cpu');
});

test('proxyless supernet: path parameters equal the space cost model', () => {
  const skeleton = {
    ...PROXYLESS_SMOKE_SKELETON,
    widthMult: 1.35,
    widthStages: [8, 16, 24],
    layersPerStage: [2, 3, 1],
    strideStages: [2, 1, 2],
    inChannels: 3,
    numClasses: 10,
  };
  const spec = proxylessRunSpec(skeleton);
  const net = spec.build(0);
  const rng = new Rng('p');
  for (let i = 0; i < 10; i++) {
    const a = sampleProxyless(rng, skeleton);
    const mine = net
      .pathNames(a)
      .trainable.reduce((t, n) => t + net.variables.trainable.get(n)!.size, 0);
    assert.equal(mine, proxylessCost(a, skeleton).params, a.join());
  }
  const x = tf.randomNormal([2, 16, 16, 3]) as tf.Tensor4D;
  const y = net.forward(x, sampleProxyless(rng, skeleton), { mode: 'train' });
  assert.deepEqual(y.shape, [2, 10]);
  tf.dispose([x, y]);
  net.dispose();
});

test('proxyless codec round-trips; sandwich extremes bound sampled params', () => {
  const skeleton = PROXYLESS_SMOKE_SKELETON;
  const codec = proxylessCodec(skeleton);
  const spec = proxylessRunSpec(skeleton);
  const rng = new Rng('c');
  const plan = createSampler(spec, { sampler: 'sandwich', samplerPaths: 1 }).next(rng);
  const [lo, hi] = plan.paths.slice(0, 2).map(spec.params);
  for (let i = 0; i < 30; i++) {
    const a = sampleProxyless(rng, skeleton);
    assert.deepEqual(codec.decode(codec.encode(a)), a);
    assert.ok(lo <= spec.params(a) && spec.params(a) <= hi);
  }
});

test('proxyless smoke study: train -> score -> stand-alone -> correlate', async () => {
  const out = fs.mkdtempSync(path.join(os.tmpdir(), 'proxyless-smoke-'));
  const { inChannels: _c, numClasses: _n, imageSize: _s, ...net } = PROXYLESS_SMOKE_SKELETON;
  const r = await smokePipeline({
    space: 'proxyless',
    net,
    data: imageRunData(fakeTrainingData(32, 16)),
    dataSettings: {
      kind: 'images',
      dataset: 'fashion-mnist',
      trainImages: null,
      validImages: null,
      validFraction: 0.5,
    },
    outDir: out,
    supernet: { ...SMOKE_HYPER, calibrationBatches: 1 },
    standalone: { ...SMOKE_HYPER, epochs: 1, calibrationBatches: 1 },
    archs: 3,
  });
  assert.equal(r.scores.length, 3);
  assert.ok(Number.isFinite(r.supernetLoss));
  // The pipeline writes no study summary.json: the run folders and their tables instead.
  assert.equal(readRunConfig(r.supernetDir).space, 'proxyless');
  assert.equal(r.groundTruth.length, 3);
  assert.ok(fs.existsSync(path.join(r.groundTruthDir, 'groundtruth.csv')));
  fs.rmSync(out, { recursive: true, force: true });
});
