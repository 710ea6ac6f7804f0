// Scoring on the space runner: with B = 0 calibration batches BN evaluates with the running
// statistics from training (they used to be reset to mean 0 / variance 1 first, which put every
// stand-alone ground truth of the other spaces at chance); with B > 0 they are re-estimated.
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { initEngine } from '../../src/engine';
import { Rng } from '../../src/engine/random';
import { scoreSpaceArch } from '../../src/train';
import { NB101_SMOKE_SKELETON, nb101RunSpec } from '../../src/supernet/nb101';
import { fakeTrainingData } from '../supernet/smoke-data';

before(async () => {
  await initEngine('cpu');
});

test('scoreSpaceArch keeps the running statistics without calibration, re-estimates them with it', () => {
  const spec = nb101RunSpec({ ...NB101_SMOKE_SKELETON, stemChannels: 2 });
  const data = fakeTrainingData(32, 8);
  const net = spec.build(0);
  try {
    const arch = spec.sample(new Rng('score-bn'));
    const names = net.pathNames(arch).buffers;
    assert.ok(names.length > 0);
    // Recognisable "trained" statistics: mean 0.25, variance 3.
    for (const n of names) {
      const v = net.variables.buffers.get(n)!;
      v.assign(tf.fill(v.shape, n.endsWith('runningVar') ? 3 : 0.25));
    }
    const hyper = { calibrationBatchSize: 8, evalBatchSize: 16, seed: 0 };
    scoreSpaceArch(net, arch, data, { ...hyper, calibrationBatches: 0 });
    for (const n of names) {
      const values = Array.from(net.variables.buffers.get(n)!.dataSync());
      const expected = n.endsWith('runningVar') ? 3 : 0.25;
      assert.ok(
        values.every((x) => x === expected),
        `${n} changed without calibration`,
      );
    }
    scoreSpaceArch(net, arch, data, { ...hyper, calibrationBatches: 2 });
    const stem = Array.from(net.variables.buffers.get('stem.bn.runningMean')!.dataSync());
    assert.ok(
      stem.some((x) => x !== 0.25),
      'calibration re-estimates the stem statistics',
    );
  } finally {
    net.dispose();
  }
});
