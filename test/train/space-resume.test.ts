/**
 * The one pipeline resumes bitwise for a space other than NB-201 (nb101): 2 epochs, then a fresh
 * process-like restart to 3 epochs, equals 3 straight epochs in every stored tensor (weights, BN
 * buffers, momentum) and in the global step; also with FairNAS (sampler state) and few-shot (one
 * sub-supernet per option of the split decision: before the one pipeline the space runner refused
 * few-shot outside NB-201, now every space has it). Checkpoint pruning and NaN stops.
 */
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { initEngine } from '../../src/engine';
import {
  DivergenceError,
  imageRunData,
  latestCheckpoint,
  listCheckpoints,
  padDataset,
  readCheckpoint,
  readLog,
  shotPrefix,
  trainRun,
  type FitCheckpointState,
  type TrainingData,
} from '../../src/train';
import type { RunConfigInput } from '../../src/runs/config';
import type { SamplerName } from '../../src/supernet/binding';
import { NB101_SMOKE_SKELETON } from '../../src/supernet/nb101';
import { fakeTrainingData } from '../supernet/smoke-data';

before(async () => {
  await initEngine('cpu');
});

const { inChannels: _c, numClasses: _n, ...net } = { ...NB101_SMOKE_SKELETON, stemChannels: 2 };
const data = fakeTrainingData(32, 8);

function config(over: Partial<RunConfigInput> = {}): RunConfigInput {
  return {
    kind: 'supernet',
    space: 'nb101',
    scale: 'smoke',
    dataset: 'fashion-mnist',
    skeleton: { space: 'nb101', net },
    data: {
      kind: 'images',
      dataset: 'fashion-mnist',
      trainImages: null,
      validImages: null,
      validFraction: 0.5,
    },
    engine: 'cpu',
    seed: 3,
    epochs: 3,
    batchSize: 16,
    lr: 0.05,
    momentum: 0.9,
    // The image spaces' settings since the one pipeline (NB-201's): Nesterov, crop + flip.
    nesterov: true,
    augment: true,
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

function train(
  runDir: string,
  c: RunConfigInput,
  stopAfterEpoch?: number,
  keep?: number[],
  images: TrainingData = data,
) {
  return trainRun({
    runDir,
    config: { ...c, checkpointEpochs: keep },
    data: imageRunData(images),
    stopAfterEpoch,
    progress: { update() {}, line() {}, done() {} },
  });
}

function assertSameCheckpoint(a: string, b: string, epoch: number, prefix = ''): void {
  const x = readCheckpoint<FitCheckpointState>(a, epoch);
  const y = readCheckpoint<FitCheckpointState>(b, epoch);
  assert.equal(x.manifest.state.globalStep, y.manifest.state.globalStep);
  assert.deepEqual(x.manifest.state.pathSampler, y.manifest.state.pathSampler);
  assert.deepEqual([...x.tensors.keys()].sort(), [...y.tensors.keys()].sort());
  assert.ok([...x.tensors.keys()].some((k) => k.startsWith(prefix + 'momentum/')));
  assert.ok([...x.tensors.keys()].some((k) => k.startsWith(prefix + 'buffer/')));
  for (const [name, t] of x.tensors) {
    const u = y.tensors.get(name)!;
    assert.deepEqual(u.shape, t.shape, name);
    const same = t.data.every((v, i) => Object.is(v, u.data[i]));
    assert.ok(same, `tensor ${name} differs after resume`);
  }
}

for (const sampler of ['uniform', 'fairnas', 'fewshot'] as const satisfies readonly SamplerName[]) {
  test(`space run (${sampler}): 2 epochs + resume to 3 == 3 straight epochs, bitwise`, async () => {
    const c = config({ sampler, epochs: 3, ...(sampler === 'fewshot' ? { fewShotEdge: 1 } : {}) });
    const straight = tmp(`${sampler}-a`);
    const resumed = tmp(`${sampler}-b`);
    const full = await train(straight, c);
    assert.equal(full.epochsDone, 3);
    const first = await train(resumed, c, 2, []);
    assert.equal(first.epochsRun, 2);
    // Only the newest checkpoint is kept with an empty keep list.
    assert.deepEqual(listCheckpoints(resumed), [2]);
    const second = await train(resumed, c);
    assert.equal(second.resumedFrom, 2);
    assert.equal(second.epochsRun, 1);
    assert.equal(second.steps, full.steps);
    if (sampler === 'fewshot') {
      // One sub-supernet per option of the split decision, each stored under its own prefix.
      const { manifest, tensors } = readCheckpoint<{ pathSampler?: { shots: number } }>(
        straight,
        3,
      );
      const shots = manifest.state.pathSampler!.shots;
      assert.ok(shots > 1, `shots ${shots}`);
      for (let k = 0; k < shots; k++) {
        assert.ok([...tensors.keys()].some((n) => n.startsWith(shotPrefix(k) + 'param/')));
      }
    }
    assertSameCheckpoint(straight, resumed, 3, sampler === 'fewshot' ? shotPrefix(0) : '');
    assert.deepEqual(
      readLog(resumed).map((e) => e.epoch),
      [1, 2, 3],
    );
    assert.equal(readLog(resumed)[2].loss, readLog(straight)[2].loss);
    // Nothing left to do: a third call runs no epoch and reports the logged loss.
    const third = await train(resumed, c);
    assert.equal(third.epochsRun, 0);
    assert.equal(third.loss, readLog(straight)[2].loss);
  });
}

test('space run keeps the chosen checkpoints and the newest', async () => {
  const dir = tmp('keep');
  await train(dir, config({ epochs: 3 }), undefined, [1]);
  assert.deepEqual(listCheckpoints(dir), [1, 3]);
});

test('space run: a NaN loss stops with DivergenceError and keeps the last good checkpoint', async () => {
  const dir = tmp('nan');
  // A run of 2 epochs stopped after the first (a resumed run must keep the folder's settings).
  await train(dir, config({ epochs: 2 }), 1);
  const bad = fakeTrainingData(32, 8);
  bad.train.images.fill(NaN);
  await assert.rejects(
    train(dir, config({ epochs: 2 }), undefined, undefined, bad),
    (err: unknown) =>
      err instanceof DivergenceError &&
      /epoch 2, step 1/.test(err.message) &&
      err.message.includes(path.join('checkpoints', 'epoch-0001')),
  );
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
