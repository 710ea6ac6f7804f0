import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { initEngine } from '../../src/engine';
import { Rng, createRng } from '../../src/engine/random';
import { NB201_OPS, sampleNb201, isValidNb201, type Nb201Arch } from '../../src/spaces';
import { createSupernet } from '../../src/supernet';
import {
  NB201_CODEC,
  NB201_SAMPLER_SPACE,
  accumulateGradients,
  createSampler,
  fairnasSampler,
  fewshotSampler,
  multiPathStep,
  nb201AllLive,
  permutation,
  uniformSampler,
} from '../../src/train/samplers';
import {
  Sgd,
  createProgress,
  imageRunData,
  readCheckpoint,
  readJson,
  loadRunNetworks,
  shotPrefix,
  trainRun,
  type TrainRunOptions,
  type TrainingData,
} from '../../src/train';
import { scoreRun } from '../../src/evaluate';
import { formatNb201 } from '../../src/spaces/nb201/arch';
import { spaceBinding } from '../../src/supernet/registry';
import { defaultSeeds, fillSeed, type RunConfig, type RunConfigInput } from '../../src/runs/config';
import { fakeImages as fakeDataset } from '../supernet/smoke-data';

before(async () => {
  await initEngine('cpu');
});

const skeleton = { channels: 2, cellsPerStage: 1, inputChannels: 1, classes: 3 };

function batch(n: number, seed: number): { x: tf.Tensor4D; y: tf.Tensor1D } {
  const rng = createRng(seed);
  const images = new Float32Array(n * 36);
  for (let i = 0; i < images.length; i++) images[i] = rng.normal(0, 1);
  const labels = Int32Array.from({ length: n }, () => rng.int(3));
  return { x: tf.tensor4d(images, [n, 6, 6, 1]), y: tf.tensor1d(labels, 'int32') };
}

test('uniform sampler draws exactly the SPOS stream (one sampleNb201 per step)', () => {
  const a = new Rng('s/1');
  const b = new Rng('s/1');
  const s = uniformSampler(sampleNb201);
  for (let i = 0; i < 50; i++) {
    const plan = s.next(a);
    assert.equal(plan.paths.length, 1);
    assert.deepEqual(plan.paths[0], sampleNb201(b));
  }
});

test('permutation is a permutation', () => {
  const rng = new Rng(3);
  for (let i = 0; i < 20; i++) {
    assert.deepEqual([...permutation(rng, 7)].sort(), [0, 1, 2, 3, 4, 5, 6]);
  }
});

test('nb201AllLive: hand-checked cells', () => {
  assert.ok(nb201AllLive(new Array(6).fill('nor_conv_3x3')));
  assert.ok(nb201AllLive(['none', 'none', 'none', 'skip_connect', 'none', 'none']));
  // node 2 (edges 1, 2 in) does not reach the output (edge 5 is none)
  assert.ok(!nb201AllLive(['none', 'nor_conv_1x1', 'none', 'skip_connect', 'none', 'none']));
  // node 1 is not reachable from the input (edge 0 none) but feeds node 3 (edge 4)
  assert.ok(!nb201AllLive(['none', 'none', 'none', 'skip_connect', 'nor_conv_3x3', 'none']));
});

for (const withLive of [false, true])
  test(`FairNAS: every op of every edge is trained exactly once per group (live filter ${withLive})`, () => {
    const s = withLive
      ? createSampler(NB201_SAMPLER_SPACE, { sampler: 'fairnas' })
      : fairnasSampler(NB201_CODEC);
    const rng = new Rng('fair');
    const totals = NB201_CODEC.options.map(() => new Array<number>(NB201_OPS.length).fill(0));
    const groups = 40;
    let firstOps: string[] = [];
    for (let g = 0; g < groups; g++) {
      const plan = s.next(rng);
      assert.equal(plan.reduce, 'sum');
      assert.equal(plan.paths.length, NB201_OPS.length);
      for (let e = 0; e < 6; e++) {
        const counts = new Map<string, number>();
        for (const p of plan.paths) counts.set(p[e], (counts.get(p[e]) ?? 0) + 1);
        for (const op of NB201_OPS) {
          assert.equal(counts.get(op), 1, `group ${g} edge ${e} op ${op}`);
          totals[e][NB201_OPS.indexOf(op)]++;
        }
      }
      if (g === 0) firstOps = plan.paths.map((p) => p.join());
      if (withLive) assert.ok(plan.paths.every(nb201AllLive));
    }
    for (const row of totals) assert.deepEqual(row, new Array(5).fill(groups));
    // the order is random (not the identity for every group)
    assert.notDeepEqual(
      firstOps,
      s.next(rng).paths.map((p) => p.join()),
    );
  });

