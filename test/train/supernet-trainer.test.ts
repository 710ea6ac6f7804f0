import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { initEngine } from '../../src/engine';
import {
  DivergenceError,
  createProgress,
  imageRunData,
  latestCheckpoint,
  listCheckpoints,
  readLog,
  trainRun,
  type TrainRunOptions,
  type TrainingData,
} from '../../src/train';
import type { RunConfigInput } from '../../src/runs/config';
import { spaceBinding } from '../../src/supernet/registry';
import { fakeImages as fakeDataset } from '../supernet/smoke-data';

before(async () => {
  await initEngine('cpu');
});

function data(): TrainingData {
  return {
    train: fakeDataset(48, 1),
    valid: fakeDataset(24, 2),
    test: fakeDataset(24, 3),
    inputChannels: 1,
    classes: 3,
    imageSize: 8,
  };
}

function config(epochs: number): RunConfigInput {
  return {
    ...spaceBinding('nb201').preset('smoke').supernet,
    epochs,
    batchSize: 16,
    checkpointEpochs: [2],
    kind: 'supernet',
    space: 'nb201',
    dataset: 'fashion-mnist',
    scale: 'smoke',
    skeleton: { space: 'nb201', net: { channels: 3, cellsPerStage: 1 } },
    data: {
      kind: 'images',
      dataset: 'fashion-mnist',
      trainImages: null,
      validImages: null,
      validFraction: 0.5,
    },
    seed: 7,
    sampler: 'uniform',
    engine: 'cpu',
  };
}

/** NB-201 supernet training through the one pipeline (trainRun) on in-memory images. */
function trainSupernet(
  options: Omit<TrainRunOptions, 'data'> & { data: TrainingData },
): ReturnType<typeof trainRun> {
  return trainRun({ ...options, data: imageRunData(options.data) });
}

const silent = createProgress({ silent: true });

function tmpRun(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'supernet-run-'));
}

test('resume after a kill gives bit-identical final weights, optimizer state and log', async () => {
  const whole = tmpRun();
  const killed = tmpRun();
  const d = data();
  const a = await trainSupernet({ runDir: whole, config: config(3), data: d, progress: silent });
  assert.equal(a.epochsDone, 3);
  // "kill" after epoch 1, then resume in a fresh call (as a new process would).
  const b1 = await trainSupernet({
    runDir: killed,
    config: config(3),
    data: d,
    progress: silent,
    stopAfterEpoch: 1,
  });
  assert.equal(b1.epochsDone, 1);
  // Simulate a kill that left a torn log line and a half-written checkpoint folder behind.
  fs.appendFileSync(path.join(killed, 'log.jsonl'), '{"epoch": 2, "lo');
  fs.mkdirSync(path.join(killed, 'checkpoints', '.epoch-0002.tmp-1-2-3'));
  const b2 = await trainSupernet({ runDir: killed, config: config(3), data: d, progress: silent });
  assert.equal(b2.resumedFrom, 1);
  assert.equal(b2.epochsRun, 2);
  const binA = fs.readFileSync(path.join(whole, 'checkpoints', 'epoch-0003', 'tensors.bin'));
  const binB = fs.readFileSync(path.join(killed, 'checkpoints', 'epoch-0003', 'tensors.bin'));
  assert.ok(binA.equals(binB), 'final checkpoints differ');
  const manA = JSON.parse(
    fs.readFileSync(path.join(whole, 'checkpoints', 'epoch-0003', 'manifest.json'), 'utf8'),
  );
  const manB = JSON.parse(
    fs.readFileSync(path.join(killed, 'checkpoints', 'epoch-0003', 'manifest.json'), 'utf8'),
  );
  assert.deepEqual(manA.tensors, manB.tensors);
  assert.ok(manA.tensors.some((t: { name: string }) => t.name.startsWith('momentum/')));
  assert.deepEqual(manA.state, manB.state);
  const strip = (rows: ReturnType<typeof readLog>) =>
    rows.map(({ epoch, loss, accuracy, lr }) => ({ epoch, loss, accuracy, lr }));
  assert.deepEqual(strip(readLog(killed)), strip(readLog(whole)));
  assert.deepEqual(
    readLog(whole).map((r) => r.epoch),
    [1, 2, 3],
  );
  // Kept checkpoints: the chosen epoch (2) and the newest (3); epoch 1 was pruned.
  assert.deepEqual(listCheckpoints(whole), [2, 3]);
  assert.deepEqual(listCheckpoints(killed), [2, 3]);
  // A finished run resumes to a no-op.
  const again = await trainSupernet({
    runDir: whole,
    config: config(3),
    data: d,
    progress: silent,
  });
  assert.equal(again.epochsRun, 0);
  // A different configuration in the same folder is refused, naming the difference.
  await assert.rejects(
    trainSupernet({ runDir: whole, config: { ...config(3), lr: 0.1 }, data: d, progress: silent }),
    /lr: 0.05 in the folder, 0.1 now/,
  );
  const cfg = JSON.parse(fs.readFileSync(path.join(whole, 'config.json'), 'utf8'));
  for (const key of [
    'kind',
    'space',
    'dataset',
    'scale',
    'seed',
    'engine',
    'library',
    'createdAt',
    'lr',
    'weightDecay',
    'clipNorm',
    // Schema 2 records what the space's network and data are and where the randomness comes from.
    'schema',
    'skeleton',
    'data',
    'seeds',
    'nesterov',
    'augment',
  ]) {
    assert.ok(key in cfg, key);
  }
  assert.equal(cfg.schema, 2);
  const log = readLog(whole)[0];
  for (const key of ['epoch', 'loss', 'accuracy', 'lr', 'imagesPerSecond', 'seconds'])
    assert.ok(key in log, key);
  fs.rmSync(whole, { recursive: true, force: true });
  fs.rmSync(killed, { recursive: true, force: true });
});

