import { describe, test, before } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { FusedSgd, initEngine } from '../../src/engine';
import { loadAddon } from '../../src/engine/native/addon';
import { hasNative, maxAbs, maxAbsDiff, onBackend, randomArray } from './helpers';

/** Runs fn on native and on the stock cpu backend; asserts equal outputs. */
async function sameAsCpu(what: string, fn: () => tf.Tensor[], tol = 1e-5) {
  const ours = tf.tidy(fn);
  const a = ours.map((t) => ({ shape: t.shape, data: Float32Array.from(t.dataSync()) }));
  tf.dispose(ours);
  const ref = await onBackend('cpu', () => tf.tidy(fn));
  assert.equal(a.length, ref.length);
  a.forEach((o, i) => {
    const d = maxAbsDiff(o.data, ref[i]);
    assert.ok(d <= tol * Math.max(1, maxAbs(ref[i])), `${what}[${i}]: max difference ${d}`);
  });
}

const t = (shape: number[], seed: number) =>
  tf.tensor(
    randomArray(
      shape.reduce((p, d) => p * d, 1),
      seed,
      -2,
      2,
    ),
    shape,
  );

describe('native kernels', { skip: !hasNative() && 'native addon not built' }, () => {
  before(async () => {
    await initEngine('native');
  });

  const pairs: [number[], number[]][] = [
    [
      [2, 3, 4, 5],
      [2, 3, 4, 5],
    ],
    [[2, 3, 4, 5], []],
    [[], [2, 3, 4, 5]],
    [[2, 3, 4, 5], [5]],
    [[5], [2, 3, 4, 5]],
    [
      [2, 3, 4, 5],
      [2, 1, 1, 5],
    ],
    [
      [2, 1, 1, 5],
      [2, 3, 4, 5],
    ],
    [
      [2, 3, 4, 1],
      [1, 1, 1, 5],
    ],
    [
      [3, 1],
      [1, 4],
    ],
    // 2^20 elements: at the threshold from which common.h's loops run on all threads.
    [
      [64, 32, 32, 16],
      [64, 32, 32, 16],
    ],
  ];
  for (const [name, op] of [
    ['add', tf.add],
    ['sub', tf.sub],
    ['mul', tf.mul],
    ['div', tf.div],
    ['maximum', tf.maximum],
    ['minimum', tf.minimum],
  ] as const) {
    test(`${name} with broadcasting matches cpu`, async () => {
      for (const [sa, sb] of pairs) {
        await sameAsCpu(`${name} [${sa}] [${sb}]`, () => [
          (op as (a: tf.Tensor, b: tf.Tensor) => tf.Tensor)(t(sa, 1), t(sb, 2)),
        ]);
      }
    });
  }

  test('relu, step, neg, square match cpu (NaN propagates)', async () => {
    const x = () => tf.concat([t([1000], 3), tf.tensor1d([NaN, 0, -0])]);
    await sameAsCpu('unary', () => [tf.relu(x()), tf.step(x(), 0.3), tf.neg(x()), tf.square(x())]);
    const r = tf.tidy(() => tf.relu(tf.tensor1d([NaN, -1, 2])).dataSync());
    assert.ok(Number.isNaN(r[0]) && r[1] === 0 && r[2] === 2);
  });

  // common.h: work below 2^20 passes over an element (batch norm: 2^17 elements; convolutions
  // and matmul: 2^23 multiply-adds; pooling: outputs x window) runs on the calling thread, the
  // rest on all threads. The small cases elsewhere cover the first side, these the second.
  test('kernels on all threads match cpu, and a one-thread kernel leaves the thread count', async () => {
    const threads = loadAddon().threads();
    const big = [(1 << 20) + 5];
    await sameAsCpu('relu, addN and the ReLU gradient over 2^20 + 5 elements', () => [
      tf.relu(t(big, 13)),
      tf.addN([t(big, 14), t(big, 15), t(big, 16)]),
      tf.grad((x: tf.Tensor) => tf.sum(tf.mul(tf.relu(x), t(big, 17))))(t(big, 18)),
    ]);
    await sameAsCpu('matMul of 2^23 multiply-adds', () => [
      tf.matMul(t([256, 256], 19), t([256, 128], 20)),
    ]);
    await sameAsCpu('avgPool of 2^17 outputs x 9', () => [
      tf.avgPool(t([2, 64, 64, 16], 21) as tf.Tensor4D, 3, 1, 'same'),
    ]);
    tf.tidy(() =>
      tf
        .conv2d(t([1, 5, 5, 2], 22) as tf.Tensor4D, t([3, 3, 2, 2], 23) as tf.Tensor4D, 1, 'same')
        .dataSync(),
    );
    assert.equal(loadAddon().threads(), threads, 'thread count after a one-thread convolution');
  });

  test('sum, mean, max, min over contiguous and scattered axes match cpu', async () => {
    const shape = [3, 4, 5, 6];
    for (const axis of [0, 1, 3, [1, 2], [0, 1, 2], [2, 3], [0, 2], [0, 1, 2, 3], -1]) {
      for (const keepDims of [false, true]) {
        await sameAsCpu(`reduce ${JSON.stringify(axis)} keepDims=${keepDims}`, () => [
          tf.sum(t(shape, 4), axis, keepDims),
          tf.mean(t(shape, 4), axis, keepDims),
          tf.max(t(shape, 4), axis, keepDims),
          tf.min(t(shape, 4), axis, keepDims),
        ]);
      }
    }
  });

  test('addN, matMul (transposes, batch broadcast) and avgPool match cpu', async () => {
    await sameAsCpu('addN', () => [tf.addN([t([4, 5, 6], 5), t([4, 5, 6], 6), t([4, 5, 6], 7)])]);
    for (const [ta, tb] of [
      [false, false],
      [true, false],
      [false, true],
      [true, true],
    ]) {
      await sameAsCpu(`matMul ${ta} ${tb}`, () => [
        tf.matMul(t(ta ? [7, 5] : [5, 7], 8), t(tb ? [3, 7] : [7, 3], 9), ta, tb),
        tf.matMul(t(ta ? [2, 7, 5] : [2, 5, 7], 8), t(tb ? [2, 3, 7] : [2, 7, 3], 9), ta, tb),
        tf.matMul(t([2, 5, 7], 10), t([7, 3], 11)),
      ]);
    }
    // pool.cc's loops: odd sizes, channel counts off and on the SIMD width, windows at edges.
    for (const shape of [
      [2, 7, 6, 3],
      [2, 5, 6, 20],
      [1, 4, 9, 16],
      [1, 1, 5, 2],
    ]) {
      for (const [f, s, pad] of [
        [3, 1, 'same'],
        [3, 1, 'valid'],
        [4, 1, 'same'],
        [2, 2, 'valid'],
        [3, 2, 'same'],
      ] as const) {
        if (pad === 'valid' && (shape[1] < f || shape[2] < f)) continue;
        await sameAsCpu(`avgPool ${shape} ${f} ${s} ${pad}`, () => [
          tf.avgPool(t(shape, 12) as tf.Tensor4D, f, s, pad),
        ]);
      }
    }
  });

  test('conv2d forward with explicit (PyTorch-style) padding matches cpu', async () => {
    const pads: tf.backend_util.ExplicitPadding = [
      [0, 0],
      [1, 1],
      [1, 1],
      [0, 0],
    ];
    await sameAsCpu('conv explicit pad', () => [
      tf.conv2d(t([2, 8, 8, 3], 13) as tf.Tensor4D, t([3, 3, 3, 4], 14) as tf.Tensor4D, 2, pads),
      tf.conv2d(t([1, 7, 9, 2], 15) as tf.Tensor4D, t([3, 3, 2, 5], 16) as tf.Tensor4D, 1, 'same'),
      tf.conv2d(t([1, 7, 9, 2], 15) as tf.Tensor4D, t([3, 3, 2, 5], 16) as tf.Tensor4D, 2, 'valid'),
    ]);
    await sameAsCpu('conv explicit pad grads', () =>
      tf.grads((x: tf.Tensor, w: tf.Tensor) =>
        tf.sum(tf.mul(tf.conv2d(x as tf.Tensor4D, w as tf.Tensor4D, 2, pads), t([2, 4, 4, 4], 17))),
      )([t([2, 8, 8, 3], 13), t([3, 3, 3, 4], 14)]),
    );
  });

  test('recycled buffers never leak into values a caller holds', () => {
    const a = tf.relu(t([1000], 20));
    const held = a.dataSync();
    const copy = Float32Array.from(held);
    a.dispose();
    for (let i = 0; i < 5; i++) tf.tidy(() => tf.neg(tf.relu(t([1000], 21))).dataSync());
    assert.deepEqual(held, copy);
    // A zero-copy slice of a pooled buffer keeps its parent alive and unchanged.
    const parent = tf.relu(t([10, 100], 22));
    const slice = tf.slice(parent, [2, 0], [3, 100]);
    const sliceBefore = Float32Array.from(slice.dataSync());
    parent.dispose();
    for (let i = 0; i < 5; i++) tf.tidy(() => tf.relu(t([10, 100], 23)).dataSync());
    assert.deepEqual(Float32Array.from(slice.dataSync()), sliceBefore);
    slice.dispose();
  });

  test('fill matches cpu and overwrites a recycled buffer whole', async () => {
    await sameAsCpu('fill', () => [
      tf.fill([3, 5, 7, 2], 0),
      tf.fill([11], -2.5),
      tf.fill([], 4),
      tf.fill([2, 3], 7, 'int32'),
      tf.zeros([4, 4]),
    ]);
    const size = 4099;
    tf.tidy(() => tf.relu(t([size], 24)).dataSync()); // leaves a buffer of nonzeros in the pool
    const stats = () => (tf.backend() as unknown as { poolStats(): { hits: number } }).poolStats();
    const hits = stats().hits;
    const zeros = tf.fill([size], 0);
    assert.equal(stats().hits, hits + 1, 'fill takes its buffer from the pool');
    assert.ok(zeros.dataSync().every((v) => Object.is(v, 0)));
    zeros.dispose();
    const nan = tf.tidy(() => tf.fill([3], NaN).dataSync());
    assert.ok(nan.every((v) => Number.isNaN(v)));
  });

  test('pooled buffers start on 64-byte boundaries and recycle', () => {
    const addon = loadAddon();
    const backend = tf.backend() as unknown as {
      data: { get(id: object): { values: Float32Array } };
    };
    const values = (x: tf.Tensor) => backend.data.get(x.dataId).values;
    for (const size of [1, 7, 1000, 40_001, 1 << 20]) {
      const xs = Array.from({ length: 4 }, (_, i) => tf.fill([size], i + 0.5));
      for (const x of xs) assert.equal(addon.addressMod64(values(x)), 0, `size ${size}`);
      const first = values(xs[3]);
      tf.dispose(xs);
      const again = tf.fill([size], 9);
      assert.equal(values(again), first, 'the last buffer freed is reused');
      assert.ok(again.dataSync().every((v) => v === 9));
      again.dispose();
    }
    assert.throws(() => addon.addressMod64(new Int32Array(4) as never), /addressMod64: a must be/);
  });

  test('the buffer pool drops the buffers of a finished phase (LRU sizes) within its budget', () => {
    const backend = tf.backend() as unknown as {
      poolStats(): {
        liveBytes: number;
        peakLiveBytes: number;
        pooledBytes: number;
        evicted: number;
      };
      pool: Map<number, Float32Array[]>;
    };
    // Phase A holds 12 outputs of sizeA at once, phase B 12 outputs of sizeB (larger).
    const phase = (size: number) => {
      const x = tf.tensor1d(new Float32Array(size).fill(1.5)); // caller data: never pooled
      for (let rep = 0; rep < 3; rep++) {
        const ys = Array.from({ length: 12 }, () => tf.relu(x));
        assert.equal(ys[11].dataSync()[size - 1], 1.5);
        tf.dispose(ys);
      }
      x.dispose();
    };
    const sizeA = 1_000_003;
    const sizeB = 1_500_007;
    phase(sizeA);
    assert.equal(backend.pool.get(sizeA)?.length, 12, 'phase A buffers are pooled for reuse');
    const evictedBefore = backend.poolStats().evicted;
    phase(sizeB);
    const s = backend.poolStats();
    assert.ok(s.evicted > evictedBefore, 'phase A buffers were dropped');
    assert.ok((backend.pool.get(sizeA)?.length ?? 0) < 12);
    assert.equal(backend.pool.get(sizeB)?.length, 12, 'the current phase keeps its buffers');
    assert.ok(
      s.pooledBytes + s.liveBytes <= 1.25 * s.peakLiveBytes + sizeB * 4,
      `pooled ${s.pooledBytes} + live ${s.liveBytes} within 1.25 x peak ${s.peakLiveBytes}`,
    );
    phase(sizeA); // and back: correct values from fresh or recycled buffers
  });

  test('FusedSgd matches PyTorch SGD (momentum, Nesterov, weight decay) by hand', () => {
    // PyTorch: d = g + wd*v; buf = d (first step) else mu*buf + d; v -= lr*(d + mu*buf).
    const v = tf.variable(tf.tensor1d([1, -2]));
    const sgd = new FusedSgd({ lr: 0.1, momentum: 0.9, weightDecay: 0.5, nesterov: true });
    const g1 = tf.tensor1d([0.2, 0.4]);
    sgd.apply([v], { [v.name]: g1 });
    // d = [0.7, -0.6]; buf = d; v = v - 0.1 * (d + 0.9 d) = v - 0.19 d
    const e1 = [1 - 0.19 * 0.7, -2 + 0.19 * 0.6];
    assert.ok(maxAbsDiff(v.dataSync(), e1) < 1e-6);
    const g2 = tf.tensor1d([-0.1, 0.3]);
    sgd.apply([v], { [v.name]: g2 });
    const d2 = [-0.1 + 0.5 * e1[0], 0.3 + 0.5 * e1[1]];
    const b2 = [0.9 * 0.7 + d2[0], 0.9 * -0.6 + d2[1]];
    const e2 = [e1[0] - 0.1 * (d2[0] + 0.9 * b2[0]), e1[1] - 0.1 * (d2[1] + 0.9 * b2[1])];
    assert.ok(maxAbsDiff(v.dataSync(), e2) < 1e-6);
    const before = tf.memory().numTensors;
    sgd.apply([v], { [v.name]: g2 });
    assert.equal(tf.memory().numTensors, before, 'no tensors leaked');
    sgd.dispose();
    tf.dispose([v, g1, g2]);
  });
});

