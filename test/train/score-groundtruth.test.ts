import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import type { Dataset, SpaceBatch } from '../../src/data/types';
import { calibrationIndices } from '../../src/data/calibration';
import { initEngine } from '../../src/engine';
import { parseNb201 } from '../../src/spaces/nb201/arch';
import { NB201_SAMPLING } from '../../src/spaces/nb201/codec';
import { nb201Cost } from '../../src/spaces/nb201/cost';
import { isValidNb201 } from '../../src/spaces/nb201/graph';
import { spaceBinding } from '../../src/supernet/registry';
import type { RunConfigInput } from '../../src/runs/config';
import {
  createProgress,
  imageRunData,
  loadRunNetworks,
  readGroundTruth,
  readScores,
  runSetup,
  sampleArchs,
  scoresPath,
  trainRun,
  writeFileAtomic,
  type TrainingData,
} from '../../src/train';
import { evaluate, recalibrate, runGroundTruth, scoreRun } from '../../src/evaluate';
import { archList } from '../../src/cli/commands/run-options';
import { fakeImages as fakeDataset } from '../supernet/smoke-data';

before(async () => {
  await initEngine('cpu');
});

const DATA: TrainingData = {
  train: fakeDataset(48, 1),
  valid: fakeDataset(20, 2),
  test: fakeDataset(16, 3),
  inputChannels: 1,
  classes: 3,
  imageSize: 8,
};
const silent = createProgress({ silent: true });
const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'nb201-run-'));

const IMAGES = {
  kind: 'images' as const,
  dataset: 'fashion-mnist' as const,
  trainImages: null,
  validImages: null,
  validFraction: 0.5,
};
const RUN_DATA = imageRunData(DATA);
const NB201 = runSetup(
  { space: 'nb201', skeleton: { space: 'nb201', net: { channels: 3, cellsPerStage: 1 } } },
  RUN_DATA,
);

