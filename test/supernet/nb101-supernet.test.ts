import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { initEngine } from '../../src/engine';
import { Rng } from '../../src/engine/random';
import { nb101Cost, sampleNb101 } from '../../src/spaces';
import { NB101_CODEC, NB101_SMOKE_SKELETON, nb101RunSpec } from '../../src/supernet/nb101';
import { createSampler } from '../../src/train/samplers';
import { readScores, scoresPath } from '../../src/train';
import { readRunConfig } from '../../src/runs/config';
import type { Nb101Arch } from '../../src/spaces/nb101/definition';
import type { SpaceRunSpec } from '../../src/supernet/binding';
import type { SpaceNetwork } from '../../src/supernet/blocks';
import { fit } from '../../src/train/fit';
import { supernetStrategy } from '../../src/train/strategies';
import { imageBatchSource, type TrainingData } from '../../src/train/data';
import { imageRunData } from '../../src/train/pipeline';
import { SMOKE_HYPER, fakeTrainingData } from './smoke-data';
import { smokePipeline } from './smoke-pipeline';

before(async () => {
  await initEngine('cpu');
});

const IMAGES = {
  kind: 'images' as const,
  dataset: 'fashion-mnist' as const,
  trainImages: null,
  validImages: null,
  validFraction: 0.5,
};

const skeleton = {
  ...NB101_SMOKE_SKELETON,
  stemChannels: 8,
  stacks: 3,
  cellsPerStack: 2,
  inChannels: 3,
  numClasses: 10,
};

test('nb101 supernet: path parameters equal the space cost model (benchmark channel rule)', () => {
  const spec = nb101RunSpec(skeleton);
  const net = spec.build(0);
  const rng = new Rng('p');
  for (let i = 0; i < 15; i++) {
    const a = sampleNb101(rng);
    const names = net.pathNames(a).trainable;
    const mine = names.reduce((t, n) => t + net.variables.trainable.get(n)!.size, 0);
    assert.equal(mine, nb101Cost(a, skeleton).params, JSON.stringify(a));
  }
  const x = tf.randomNormal([2, 8, 8, 3]) as tf.Tensor4D;
  const y = net.forward(x, sampleNb101(rng), { mode: 'train' });
  assert.deepEqual(y.shape, [2, 10]);
  tf.dispose([x, y]);
  net.dispose();
});

test('nb101 codec round-trips and FairNAS groups use every option of every decision evenly', () => {
  const rng = new Rng('c');
  for (let i = 0; i < 50; i++) {
    const a = sampleNb101(rng);
    assert.deepEqual(NB101_CODEC.decode(NB101_CODEC.encode(a)), a);
  }
  const s = createSampler(nb101RunSpec(skeleton), { sampler: 'fairnas' });
  const plan = s.next(rng);
  assert.equal(plan.paths.length, 10);
  const ch = plan.paths.map((p) => NB101_CODEC.encode(p));
  NB101_CODEC.options.forEach((n, d) => {
    const counts = new Array<number>(n).fill(0);
    ch.forEach((c) => counts[c[d]]++);
    // every option used; options used floor(10/n) or ceil(10/n) times
    assert.ok(
      counts.every((k) => k >= Math.floor(10 / n) && k <= Math.ceil(10 / n)),
      `decision ${d}`,
    );
  });
});

