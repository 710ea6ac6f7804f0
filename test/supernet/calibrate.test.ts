import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import type { BatchSource, Dataset } from '../../src/data/types';
import { calibrationIndices } from '../../src/data/calibration';
import { initEngine } from '../../src/engine';
import { createRng } from '../../src/engine/random';
import type { Nb201Arch } from '../../src/spaces/nb201/definition';
import { createSupernet, type Nb201Skeleton } from '../../src/supernet';
import { evaluate, recalibrate, scoreArch } from '../../src/evaluate/score';
import { imageBatchSource } from '../../src/train/data';

before(async () => {
  await initEngine('cpu');
});

function fakeDataset(
  n: number,
  size: number,
  channels: number,
  classes: number,
  seed: number,
): Dataset {
  const rng = createRng(seed);
  const labels = new Int32Array(n);
  for (let i = 0; i < n; i++) labels[i] = rng.int(classes);
  return {
    name: `fake/${seed}`,
    images: rng.fillNormal(new Float32Array(n * size * size * channels)),
    labels,
    shape: [n, size, size, channels],
    numClasses: classes,
    classNames: Array.from({ length: classes }, (_, i) => `c${i}`),
    mean: Array(channels).fill(0),
    std: Array(channels).fill(1),
    source: 'generated',
  };
}

/** The batch source of the one pipeline over in-memory splits (no test split). */
function batchSource(train: Dataset, valid: Dataset): BatchSource {
  return imageBatchSource({
    train,
    valid,
    test: fakeDataset(0, 8, 1, 4, 0),
    inputChannels: 1,
    classes: 4,
    imageSize: 8,
  });
}

const SK: Nb201Skeleton = { channels: 3, cellsPerStage: 1, inputChannels: 1, classes: 4 };
const ARCH: Nb201Arch = [
  'nor_conv_3x3',
  'skip_connect',
  'avg_pool_3x3',
  'nor_conv_1x1',
  'none',
  'skip_connect',
];

/** Stem conv (3x3, padding 1, no bias) by hand: [n, s, s, 1] -> [n, s, s, C]. */
function stemConvByHand(
  data: Dataset,
  idx: Int32Array,
  w: Float32Array,
  c: number,
): Float64Array[] {
  const s = data.shape[1];
  const perChannel: Float64Array[] = Array.from(
    { length: c },
    () => new Float64Array(idx.length * s * s),
  );
  idx.forEach((img, b) => {
    for (let i = 0; i < s; i++) {
      for (let j = 0; j < s; j++) {
        for (let o = 0; o < c; o++) {
          let acc = 0;
          for (let di = -1; di <= 1; di++) {
            for (let dj = -1; dj <= 1; dj++) {
              const ii = i + di;
              const jj = j + dj;
              if (ii < 0 || jj < 0 || ii >= s || jj >= s) continue;
              acc += data.images[img * s * s + ii * s + jj] * w[((di + 1) * 3 + (dj + 1)) * c + o];
            }
          }
          perChannel[o][b * s * s + i * s + j] = acc;
        }
      }
    }
  });
  return perChannel;
}

