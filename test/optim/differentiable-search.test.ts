import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { Rng } from '../../src/engine/random';
import { createSupernet } from '../../src/supernet/network';
import {
  DIFFERENTIABLE_METHODS,
  DifferentiableSearch,
  methodSpec,
  NB201_SEARCH_HYPER,
  type DifferentiableMethod,
  type ImageBatch,
} from '../../src/optim';
import { lcg } from './tiny-model';

tf.setBackend('cpu');

const SKELETON = { channels: 2, cellsPerStage: 1, inputChannels: 1, classes: 3 };

function batch(seed: number): ImageBatch {
  const r = lcg(seed);
  return {
    x: tf.tensor4d(
      Array.from({ length: 6 * 4 * 4 }, () => r()),
      [6, 4, 4, 1],
    ),
    y: tf.tensor1d(Array.from({ length: 6 }, (_, i) => (i * 7 + seed) % 3)),
  };
}

function newSearch(method: DifferentiableMethod) {
  const net = createSupernet(SKELETON, { seed: 4 });
  const rng = new Rng(`alpha/${method}`);
  const search = new DifferentiableSearch(net, {
    method,
    hyper: NB201_SEARCH_HYPER,
    totalSteps: 10,
    normal: () => rng.normal(),
  });
  return { net, search };
}

test('method table: DARTS bilevel 1st/2nd order, GAEA bilevel and ERM', () => {
  assert.deepEqual(methodSpec('darts-1'), { optimizer: 'darts', objective: 'bilevel', order: 1 });
  assert.deepEqual(methodSpec('darts-2'), { optimizer: 'darts', objective: 'bilevel', order: 2 });
  assert.deepEqual(methodSpec('gaea-bilevel'), {
    optimizer: 'gaea',
    objective: 'bilevel',
    order: 1,
  });
  assert.deepEqual(methodSpec('gaea-erm'), { optimizer: 'gaea', objective: 'erm', order: 1 });
  assert.throws(() => methodSpec('darts-3' as DifferentiableMethod), /darts-3/);
  assert.equal(NB201_SEARCH_HYPER.gaeaEta, 0.1);
  assert.equal(NB201_SEARCH_HYPER.clipNorm, 5);
});

test('every method steps without leaking tensors and resumes exactly from its state', () => {
  const batches = [1, 2, 3, 4].map((s) => ({ train: batch(s), val: batch(s + 10) }));
  for (const method of DIFFERENTIABLE_METHODS) {
    const a = newSearch(method);
    a.search.trainStep(batches[0]);
    const before = tf.memory().numTensors;
    a.search.trainStep(batches[1]);
    assert.equal(tf.memory().numTensors, before, `${method}: tensors leaked in a step`);
    const state = JSON.parse(JSON.stringify(a.search.state()));
    const saved = new Map(
      a.search.tensors().map((t) => [t.name, { shape: t.shape, data: t.data.slice() }]),
    );
    const r1 = a.search.trainStep(batches[2]);
    const r2 = a.search.trainStep(batches[3]);
    const snapA = a.search.snapshot();

    const b = newSearch(method);
    b.search.restore(state, saved);
    const q1 = b.search.trainStep(batches[2]);
    const q2 = b.search.trainStep(batches[3]);
    assert.deepEqual([q1, q2], [r1, r2], `${method}: resumed steps differ`);
    assert.deepEqual(b.search.snapshot(), snapA, `${method}: resumed architecture differs`);
    assert.equal(b.search.steps, 4);

    const w = snapA.weights;
    w.forEach((row) => {
      assert.ok(Math.abs(row.reduce((s, v) => s + v, 0) - 1) < 1e-12);
      row.forEach((v) => assert.ok(v >= 0));
    });
    // the architecture moved away from its start
    assert.ok(snapA.entropy < Math.log(5) - 1e-9, `${method}: entropy ${snapA.entropy}`);
    for (const s of [a, b]) {
      s.search.dispose();
      s.net.dispose();
    }
  }
  for (const bt of batches) tf.dispose([bt.train.x, bt.train.y, bt.val.x, bt.val.y]);
});

test('bilevel methods demand a validation batch', () => {
  const { net, search } = newSearch('darts-1');
  const b = batch(5);
  assert.throws(() => search.trainStep({ train: b }), /validation batch/);
  tf.dispose([b.x, b.y]);
  search.dispose();
  net.dispose();
});