test('FairNAS group: after one update every candidate op of every edge has changed', () => {
  const net = createSupernet(skeleton, { seed: 1 });
  const sgd = new Sgd({ momentum: 0, nesterov: false, weightDecay: 0, clipNorm: 0 });
  sgd.initBuffers(net.variables.trainable);
  const before = new Map<string, Float32Array>();
  for (const [n, v] of net.variables.trainable) before.set(n, v.dataSync().slice() as Float32Array);
  const plan = createSampler(NB201_SAMPLER_SPACE, { sampler: 'fairnas' }).next(new Rng('g'));
  assert.ok(plan.paths.every(nb201AllLive));
  const { x, y } = batch(8, 5);
  multiPathStep(
    net,
    plan.paths,
    plan.reduce,
    x.dataSync() as Float32Array,
    y.dataSync() as unknown as Int32Array,
    x.shape,
    sgd,
    0.1,
  );
  let checked = 0;
  for (let cell = 0; cell < 3; cell++) {
    for (let e = 0; e < 6; e++) {
      for (const op of ['nor_conv_1x1', 'nor_conv_3x3']) {
        const name = `cells.${cell}.${e}.${op}.conv.w`;
        const now = net.variables.trainable.get(name)!.dataSync();
        const was = before.get(name)!;
        const diff = Math.max(...Array.from(now, (v, i) => Math.abs(v - was[i])));
        assert.ok(diff > 0, `${name} did not change`);
        checked++;
      }
    }
  }
  assert.equal(checked, 36);
  tf.dispose([x, y]);
  sgd.dispose();
  net.dispose();
});

test('multi-path: averaged gradients equal the mean of single-path gradients', () => {
  const net = createSupernet(skeleton, { seed: 2 });
  const rng = new Rng('mp');
  const paths = [sampleNb201(rng), sampleNb201(rng), sampleNb201(rng)];
  const { x, y } = batch(8, 9);
  const { grads } = accumulateGradients(net, paths, x, y, 'mean');
  // Oracle: per-path gradients straight from tf.variableGrads, averaged by hand (a variable a
  // path does not use contributes zero).
  const sums = new Map<string, Float32Array>();
  for (const arch of paths) {
    const vars = [...net.variables.trainable.values()];
    const { value, grads: g } = tf.variableGrads(() => {
      const logits = net.forward(x, arch, { mode: 'train', updateStats: false });
      return tf.losses.softmaxCrossEntropy(tf.oneHot(y, 3), logits) as tf.Scalar;
    }, vars);
    for (const [name, v] of net.variables.trainable) {
      const gi = g[v.name];
      if (!gi) continue;
      const d = gi.dataSync() as Float32Array;
      const acc = sums.get(name) ?? new Float32Array(d.length);
      d.forEach((val, i) => (acc[i] += val / paths.length));
      sums.set(name, acc);
    }
    tf.dispose([value, ...Object.values(g)]);
  }
  let compared = 0;
  for (const [name, want] of sums) {
    const got = grads.get(name);
    if (!got) {
      assert.ok(
        want.every((v) => v === 0),
        `${name} missing`,
      );
      continue;
    }
    const d = got.dataSync();
    want.forEach((w, i) => assert.ok(Math.abs(d[i] - w) < 1e-5 + 1e-4 * Math.abs(w), name));
    compared++;
  }
  assert.ok(compared > 10);
  tf.dispose([x, y, ...grads.values()]);
  net.dispose();
});

