// The one scorer (src/evaluate/score.ts) on a space other than NB-201 (nb101): with B = 0
// calibration batches BN evaluates with the running statistics from training (the old space
// runner reset them to mean 0 / variance 1 first, which put every stand-alone ground truth of the
// other spaces at chance); with B > 0 they are re-estimated.
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { initEngine } from '../../src/engine';
import { Rng } from '../../src/engine/random';
import { scoreArch } from '../../src/evaluate';
import { imageBatchSource } from '../../src/train';
import { NB101_SMOKE_SKELETON, nb101RunSpec } from '../../src/supernet/nb101';
import { fakeTrainingData } from '../supernet/smoke-data';

before(async () => {
  await initEngine('cpu');
});

test('scoreArch keeps the running statistics without calibration, re-estimates them with it', () => {
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
    const source = imageBatchSource(data);
    const calibration = { batchSize: 8, seed: '0/calibration' };
    scoreArch(net, arch, source, { ...calibration, batches: 0 }, 16);
    for (const n of names) {
      const values = Array.from(net.variables.buffers.get(n)!.dataSync());
      const expected = n.endsWith('runningVar') ? 3 : 0.25;
      assert.ok(
        values.every((x) => x === expected),
        `${n} changed without calibration`,
      );
    }
    scoreArch(net, arch, source, { ...calibration, batches: 2 }, 16);
    const stem = Array.from(net.variables.buffers.get('stem.bn.runningMean')!.dataSync());
    assert.ok(
      stem.some((x) => x !== 0.25),
      'calibration re-estimates the stem statistics',
    );
  } finally {
    net.dispose();
  }
});