test('a NaN loss stops training with a clear message and keeps the last good checkpoint', async () => {
  const dir = tmpRun();
  const d = data();
  await trainSupernet({
    runDir: dir,
    config: config(3),
    data: d,
    progress: silent,
    stopAfterEpoch: 1,
  });
  const before = fs.readFileSync(path.join(dir, 'checkpoints', 'epoch-0001', 'tensors.bin'));
  d.train.images.fill(Number.NaN, 0, 64 * 48);
  await assert.rejects(
    trainSupernet({ runDir: dir, config: config(3), data: d, progress: silent }),
    (err: unknown) =>
      err instanceof DivergenceError &&
      /diverged at epoch 2, step 1 \(loss NaN/.test(err.message) &&
      err.message.includes(path.join(dir, 'checkpoints', 'epoch-0001')),
  );
  assert.equal(latestCheckpoint(dir), 1);
  assert.ok(
    fs.readFileSync(path.join(dir, 'checkpoints', 'epoch-0001', 'tensors.bin')).equals(before),
  );
  assert.deepEqual(
    readLog(dir).map((r) => r.epoch),
    [1],
  );
  fs.rmSync(dir, { recursive: true, force: true });
});

test('supernet training learns the signal and keeps tf.memory() flat across epochs', async () => {
  const dir = tmpRun();
  const d = data();
  const counts: number[] = [];
  await trainSupernet({
    runDir: dir,
    config: { ...config(4), checkpointEpochs: [] },
    data: d,
    progress: silent,
    onEpoch: () => counts.push(tf.memory().numTensors),
  });
  assert.equal(new Set(counts.slice(1)).size, 1, `tensor counts per epoch: ${counts}`);
  const log = readLog(dir);
  assert.ok(log[3].loss < log[0].loss, `loss ${log[0].loss} -> ${log[3].loss}`);
  assert.deepEqual(listCheckpoints(dir), [4]);
  fs.rmSync(dir, { recursive: true, force: true });
});