describe('tile replacement', () => {
  test('tile matches the stock cpu kernel for several ranks and repeats', async () => {
    for (const engine of ['wasm', 'cpu', ...(hasNative() ? ['native' as const] : [])] as const) {
      await initEngine(engine);
      const cases: [number[], number[]][] = [
        [[3], [4]],
        [
          [2, 3],
          [3, 2],
        ],
        [
          [1, 1, 1, 5],
          [2, 3, 4, 1],
        ],
        [
          [2, 1, 3, 2],
          [1, 4, 2, 3],
        ],
        [
          [2, 2],
          [1, 1],
        ],
      ];
      for (const [shape, reps] of cases) {
        const ours = tf.tidy(() => Float32Array.from(tf.tile(t(shape, 30), reps).dataSync()));
        // Reference: explicit index arithmetic, independent of any tfjs kernel.
        const xs = randomArray(
          shape.reduce((p, d) => p * d, 1),
          30,
          -2,
          2,
        );
        const outShape = shape.map((d, i) => d * reps[i]);
        const n = outShape.reduce((p, d) => p * d, 1);
        const want = new Float32Array(n);
        for (let i = 0; i < n; i++) {
          let rem = i;
          let src = 0;
          let stride = 1;
          for (let a = shape.length - 1; a >= 0; a--) {
            const idx = rem % outShape[a];
            rem = Math.floor(rem / outShape[a]);
            src += (idx % shape[a]) * stride;
            stride *= shape[a];
          }
          want[i] = xs[src];
        }
        assert.deepEqual(ours, want, `${engine} tile [${shape}] x [${reps}]`);
      }
    }
  });
});
