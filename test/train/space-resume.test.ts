/**
 * The space-generic runner resumes bitwise: 2 epochs, then a fresh process-like restart to 3
 * epochs, equals 3 straight epochs in every stored tensor (weights, BN buffers, momentum) and in
 * the global step; also with FairNAS (sampler state). Checkpoint pruning and NaN stops.
 */
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { initEngine } from '../../src/engine';
import {
  DivergenceError,
  latestCheckpoint,
  listCheckpoints,
  padDataset,
  readCheckpoint,
  readLog,
  trainSpaceNetwork,
  type SpaceCheckpointState,
  type SpaceTrainHyper,
} from '../../src/train';
import { NB101_SMOKE_SKELETON, nb101RunSpec } from '../../src/supernet/nb101';
import { fakeTrainingData } from '../supernet/smoke-data';

before(async () => {
  await initEngine('cpu');
});

const spec = nb101RunSpec({ ...NB101_SMOKE_SKELETON, stemChannels: 2 });
const data = fakeTrainingData(32, 8);

function hyper(over: Partial<SpaceTrainHyper> = {}): SpaceTrainHyper {
  return {
    seed: 3,
    epochs: 3,
    batchSize: 16,
    lr: 0.05,
    momentum: 0.9,
    weightDecay: 5e-4,
    clipNorm: 5,
    calibrationBatches: 1,
    calibrationBatchSize: 16,
    evalBatchSize: 32,
    sampler: 'uniform',
    ...over,
  };
}

function tmp(name: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), `space-resume-${name}-`));
}

function train(runDir: string, h: SpaceTrainHyper, stopAfterEpoch?: number, keep?: number[]) {
  const net = spec.build(h.seed);
  try {
    return trainSpaceNetwork(spec, net, data, h, {
      runDir,
      stopAfterEpoch,
      checkpointEpochs: keep,
    });
  } finally {
    net.dispose();
  }
}

function assertSameCheckpoint(a: string, b: string, epoch: number): void {
  const x = readCheckpoint<SpaceCheckpointState>(a, epoch);
  const y = readCheckpoint<SpaceCheckpointState>(b, epoch);
  assert.equal(x.manifest.state.globalStep, y.manifest.state.globalStep);
  assert.deepEqual(x.manifest.state.pathSampler, y.manifest.state.pathSampler);
  assert.deepEqual([...x.tensors.keys()].sort(), [...y.tensors.keys()].sort());
  assert.ok([...x.tensors.keys()].some((k) => k.startsWith('momentum/')));
  assert.ok([...x.tensors.keys()].some((k) => k.startsWith('buffer/')));
  for (const [name, t] of x.tensors) {
    const u = y.tensors.get(name)!;
    assert.deepEqual(u.shape, t.shape, name);
    const same = t.data.every((v, i) => Object.is(v, u.data[i]));
    assert.ok(same, `tensor ${name} differs after resume`);
  }
}

for (const sampler of ['uniform', 'fairnas'] as const) {
  test(`space runner (${sampler}): 2 epochs + resume to 3 == 3 straight epochs, bitwise`, () => {
    const h = hyper({ sampler, epochs: 3 });
    const straight = tmp(`${sampler}-a`);
    const resumed = tmp(`${sampler}-b`);
    const full = train(straight, h);
    assert.equal(full.epochsDone, 3);
    const first = train(resumed, h, 2, []);
    assert.equal(first.epochsRun, 2);
    // Only the newest checkpoint is kept with an empty keep list.
    assert.deepEqual(listCheckpoints(resumed), [2]);
    const second = train(resumed, h);
    assert.equal(second.resumedFrom, 2);
    assert.equal(second.epochsRun, 1);
    assert.equal(second.steps, full.steps);
    assertSameCheckpoint(straight, resumed, 3);
    assert.deepEqual(
      readLog(resumed).map((e) => e.epoch),
      [1, 2, 3],
    );
    assert.equal(readLog(resumed)[2].loss, readLog(straight)[2].loss);
    // Nothing left to do: a third call runs no epoch and reports the logged loss.
    const third = train(resumed, h);
    assert.equal(third.epochsRun, 0);
    assert.equal(third.loss, readLog(straight)[2].loss);
  });
}

test('space runner keeps the chosen checkpoints and the newest', () => {
  const dir = tmp('keep');
  train(dir, hyper({ epochs: 3 }), undefined, [1]);
  assert.deepEqual(listCheckpoints(dir), [1, 3]);
});

test('space runner: a NaN loss stops with DivergenceError and keeps the last good checkpoint', () => {
  const dir = tmp('nan');
  train(dir, hyper({ epochs: 1 }));
  const bad = fakeTrainingData(32, 8);
  bad.train.images.fill(NaN);
  const net = spec.build(3);
  try {
    assert.throws(
      () => trainSpaceNetwork(spec, net, bad, hyper({ epochs: 2 }), { runDir: dir }),
      (err: unknown) =>
        err instanceof DivergenceError &&
        /epoch 2, step 1/.test(err.message) &&
        err.message.includes(path.join('checkpoints', 'epoch-0001')),
    );
  } finally {
    net.dispose();
  }
  assert.equal(latestCheckpoint(dir), 1);
  assert.deepEqual(
    readLog(dir).map((e) => e.epoch),
    [1],
  );
});

test('padDataset centres images in zeros (28 -> 32 for ProxylessNAS), by hand on 2x2 -> 4x4', () => {
  const ds = fakeTrainingData(1, 2).train;
  const src = Array.from(ds.images.subarray(0, 4));
  const p = padDataset(ds, 4);
  assert.deepEqual(p.shape, [1, 4, 4, 1]);
  const z = 0;
  // prettier-ignore
  assert.deepEqual(Array.from(p.images.subarray(0, 16)), [
    z, z, z, z,
    z, src[0], src[1], z,
    z, src[2], src[3], z,
    z, z, z, z,
  ]);
  assert.throws(() => padDataset(ds, 1), /cannot pad 2x2 images to 1x1/);
});