test('sandwich: smallest and largest valid cells by parameters, then m random paths', () => {
  const s = createSampler(NB201_SAMPLER_SPACE, { sampler: 'sandwich', samplerPaths: 3 });
  const plan = s.next(new Rng('sw'));
  assert.equal(plan.paths.length, 5);
  assert.equal(plan.reduce, 'mean');
  const [small, large] = plan.paths;
  // Hand reasoning: parameters grow with every conv op (3x3 > 1x1 > parameter-free), so the
  // largest cell is all nor_conv_3x3 and the smallest valid cell has no conv at all.
  assert.deepEqual(large, new Array(6).fill('nor_conv_3x3'));
  assert.ok(isValidNb201(small));
  assert.ok(
    small.every((op) => op !== 'nor_conv_1x1' && op !== 'nor_conv_3x3'),
    small.join(),
  );
  // the supernet's own parameter count agrees (path variables)
  const net = createSupernet(skeleton, { seed: 1 });
  const size = (a: Nb201Arch) => net.pathVariables(a).reduce((t, v) => t + v.size, 0);
  const rng = new Rng('other');
  for (let i = 0; i < 30; i++) {
    const a = sampleNb201(rng);
    assert.ok(size(small) <= size(a) && size(a) <= size(large));
  }
  net.dispose();
});

test('few-shot routes an architecture by its op on the split edge', () => {
  const s = fewshotSampler(sampleNb201, NB201_CODEC, 2);
  assert.equal(s.shots, 5);
  const rng = new Rng('fs');
  for (let i = 0; i < 20; i++) {
    const a = s.next(rng).paths[0];
    assert.equal(NB201_OPS[s.route(a)], a[2]);
  }
  assert.throws(() => fewshotSampler(sampleNb201, NB201_CODEC, 6), /edge 6/);
});

/** An NB-201 supernet run (C=2, N=1) of the smoke preset on in-memory images. */
function nb201Config(seed: number): RunConfigInput {
  return {
    ...spaceBinding('nb201').preset('smoke').supernet,
    kind: 'supernet',
    space: 'nb201',
    dataset: 'fashion-mnist',
    scale: 'smoke',
    skeleton: { space: 'nb201', net: { channels: 2, cellsPerStage: 1 } },
    data: {
      kind: 'images',
      dataset: 'fashion-mnist',
      trainImages: null,
      validImages: null,
      validFraction: 0.5,
    },
    seed,
    sampler: 'uniform',
    engine: 'cpu',
  };
}

/** Supernet training through the one pipeline (trainRun) on in-memory images. */
function trainSupernet(
  options: Omit<TrainRunOptions, 'data'> & { data: TrainingData },
): ReturnType<typeof trainRun> {
  return trainRun({ ...options, data: imageRunData(options.data) });
}

test('trainer: sampler recorded in config.json and checkpoints; resume continues identically', async () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'samplers-'));
  const data = {
    train: fakeDataset(32, 1),
    valid: fakeDataset(16, 2),
    test: fakeDataset(16, 3),
    inputChannels: 1,
    classes: 3,
    imageSize: 8,
  };
  const config: RunConfigInput = {
    ...nb201Config(3),
    epochs: 2,
    batchSize: 16,
    checkpointEpochs: [1, 2],
    sampler: 'fairnas',
  };
  const progress = createProgress({ silent: true });
  const a = path.join(root, 'a');
  const b = path.join(root, 'b');
  await trainSupernet({ runDir: a, config, data, progress });
  await trainSupernet({ runDir: b, config, data, progress, stopAfterEpoch: 1 });
  await trainSupernet({ runDir: b, config, data, progress });
  assert.equal(readJson<RunConfig>(path.join(a, 'config.json')).sampler, 'fairnas');
  const ca = readCheckpoint<{ pathSampler?: { name: string } }>(a, 2);
  const cb = readCheckpoint<{ pathSampler?: { name: string } }>(b, 2);
  assert.equal(ca.manifest.state.pathSampler?.name, 'fairnas');
  for (const [name, t] of ca.tensors) {
    assert.deepEqual(Array.from(cb.tensors.get(name)!.data), Array.from(t.data), name);
  }
  await assert.rejects(
    trainSupernet({ runDir: a, config: { ...config, sampler: 'uniform' }, data, progress }),
    /sampler/,
  );
  fs.rmSync(root, { recursive: true, force: true });
});

