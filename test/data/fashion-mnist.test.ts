import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import {
  channelStats,
  FASHION_MNIST_NORMALIZATION,
  loadFashionMnist,
  readFashionMnistRaw,
  readIdxUint8,
} from '../../src/data';
import { fmnistDir, missing, numpyPython, py, tmpDir } from './helpers';

const skip = missing(fmnistDir) || (numpyPython ? false : 'python3 with numpy not available');

test('Fashion-MNIST idx files: shapes, labels and pixels agree with numpy', { skip }, () => {
  const oracle = py<{
    n: number;
    first: number[];
    hist: number[];
    sum: number;
    mean: number;
    std: number;
    tn: number;
  }>(`
import gzip, json, numpy as np
d = '${fmnistDir}'
img = np.frombuffer(gzip.open(d + '/train-images-idx3-ubyte.gz').read()[16:], dtype=np.uint8)
lbl = np.frombuffer(gzip.open(d + '/train-labels-idx1-ubyte.gz').read()[8:], dtype=np.uint8)
t = np.frombuffer(gzip.open(d + '/t10k-labels-idx1-ubyte.gz').read()[8:], dtype=np.uint8)
x = img / 255.0
print(json.dumps({'n': int(lbl.size), 'first': img[:784].astype(int).tolist()[200:220],
  'hist': np.bincount(lbl, minlength=10).tolist(), 'sum': int(img.astype(np.int64).sum()),
  'mean': float(x.mean()), 'std': float(x.std()), 'tn': int(t.size)}))
`);
  const raw = readFashionMnistRaw('train', fmnistDir);
  assert.deepEqual(raw.shape, [60000, 28, 28, 1]);
  assert.equal(raw.labels.length, oracle.n);
  assert.deepEqual(Array.from(raw.pixels.subarray(200, 220)), oracle.first);
  const hist = new Array(10).fill(0);
  raw.labels.forEach((l) => hist[l]++);
  assert.deepEqual(hist, oracle.hist);
  assert.equal(
    raw.pixels.reduce((a, b) => a + b, 0),
    oracle.sum,
  );
  const stats = channelStats(raw);
  assert.ok(Math.abs(stats.mean[0] - oracle.mean) < 1e-9);
  assert.ok(Math.abs(stats.std[0] - oracle.std) < 1e-9);
  // The published constants are the training set's own statistics (to 4 decimals).
  assert.ok(Math.abs(FASHION_MNIST_NORMALIZATION.mean[0] - oracle.mean) < 1e-4);
  assert.ok(Math.abs(FASHION_MNIST_NORMALIZATION.std[0] - oracle.std) < 1e-4);

  const test = loadFashionMnist('test', { dir: fmnistDir });
  assert.deepEqual(test.shape, [oracle.tn, 28, 28, 1]);
  assert.equal(test.numClasses, 10);
  assert.equal(test.classNames[9], 'Ankle boot');
  const p = readFashionMnistRaw('test', fmnistDir).pixels;
  for (const i of [0, 1000, 7839999]) {
    const expect = (p[i] / 255 - 0.286) / 0.353;
    assert.ok(Math.abs(test.images[i] - expect) < 1e-6);
  }
});

test(
  'truncated, corrupt and mismatched idx files give errors naming the file',
  { skip: missing(fmnistDir) },
  () => {
    const dir = tmpDir('idx');
    try {
      const labels = fs.readFileSync(path.join(fmnistDir, 't10k-labels-idx1-ubyte.gz'));
      const images = fs.readFileSync(path.join(fmnistDir, 't10k-images-idx3-ubyte.gz'));
      // gzip cut in half
      const cut = path.join(dir, 'cut.gz');
      fs.writeFileSync(cut, images.subarray(0, images.length >> 1));
      assert.throws(
        () => readIdxUint8(cut),
        (e: Error) => e.message.includes(cut) && /truncated gzip/.test(e.message),
      );
      // raw idx whose header promises more than it holds
      const raw = zlib.gunzipSync(images);
      const short = path.join(dir, 'short-idx3-ubyte');
      fs.writeFileSync(short, raw.subarray(0, raw.length - 5));
      assert.throws(
        () => readIdxUint8(short, 3),
        (e: Error) =>
          e.message.includes(short) &&
          /truncated IDX data: dimensions 10000x28x28 need 7840000 bytes, file has 7839995/.test(
            e.message,
          ),
      );
      // wrong magic
      const bad = path.join(dir, 'bad');
      fs.writeFileSync(bad, Buffer.from([0, 0, 0x0d, 1, 0, 0, 0, 0]));
      assert.throws(() => readIdxUint8(bad), /not an unsigned-byte IDX file \(magic 0x00000d01/);
      // label file for another image count
      fs.writeFileSync(path.join(dir, 't10k-images-idx3-ubyte.gz'), images);
      const lraw = zlib.gunzipSync(labels);
      const fewer = Buffer.concat([
        lraw.subarray(0, 4),
        Buffer.from([0, 0, 0x27, 0x0f]),
        lraw.subarray(8, lraw.length - 1),
      ]);
      fs.writeFileSync(path.join(dir, 't10k-labels-idx1-ubyte'), fewer);
      assert.throws(
        () => readFashionMnistRaw('test', dir),
        /t10k-labels-idx1-ubyte: 9999 labels for 10000 images/,
      );
      assert.throws(
        () => readFashionMnistRaw('train', dir),
        /train-images-idx3-ubyte\(\.gz\) not found in .*dataset-fashion-mnist/,
      );
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  },
);
