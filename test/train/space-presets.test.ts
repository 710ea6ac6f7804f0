/**
 * Space presets (each space's binding, src/supernet/<space>/binding.ts): the paper scale carries
 * seed 001 Table 2 (copied here by hand from the seed's table, the oracle), every preset of every
 * registered space (NB-201 included, now that its presets come through its binding too) is a
 * valid run configuration, and the smoke/laptop skeletons build on the data they are meant for.
 */
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { initEngine } from '../../src/engine';
import { SCALES, validateHyper } from '../../src/train';
import type { RunConfigInput } from '../../src/runs/config';
import { SPACE_NAMES, spaceBinding } from '../../src/supernet/registry';
import type { Scale } from '../../src/core/scale';

before(async () => {
  await initEngine('cpu');
});

const spacePreset = (space: string, scale: Scale) => spaceBinding(space).preset(scale);

// Seed 001 Table 2: batch size, initial LR, LR decay, weight decay, gradient clip,
// BN calib batch size, BN calib steps.
const TABLE2: Record<string, [number, number, string, number, number, number | null, number]> = {
  nb101: [256, 0.1, 'cosine', 1e-4, 5, 400, 25],
  nb201: [256, 0.05, 'cosine', 5e-4, 5, 400, 25],
  darts: [448, 0.1, 'cosine', 3e-4, 5, 200, 100],
  proxyless: [1024, 0.2, 'cosine', 5e-4, 0, 400, 25],
  'darts-ptb': [256, 40, 'constant', 8e-7, 0.1, null, 0],
};

test('paper presets are seed 001 Table 2 with 1000 epochs', () => {
  // Every registered space has a column (NB-201's presets come through its binding too).
  assert.deepEqual(Object.keys(TABLE2).sort(), [...SPACE_NAMES].sort());
  for (const space of SPACE_NAMES) {
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
  assert.equal(spacePreset('nb201', 'paper').study.scoredArchs, 1000);
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
  for (const space of SPACE_NAMES) {
    for (const scale of SCALES) {
      const p = spacePreset(space, scale);
      assert.equal(p.space, space);
      assert.equal(p.scale, scale);
      const run = (kind: 'supernet' | 'groundtruth'): RunConfigInput => ({
        ...(kind === 'supernet' ? p.supernet : p.standalone),
        kind,
        space,
        scale,
        dataset: p.data.kind === 'images' ? p.data.dataset : 'ptb',
        skeleton: kind === 'supernet' ? p.skeleton : p.standaloneSkeleton,
        data: kind === 'supernet' ? p.data : (p.standaloneData ?? p.data),
        seed: 0,
        sampler: 'uniform',
        engine: 'cpu',
      });
      for (const h of [run('supernet'), run('groundtruth')]) {
        assert.doesNotThrow(() => validateHyper(h), `${space}/${scale}`);
      }
      assert.ok(p.supernet.checkpointEpochs.every((e) => e >= 1 && e <= p.supernet.epochs));
      assert.ok(p.study.groundTruthArchs <= p.study.scoredArchs);
      if (scale === 'paper') continue;
      // Fashion-MNIST 28x28 grey, 10 classes (padded to padTo), or token ids.
      const size = p.data.kind === 'images' ? Math.max(28, p.data.padTo ?? 0) : 0;
      const shape =
        p.data.kind === 'images' ? { inputChannels: 1, classes: 10, imageSize: size } : null;
      const { spec } = spaceBinding(space).setup(p.skeleton.net, shape);
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

test('the registry names an unknown space', () => {
  assert.throws(() => spacePreset('nb999', 'smoke'), /unknown space "nb999"/);
});

test('--channels / --cells set each space its own skeleton fields; a knob a space lacks is refused', () => {
  // Expected fields written out by hand from each space's skeleton (the oracle).
  const knobs: Record<string, { channels?: string[]; cells?: string[] }> = {
    nb201: { channels: ['channels'], cells: ['cellsPerStage'] },
    nb101: { channels: ['stemChannels'], cells: ['cellsPerStack'] },
    darts: { channels: ['channels'], cells: ['layers'] },
    'darts-ptb': { channels: ['embedding', 'hidden'] },
  };
  for (const space of SPACE_NAMES) {
    const binding = spaceBinding(space);
    const net = binding.preset('smoke').skeleton.net as Record<string, unknown>;
    if (!(space in knobs)) {
      assert.equal(binding.resize, undefined, space);
      continue;
    }
    const resize = binding.resize!;
    assert.deepEqual(resize(net, {}), net, space);
    const fields = knobs[space];
    for (const knob of ['channels', 'cells'] as const) {
      const keys = fields[knob];
      if (!keys) {
        assert.throws(
          () => resize(net, { [knob]: 6 }),
          (err: Error) =>
            err.name === 'BadInputError' &&
            err.message === `--${knob} does not apply to --space ${space}`,
          `${space} --${knob}`,
        );
        continue;
      }
      const out = resize(net, { [knob]: 6 }) as Record<string, unknown>;
      const want = { ...net };
      for (const f of keys) want[f] = 6;
      assert.deepEqual(out, want, `${space} --${knob}`);
      assert.deepEqual(Object.keys(out), Object.keys(net), `${space}: field order kept`);
    }
  }
  assert.throws(() => spaceBinding('nb101').resize!({}, { channels: 7 }), /must be even/);
});
