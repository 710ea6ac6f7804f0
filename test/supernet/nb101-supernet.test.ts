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
import { createSampler, smokeStudy, trainSpaceNetwork } from '../../src/train/samplers';
import { readScores, scoresPath } from '../../src/train';
import { SMOKE_HYPER, fakeTrainingData } from './smoke-data';

before(async () => {
  await initEngine('cpu');
});

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

test('nb101 smoke study: train -> score -> stand-alone -> correlate', () => {
  const out = fs.mkdtempSync(path.join(os.tmpdir(), 'nb101-smoke-'));
  const r = smokeStudy({
    spec: nb101RunSpec(NB101_SMOKE_SKELETON),
    data: fakeTrainingData(),
    outDir: out,
    supernet: SMOKE_HYPER,
    standalone: { ...SMOKE_HYPER, epochs: 1 },
    archs: 4,
  });
  assert.equal(r.scores.length, 4);
  assert.ok(Number.isFinite(r.supernetLoss));
  assert.equal(readScores(scoresPath(path.join(out, 'supernet'), 2)).length, 4);
  assert.ok(fs.existsSync(path.join(out, 'groundtruth', 'groundtruth.csv')));
  const summary = JSON.parse(fs.readFileSync(path.join(out, 'summary.json'), 'utf8'));
  assert.equal(summary.space, 'nb101');
  assert.ok(Number.isNaN(r.spearman) || Math.abs(r.spearman) <= 1);
  fs.rmSync(out, { recursive: true, force: true });
});

test('nb101 supernet trains with FairNAS and sandwich groups; the space runner refuses few-shot', () => {
  const spec = nb101RunSpec(NB101_SMOKE_SKELETON);
  const data = fakeTrainingData(16);
  for (const sampler of ['fairnas', 'sandwich'] as const) {
    const net = spec.build(0);
    const before = new Map(
      [...net.variables.trainable].map(([n, v]) => [n, Array.from(v.dataSync())]),
    );
    const r = trainSpaceNetwork(spec, net, data, {
      ...SMOKE_HYPER,
      epochs: 1,
      weightDecay: 0,
      sampler,
    });
    assert.equal(r.steps, 1);
    assert.ok(Number.isFinite(r.loss));
    const changed = [...net.variables.trainable].filter(([n, v]) =>
      Array.from(v.dataSync()).some((x, i) => x !== before.get(n)![i]),
    );
    assert.ok(changed.length > 0);
    if (sampler === 'sandwich') {
      // the largest cell uses conv3x3 on every node of every cell: all of them moved
      for (const [n] of net.variables.trainable) {
        if (n.includes('.conv3x3.conv.w'))
          assert.ok(
            changed.some(([c]) => c === n),
            n,
          );
      }
    }
    net.dispose();
  }
  assert.throws(
    () => trainSpaceNetwork(spec, spec.build(0), data, { ...SMOKE_HYPER, sampler: 'fewshot' }),
    /fewshot/,
  );
});
