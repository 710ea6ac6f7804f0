/**
 * Space presets: the paper scale carries seed 001 Table 2 (copied here by hand from the seed's
 * table, the oracle), every preset is a valid configuration, and the smoke/laptop skeletons
 * build on the data they are meant for.
 */
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { initEngine } from '../../src/engine';
import { OTHER_SPACES, SCALES, spacePreset, spaceSetup, type OtherSpace } from '../../src/train';
import { validateSpaceHyper } from '../../src/train/space-runs';

before(async () => {
  await initEngine('cpu');
});

// Seed 001 Table 2: batch size, initial LR, LR decay, weight decay, gradient clip,
// BN calib batch size, BN calib steps.
const TABLE2: Record<OtherSpace, [number, number, string, number, number, number | null, number]> =
  {
    nb101: [256, 0.1, 'cosine', 1e-4, 5, 400, 25],
    darts: [448, 0.1, 'cosine', 3e-4, 5, 200, 100],
    proxyless: [1024, 0.2, 'cosine', 5e-4, 0, 400, 25],
    'darts-ptb': [256, 40, 'constant', 8e-7, 0.1, null, 0],
  };

test('paper presets are seed 001 Table 2 with 1000 epochs', () => {
  for (const space of OTHER_SPACES) {
    const p = spacePreset(space, 'paper').supernet;
    const [batch, lr, decay, wd, clip, calibSize, calibSteps] = TABLE2[space];
    assert.equal(p.batchSize, batch, space);
    assert.equal(p.lr, lr, space);
    assert.equal(p.lrSchedule ?? 'cosine', decay, space);
    assert.equal(p.weightDecay, wd, space);
    assert.equal(p.clipNorm, clip, space);
    if (calibSize !== null) assert.equal(p.calibrationBatchSize, calibSize, space);
    assert.equal(p.calibrationBatches, calibSteps, space);
    assert.equal(p.epochs, 1000, space);
  }
  // Seed A.2: 1k architectures for NAS-Bench series, 100 for DARTS series, 20 for ProxylessNAS.
  assert.equal(spacePreset('nb101', 'paper').study.scoredArchs, 1000);
  assert.equal(spacePreset('darts', 'paper').study.scoredArchs, 100);
  assert.equal(spacePreset('darts-ptb', 'paper').study.scoredArchs, 100);
  assert.equal(spacePreset('proxyless', 'paper').study.scoredArchs, 20);
  // Ground truth: batch 96 for DARTS-CIFAR10 and 1024 for ProxylessNAS (seed A.2).
  assert.equal(spacePreset('darts', 'paper').standalone.batchSize, 96);
  assert.equal(spacePreset('proxyless', 'paper').standalone.batchSize, 1024);
  assert.equal(
    (spacePreset('proxyless', 'paper').skeleton.net as { widthMult: number }).widthMult,
    1.35,
  );
});

test('every preset is valid; smoke and laptop skeletons build and run on their data shape', () => {
  for (const space of OTHER_SPACES) {
    for (const scale of SCALES) {
      const p = spacePreset(space, scale);
      for (const h of [
        { ...p.supernet, seed: 0, sampler: 'uniform' as const },
        { ...p.standalone, seed: 0, sampler: 'uniform' as const },
      ]) {
        assert.doesNotThrow(() => validateSpaceHyper(h), `${space}/${scale}`);
      }
      assert.ok(p.supernet.checkpointEpochs.every((e) => e >= 1 && e <= p.supernet.epochs));
      assert.ok(p.study.groundTruthArchs <= p.study.scoredArchs);
      if (scale === 'paper') continue;
      // Fashion-MNIST 28x28 grey, 10 classes (padded to padTo), or token ids.
      const size = p.data.kind === 'images' ? Math.max(28, p.data.padTo ?? 0) : 0;
      const shape =
        p.data.kind === 'images' ? { inputChannels: 1, classes: 10, imageSize: size } : null;
      const { spec } = spaceSetup(p.skeleton, shape);
      const net = spec.build(0);
      try {
        const arch = spec.extremes().largest;
        const x =
          p.data.kind === 'images' ? tf.zeros([2, size, size, 1]) : tf.zeros([2, p.data.steps]);
        const y = net.forward(x, arch, { mode: 'eval' });
        assert.equal(y.shape[0] > 0, true, `${space}/${scale}`);
        tf.dispose([x, y]);
      } finally {
        net.dispose();
      }
    }
  }
});

test('spacePreset names an unknown space', () => {
  assert.throws(() => spacePreset('nb999' as OtherSpace, 'smoke'), /unknown space "nb999"/);
});