test('few-shot trainer: one weight copy per op of the split edge, each arch trains and scores on its own', async () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'fewshot-'));
  const data = {
    train: fakeDataset(32, 1),
    valid: fakeDataset(16, 2),
    test: fakeDataset(16, 3),
    inputChannels: 1,
    classes: 3,
    imageSize: 8,
  };
  const config: RunConfigInput = {
    ...nb201Config(4),
    epochs: 1,
    batchSize: 8,
    checkpointEpochs: [1],
    calibrationBatches: 1,
    calibrationBatchSize: 8,
    evalBatchSize: 16,
    sampler: 'fewshot',
    fewShotEdge: 3,
  };
  const progress = createProgress({ silent: true });
  const dir = path.join(root, 'fs');
  // A split decision the space lacks is refused before the folder or its lock is touched.
  const locks: string[] = [];
  const lock = async () => {
    locks.push('take');
    return () => void locks.push('release');
  };
  const bad = path.join(root, 'bad');
  await assert.rejects(
    trainSupernet({ runDir: bad, config: { ...config, fewShotEdge: 6 }, data, progress, lock }),
    (err: Error) =>
      err.name === 'BadInputError' &&
      /--few-shot-edge 6: nb201 has decisions 0-5/.test(err.message),
  );
  assert.equal(fs.existsSync(bad), false);
  assert.deepEqual(locks, []);
  await trainSupernet({ runDir: dir, config, data, progress, lock });
  assert.deepEqual(locks, ['take', 'release']);
  const { tensors, manifest } = readCheckpoint<{ pathSampler?: { shots: number } }>(dir, 1);
  assert.equal(manifest.state.pathSampler?.shots, 5);
  // Oracle for routing: replay the epoch's sampler stream (4 steps) and note the ops on edge 3.
  // The seed of epoch 1's paths (the NB-201 trainer's scheme, now every space's default).
  const seed = 'supernet/4/sampler/epoch-1';
  assert.equal(fillSeed(defaultSeeds(4).sampler, { epoch: 1 }), seed);
  const rng = new Rng(seed);
  const trained = new Set<number>();
  for (let i = 0; i < 4; i++) trained.add(NB201_OPS.indexOf(sampleNb201(rng)[3]));
  // A sub-supernet's stem changed from the shared initialisation iff it trained a step.
  const init = createSupernet(
    { channels: 2, cellsPerStage: 1, inputChannels: 1, classes: 3 },
    { seed: 4 },
  );
  const w0 = init.variables.trainable.get('stem.conv.w')!.dataSync();
  for (let k = 0; k < 5; k++) {
    const w = tensors.get(`${shotPrefix(k)}param/stem.conv.w`)!.data;
    const changed = Array.from(w).some((v, i) => v !== w0[i]);
    assert.equal(changed, trained.has(k), `shot ${k}`);
  }
  init.dispose();
  const run = loadRunNetworks(dir, imageRunData(data));
  assert.equal(run.nets.length, 5);
  assert.equal(run.route(['none', 'none', 'none', 'avg_pool_3x3', 'none', 'none']), 4);
  run.dispose();
  const archs = [sampleNb201(new Rng(1)), sampleNb201(new Rng(2))].map((a) => formatNb201(a));
  const r = scoreRun({ runDir: dir, archs, data: imageRunData(data), progress });
  assert.equal(r.rows.length, 2);
  assert.ok(r.rows.every((row) => row.accuracy >= 0 && row.accuracy <= 100));
  fs.rmSync(root, { recursive: true, force: true });
});