test('sampled architectures are distinct, valid and reproducible; arch lists round-trip', () => {
  const a = sampleArchs(NB201_SAMPLING, 50, 3);
  assert.equal(new Set(a).size, 50);
  assert.ok(a.map((x) => parseNb201(x)).every(isValidNb201));
  assert.deepEqual(sampleArchs(NB201_SAMPLING, 50, 3), a);
  assert.notDeepEqual(sampleArchs(NB201_SAMPLING, 50, 4), a);
  // Architecture lists are read where every command reads them (--archs FILE of the CLI).
  const dir = tmp();
  const file = path.join(dir, 'archs.txt');
  writeFileAtomic(file, a.join('\n') + '\n');
  assert.deepEqual(archList({ archs: file }, NB201), a);
  fs.writeFileSync(file, '# comment\n|nor_conv_3x3~0|+|none~0|none~1|+|bad~0|none~1|none~2|\n');
  // The error names the file and the bad entry (its number in the list: comments do not count).
  assert.throws(() => archList({ archs: file }, NB201), /archs\.txt: architecture 1 \(.*bad/);
  fs.rmSync(dir, { recursive: true, force: true });
});

test('scoring a checkpoint in two shards writes scores/epoch-XXXX.csv equal to direct scoring', async () => {
  const dir = tmp();
  await trainRun({
    runDir: dir,
    config: {
      ...spaceBinding('nb201').preset('smoke').supernet,
      epochs: 2,
      batchSize: 16,
      calibrationBatches: 2,
      calibrationBatchSize: 12,
      checkpointEpochs: [1, 2],
      kind: 'supernet',
      space: 'nb201',
      dataset: 'fashion-mnist',
      scale: 'smoke',
      skeleton: { space: 'nb201', net: { channels: 3, cellsPerStage: 1 } },
      data: IMAGES,
      seed: 3,
      sampler: 'uniform',
      engine: 'cpu',
    },
    data: RUN_DATA,
    progress: silent,
  });
  const archs = sampleArchs(NB201_SAMPLING, 5, 1);
  const first = scoreRun({
    runDir: dir,
    epoch: 1,
    archs,
    data: RUN_DATA,
    shard: { index: 0, count: 2 },
    progress: silent,
  });
  assert.equal(first.file, null); // shard 1 not done yet
  assert.equal(first.rows.length, 3);
  const before = tf.memory().numTensors;
  const second = scoreRun({
    runDir: dir,
    epoch: 1,
    archs,
    data: RUN_DATA,
    shard: { index: 1, count: 2 },
    progress: silent,
  });
  assert.equal(tf.memory().numTensors, before);
  assert.equal(second.file, scoresPath(dir, 1));
  assert.match(fs.readFileSync(second.file!, 'utf8'), /^arch,accuracy,loss\n/);
  const rows = readScores(second.file!);
  assert.deepEqual(
    rows.map((r) => r.arch),
    archs,
  );
  // Independent check: load the checkpoint, recalibrate BN on the seeded calibration sample of
  // the training images (gathered here by hand) and evaluate on the validation images.
  const run = loadRunNetworks(dir, RUN_DATA, 1);
  const { config } = run;
  assert.equal(config.seeds.calibration, `${config.seed}/calibration`);
  const [, h, w, c] = DATA.train.shape;
  const per = h * w * c;
  const gather = (ds: Dataset, idx: ArrayLike<number>): SpaceBatch => {
    const images = new Float32Array(idx.length * per);
    const labels = new Int32Array(idx.length);
    for (let i = 0; i < idx.length; i++) {
      images.set(ds.images.subarray(idx[i] * per, (idx[i] + 1) * per), i * per);
      labels[i] = ds.labels[idx[i]];
    }
    return { images, labels, shape: [idx.length, h, w, c] };
  };
  const calibration = calibrationIndices(
    DATA.train.shape[0],
    { batches: config.calibrationBatches, batchSize: config.calibrationBatchSize },
    `${config.seed}/calibration`,
  ).map((idx) => gather(DATA.train, idx));
  const valid = [
    gather(
      DATA.valid,
      Array.from({ length: DATA.valid.shape[0] }, (_, i) => i),
    ),
  ];
  archs.forEach((text, i) => {
    const arch = parseNb201(text);
    recalibrate(run.nets[0], arch, calibration);
    const r = evaluate(run.nets[0], arch, valid);
    assert.ok(
      Math.abs(r.accuracy - rows[i].accuracy) < 1e-4,
      `${rows[i].arch}: ${r.accuracy} vs ${rows[i].accuracy}`,
    );
    assert.ok(Math.abs(r.loss - rows[i].loss) < 1e-4);
  });
  run.dispose();
  // Re-running is a resume: nothing left to score, same file.
  const again = scoreRun({ runDir: dir, epoch: 1, archs, data: RUN_DATA, progress: silent });
  assert.equal(again.file, scoresPath(dir, 1));
  fs.rmSync(dir, { recursive: true, force: true });
});

function gtConfig(archs: string[]): RunConfigInput {
  return {
    ...spaceBinding('nb201').preset('smoke').standalone,
    epochs: 2,
    batchSize: 16,
    evalBatchSize: 8,
    kind: 'groundtruth',
    space: 'nb201',
    dataset: 'fashion-mnist',
    scale: 'smoke',
    skeleton: { space: 'nb201', net: { channels: 3, cellsPerStage: 1 } },
    // testImages: the run evaluates the test split too.
    data: { ...IMAGES, testImages: null },
    seed: 5,
    sampler: 'uniform',
    engine: 'cpu',
    archs,
  };
}

test('ground truth: resumable, skips done archs, respects live claims, takes over stale ones', () => {
  const dir = tmp();
  const archs = sampleArchs(NB201_SAMPLING, 3, 9);
  const cfg = gtConfig(archs);
  const r1 = runGroundTruth({
    runDir: dir,
    config: cfg,
    data: RUN_DATA,
    progress: silent,
    limit: 1,
  });
  assert.equal(r1.trained, 1);
  assert.equal(r1.pending, 2);
  assert.equal(readGroundTruth(path.join(dir, 'groundtruth.csv')).length, 1);
  // A live process (our parent) holds arch #2; a dead one held arch #3.
  const claimOf = (s: string) => {
    const ordinal = parseNb201(s).reduce(
      (acc, op) =>
        acc * 5 +
        ['none', 'skip_connect', 'nor_conv_1x1', 'nor_conv_3x3', 'avg_pool_3x3'].indexOf(op),
      0,
    );
    return path.join(dir, 'claims', `arch-${String(ordinal).padStart(5, '0')}`);
  };
  fs.mkdirSync(claimOf(archs[1]));
  fs.writeFileSync(
    path.join(claimOf(archs[1]), 'owner.json'),
    JSON.stringify({ pid: process.ppid, host: os.hostname(), startedAt: '' }),
  );
  fs.mkdirSync(claimOf(archs[2]));
  fs.writeFileSync(
    path.join(claimOf(archs[2]), 'owner.json'),
    JSON.stringify({ pid: 2 ** 22 + 12345, host: os.hostname(), startedAt: '' }),
  );
  const r2 = runGroundTruth({ runDir: dir, config: cfg, data: RUN_DATA, progress: silent });
  assert.equal(r2.trained, 1);
  assert.equal(r2.pending, 1);
  fs.rmSync(claimOf(archs[1]), { recursive: true });
  const r3 = runGroundTruth({ runDir: dir, config: cfg, data: RUN_DATA, progress: silent });
  assert.equal(r3.trained, 1);
  assert.equal(r3.pending, 0);
  const rows = readGroundTruth(path.join(dir, 'groundtruth.csv'));
  assert.deepEqual(
    rows.map((r) => r.arch),
    archs,
  );
  for (const r of rows) {
    const cost = nb201Cost(parseNb201(r.arch), {
      channels: 3,
      cellsPerStage: 1,
      inChannels: 1,
      numClasses: 3,
      imageSize: 8,
    });
    assert.equal(r.params, cost.params);
    assert.equal(r.flops, cost.flops);
    assert.equal(r.epochs, 2);
    assert.ok(r.val_accuracy >= 0 && r.val_accuracy <= 100 && r.seconds > 0);
    // The run has a test split (data.testImages), so every row has a test accuracy.
    assert.ok(r.test_accuracy >= 0 && r.test_accuracy <= 100, `test accuracy ${r.test_accuracy}`);
  }
  assert.match(
    fs.readFileSync(path.join(dir, 'groundtruth.csv'), 'utf8'),
    /^arch,val_accuracy,test_accuracy,params,flops,epochs,seconds\n/,
  );
  // Same seed, fresh folder: identical numbers (seeded init, order and augmentation).
  const dir2 = tmp();
  const again = runGroundTruth({
    runDir: dir2,
    config: gtConfig([archs[0]]),
    data: RUN_DATA,
    progress: silent,
  });
  assert.equal(again.rows[0].val_accuracy, rows[0].val_accuracy);
  assert.equal(again.rows[0].test_accuracy, rows[0].test_accuracy);
  // A different list in the same folder is refused.
  assert.throws(
    () =>
      runGroundTruth({ runDir: dir2, config: gtConfig(archs), data: RUN_DATA, progress: silent }),
    /different configuration \(archs/,
  );
  fs.rmSync(dir, { recursive: true, force: true });
  fs.rmSync(dir2, { recursive: true, force: true });
});