test('BN recalibration resets the path statistics and re-estimates them as the average over batches', () => {
  const data = fakeDataset(30, 8, 1, 4, 1);
  const net = createSupernet(SK, { seed: 2 });
  // Garbage statistics everywhere: the recalibrated ones must not depend on them.
  for (const [name, v] of net.variables.buffers)
    v.assign(tf.fill(v.shape, name.endsWith('Var') ? 7 : -3));
  const batches = calibrationIndices(30, { batches: 3, batchSize: 12 }, 'test');
  assert.equal(batches.length, 3);
  // 36 > 30 images: the first 30 draws are a permutation, then a reshuffle.
  assert.equal(new Set([...batches[0], ...batches[1], ...batches[2].slice(0, 6)]).size, 30);
  // The scorer's calibration sample (BatchSource.calibration) is exactly these training images.
  const sample = [...batchSource(data, data).calibration!(3, 12, 'test')];
  assert.equal(sample.length, 3);
  sample.forEach((b, k) => {
    assert.deepEqual(b.shape, [12, 8, 8, 1]);
    assert.deepEqual(
      [...b.labels],
      [...batches[k]].map((i) => data.labels[i]),
    );
    batches[k].forEach((img, i) =>
      assert.deepEqual(
        b.images.subarray(i * 64, (i + 1) * 64),
        data.images.subarray(img * 64, (img + 1) * 64),
      ),
    );
  });
  recalibrate(net, ARCH, sample);

  const w = net.variables.trainable.get('stem.conv.w')!.dataSync() as Float32Array;
  const mean = [0, 0, 0];
  const variance = [0, 0, 0];
  for (const idx of batches) {
    const channels = stemConvByHand(data, idx, w, 3);
    channels.forEach((values, c) => {
      const m = values.reduce((a, b) => a + b, 0) / values.length;
      const v = values.reduce((a, b) => a + (b - m) ** 2, 0) / (values.length - 1); // unbiased
      mean[c] += m / batches.length;
      variance[c] += v / batches.length;
    });
  }
  const gotMean = net.variables.buffers.get('stem.bn.runningMean')!.dataSync();
  const gotVar = net.variables.buffers.get('stem.bn.runningVar')!.dataSync();
  for (let c = 0; c < 3; c++) {
    assert.ok(
      Math.abs(gotMean[c] - mean[c]) < 1e-5 * (1 + Math.abs(mean[c])),
      `mean[${c}] ${gotMean[c]} vs ${mean[c]}`,
    );
    assert.ok(
      Math.abs(gotVar[c] - variance[c]) < 1e-4 * (1 + variance[c]),
      `var[${c}] ${gotVar[c]} vs ${variance[c]}`,
    );
  }
  // Statistics of ops on the path were re-estimated; those off the path are untouched.
  const onPath = net.variables.buffers.get('cells.0.0.nor_conv_3x3.bn.runningVar')!.dataSync();
  assert.ok(onPath.every((v) => v !== 7));
  const offPath = net.variables.buffers.get('cells.0.0.nor_conv_1x1.bn.runningVar')!.dataSync();
  assert.ok(offPath.every((v) => v === 7));
  net.dispose();
});

test('recalibration is deterministic given the seed, and scoring keeps tf.memory() flat', () => {
  const train = fakeDataset(40, 8, 1, 4, 3);
  const val = fakeDataset(25, 8, 1, 4, 4);
  const net = createSupernet(SK, { seed: 5 });
  const source = batchSource(train, val);
  const calibration = { batches: 2, batchSize: 10, seed: '9' };
  const evalBatchSize = 7;
  const first = scoreArch(net, ARCH, source, calibration, evalBatchSize);
  assert.equal(first.count, 25);
  assert.ok(first.accuracy >= 0 && first.accuracy <= 100);
  // Another architecture in between must not change the score (its own path is recalibrated).
  scoreArch(
    net,
    ['nor_conv_1x1', 'nor_conv_1x1', 'none', 'skip_connect', 'avg_pool_3x3', 'nor_conv_3x3'],
    source,
    calibration,
    evalBatchSize,
  );
  const before = tf.memory().numTensors;
  const again = scoreArch(net, ARCH, source, calibration, evalBatchSize);
  assert.deepEqual(again, first);
  for (let i = 0; i < 3; i++) scoreArch(net, ARCH, source, calibration, evalBatchSize);
  assert.equal(tf.memory().numTensors, before);
  net.dispose();
});

test('evaluate counts correct predictions exactly', () => {
  // A net whose head is forced to predict class 1 for every image: accuracy = share of label 1.
  const data = fakeDataset(20, 8, 1, 4, 6);
  const net = createSupernet(SK, { seed: 1 });
  const fc = net.variables.trainable.get('head.fc.w')!;
  fc.assign(tf.zerosLike(fc));
  net.variables.trainable.get('head.fc.b')!.assign(tf.tensor1d([0, 5, 0, 0]));
  const share = (100 * Array.from(data.labels).filter((l) => l === 1).length) / 20;
  const r = evaluate(net, ARCH, batchSource(data, data).valid(6));
  assert.equal(r.count, 20);
  assert.equal(r.accuracy, share);
  // loss = -log softmax([0,5,0,0])[label]
  const lse = Math.log(Math.exp(5) + 3);
  const expectedLoss =
    Array.from(data.labels).reduce((s, l) => s + (l === 1 ? lse - 5 : lse), 0) / 20;
  assert.ok(Math.abs(r.loss - expectedLoss) < 1e-5);
  net.dispose();
});