test('nb101 smoke study: train -> score -> stand-alone -> correlate', async () => {
  const out = fs.mkdtempSync(path.join(os.tmpdir(), 'nb101-smoke-'));
  const { inChannels: _c, numClasses: _n, ...net } = NB101_SMOKE_SKELETON;
  const r = await smokePipeline({
    space: 'nb101',
    net,
    data: imageRunData(fakeTrainingData()),
    dataSettings: IMAGES,
    outDir: out,
    supernet: SMOKE_HYPER,
    standalone: { ...SMOKE_HYPER, epochs: 1 },
    archs: 4,
  });
  assert.equal(r.scores.length, 4);
  assert.ok(Number.isFinite(r.supernetLoss));
  assert.equal(readScores(scoresPath(path.join(out, 'supernet'), 2)).length, 4);
  assert.ok(fs.existsSync(path.join(out, 'groundtruth', 'groundtruth.csv')));
  // The pipeline writes no study summary.json: the run folders' configs name the space.
  assert.equal(readRunConfig(r.supernetDir).space, 'nb101');
  assert.equal(readRunConfig(r.groundTruthDir).space, 'nb101');
  assert.ok(Number.isNaN(r.spearman) || Math.abs(r.spearman) <= 1);
  fs.rmSync(out, { recursive: true, force: true });
});

/** Stepping one supernet (or few-shot sub-supernets) with the one loop, as trainRun does. */
function trainSteps(
  spec: SpaceRunSpec<Nb101Arch>,
  build: () => SpaceNetwork<Nb101Arch>,
  data: TrainingData,
  hyper: Omit<typeof SMOKE_HYPER, 'sampler'> & { sampler: 'fairnas' | 'sandwich' | 'fewshot' },
) {
  const strategy = supernetStrategy(spec, hyper, build);
  const r = fit({
    strategy,
    source: imageBatchSource(data),
    hyper: { ...hyper, nesterov: false },
    seeds: { data: 'nb101-test/data', sampler: (e) => `nb101-test/sampler/${e}` },
    describe: spec.format,
  });
  return { r, strategy };
}

function snapshot(net: SpaceNetwork<Nb101Arch>): Map<string, number[]> {
  return new Map([...net.variables.trainable].map(([n, v]) => [n, Array.from(v.dataSync())]));
}

function changedNames(net: SpaceNetwork<Nb101Arch>, before: Map<string, number[]>): string[] {
  return [...net.variables.trainable]
    .filter(([n, v]) => Array.from(v.dataSync()).some((x, i) => x !== before.get(n)![i]))
    .map(([n]) => n);
}

test('nb101 supernet trains with FairNAS and sandwich groups, and few-shot sub-supernets', () => {
  const spec = nb101RunSpec(NB101_SMOKE_SKELETON);
  const data = fakeTrainingData(16);
  for (const sampler of ['fairnas', 'sandwich'] as const) {
    const net = spec.build(0);
    const before = snapshot(net);
    const { r } = trainSteps(spec, () => net, data, {
      ...SMOKE_HYPER,
      epochs: 1,
      weightDecay: 0,
      sampler,
    });
    assert.equal(r.steps, 1);
    assert.ok(Number.isFinite(r.loss));
    const changed = changedNames(net, before);
    assert.ok(changed.length > 0);
    if (sampler === 'sandwich') {
      // the largest cell uses conv3x3 on every node of every cell: all of them moved
      for (const [n] of net.variables.trainable) {
        if (n.includes('.conv3x3.conv.w')) assert.ok(changed.includes(n), n);
      }
    }
    net.dispose();
  }
  // The space runner refused few-shot; the one pipeline trains it for every space (issue 13).
  // New behaviour: one sub-supernet per option of the split decision (same initialisation), and
  // a step trains only the sub-supernet its path routes to.
  const { r, strategy } = trainSteps(spec, () => spec.build(0), data, {
    ...SMOKE_HYPER,
    epochs: 1,
    weightDecay: 0,
    sampler: 'fewshot',
  });
  try {
    assert.equal(r.steps, 1);
    assert.ok(Number.isFinite(r.loss));
    assert.equal(strategy.nets.length, NB101_CODEC.options[0]);
    const init = spec.build(0);
    const fresh = snapshot(init);
    init.dispose();
    const moved = strategy.nets.map((n) => changedNames(n, fresh).length > 0);
    assert.equal(moved.filter(Boolean).length, 1, JSON.stringify(moved));
  } finally {
    strategy.nets.forEach((n) => n.dispose());
  }
});
