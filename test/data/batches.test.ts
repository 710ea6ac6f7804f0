import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  batchCount,
  defaultAugmentation,
  iterateBatches,
  splitIndices,
  splitTrainValid,
  subsetDataset,
  type Dataset,
} from '../../src/data';

/** n images of h x w x c whose pixel values encode (image, y, x, channel). */
function synthetic(n: number, h: number, w: number, c: number, classes = 3): Dataset {
  const images = new Float32Array(n * h * w * c);
  for (let i = 0; i < n; i++)
    for (let y = 0; y < h; y++)
      for (let x = 0; x < w; x++)
        for (let k = 0; k < c; k++)
          images[((i * h + y) * w + x) * c + k] = i * 1000 + y * 100 + x * 10 + k + 1;
  return {
    name: 'synthetic',
    images,
    labels: Int32Array.from({ length: n }, (_, i) => i % classes),
    shape: [n, h, w, c],
    numClasses: classes,
    classNames: Array.from({ length: classes }, (_, i) => `c${i}`),
    mean: Array(c).fill(0.5),
    std: Array(c).fill(0.25),
    source: 'memory',
  };
}

test('split: half of train as validation, disjoint, seeded, optionally stratified', () => {
  const labels = Int32Array.from({ length: 1000 }, (_, i) => (i * 7) % 10);
  const a = splitIndices(labels, { seed: 1 });
  assert.equal(a.train.length, 500);
  assert.equal(a.valid.length, 500);
  const all = new Set([...a.train, ...a.valid]);
  assert.equal(all.size, 1000);
  assert.deepEqual(splitIndices(labels, { seed: 1 }), a);
  assert.notDeepEqual(splitIndices(labels, { seed: 2 }).valid, a.valid);
  const s = splitIndices(labels, { seed: 1, stratified: true, validFraction: 0.2 });
  const perClass = new Array(10).fill(0);
  s.valid.forEach((i) => perClass[labels[i]]++);
  assert.deepEqual(perClass, new Array(10).fill(20));
  assert.throws(() => splitIndices(labels, { validFraction: 1 }), /validFraction/);

  const ds = synthetic(10, 2, 2, 1);
  const { train, valid } = splitTrainValid(ds, { seed: 3 });
  assert.equal(train.shape[0] + valid.shape[0], 10);
  assert.equal(train.name, 'synthetic[search-train]');
  const sub = subsetDataset(ds, [7, 2]);
  assert.deepEqual(Array.from(sub.images.subarray(0, 4)), [7001, 7011, 7101, 7111]);
  assert.deepEqual(Array.from(sub.labels), [1, 2]);
  assert.throws(() => subsetDataset(ds, [10]), /index 10 out of range/);
});

test('batches: each epoch visits every image once; same seed and epoch give the same batches', () => {
  const ds = synthetic(23, 4, 4, 2);
  const epoch = (e: number, seed = 5) => [...iterateBatches(ds, { batchSize: 5, seed, epoch: e })];
  const b0 = epoch(0);
  assert.equal(b0.length, batchCount(23, 5));
  assert.deepEqual(
    b0.map((b) => b.shape[0]),
    [5, 5, 5, 5, 3],
  );
  const seen = b0.flatMap((b) => Array.from(b.indices)).sort((x, y) => x - y);
  assert.deepEqual(
    seen,
    Array.from({ length: 23 }, (_, i) => i),
  );
  assert.deepEqual(epoch(0), b0);
  assert.notDeepEqual(epoch(1)[0].indices, b0[0].indices);
  assert.notDeepEqual(epoch(0, 6)[0].indices, b0[0].indices);
  // Without augmentation a batch holds the dataset's own images and labels.
  for (const b of b0) {
    b.indices.forEach((i, k) => {
      assert.deepEqual(
        b.images.subarray(k * 32, (k + 1) * 32),
        ds.images.subarray(i * 32, (i + 1) * 32),
      );
      assert.equal(b.labels[k], ds.labels[i]);
    });
  }
  assert.equal([...iterateBatches(ds, { batchSize: 5, dropLast: true })].length, 4);
  const ordered = [...iterateBatches(ds, { batchSize: 23, shuffle: false })][0];
  assert.deepEqual(
    Array.from(ordered.indices),
    Array.from({ length: 23 }, (_, i) => i),
  );
});

test('augmentation: every image is a padded crop (pad value = black), possibly mirrored', () => {
  const [h, w, c, pad] = [6, 5, 2, 2];
  const ds = synthetic(40, h, w, c);
  const fill = (0 - 0.5) / 0.25;
  const shifted = (i: number, dy: number, dx: number, flip: boolean) => {
    const out = new Float32Array(h * w * c);
    for (let y = 0; y < h; y++)
      for (let x = 0; x < w; x++)
        for (let k = 0; k < c; k++) {
          const sy = y + dy;
          const sx = x + dx;
          const v =
            sy < 0 || sy >= h || sx < 0 || sx >= w
              ? fill
              : ds.images[((i * h + sy) * w + sx) * c + k];
          out[(y * w + (flip ? w - 1 - x : x)) * c + k] = v;
        }
    return out;
  };
  const used = new Set<string>();
  for (const b of iterateBatches(ds, {
    batchSize: 8,
    seed: 9,
    augment: { cropPadding: pad, flip: true },
  })) {
    b.indices.forEach((i, k) => {
      const got = b.images.subarray(k * h * w * c, (k + 1) * h * w * c);
      let match: string | null = null;
      for (let dy = -pad; dy <= pad && !match; dy++)
        for (let dx = -pad; dx <= pad && !match; dx++)
          for (const flip of [false, true])
            if (!match && shifted(i, dy, dx, flip).every((v, j) => v === got[j]))
              match = `${dy},${dx},${flip}`;
      assert.ok(match, `image ${i} is not a padded crop`);
      used.add(match);
    });
  }
  assert.ok(used.size > 15, `augmentations drawn: ${used.size}`);
  assert.deepEqual(defaultAugmentation(synthetic(1, 32, 32, 3)), { cropPadding: 4, flip: true });
  assert.deepEqual(defaultAugmentation(synthetic(1, 28, 28, 1)), { cropPadding: 2, flip: true });
});
