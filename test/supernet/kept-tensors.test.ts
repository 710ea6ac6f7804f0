// What a training step keeps for its backward pass (issue 14, peak memory): ops.addAll keeps no
// term (tfjs's Add and AddN keep both inputs only to read shapes), and ReLU keeps its output
// rather than its input; values and gradients stay bit for bit those of the stock ops.
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { initEngine, withTfjsBackprop } from '../../src/engine';
import { Rng } from '../../src/engine/random';
import { addAll } from '../../src/supernet/ops';

before(async () => {
  await initEngine(); // SUPERNET_LAB_ENGINE picks another engine
});

interface TapeNode {
  kernelName: string;
  outputs: tf.Tensor[];
  saved?: tf.Tensor[];
}

/** The tape nodes recorded while `f` runs under a gradient. */
function tapeOf(f: (...x: tf.Tensor[]) => tf.Tensor, xs: tf.Tensor[]): TapeNode[] {
  let nodes: TapeNode[] = [];
  const { value, grads } = tf.valueAndGrads((...args: tf.Tensor[]) => {
    const y = f(...args);
    nodes = [
      ...((tf.engine() as unknown as { state: { activeTape: TapeNode[] } }).state.activeTape ?? []),
    ];
    return y;
  })(xs);
  tf.dispose([value, ...grads]);
  return nodes;
}

function bits(t: tf.Tensor): Uint32Array {
  return new Uint32Array(Float32Array.from(t.dataSync()).buffer);
}

const rng = new Rng('kept-tensors');
const normal = (shape: number[]) =>
  tf.tensor(rng.fillNormal(new Float32Array(shape.reduce((a, b) => a * b, 1))), shape);

test('addAll: the sums and gradients of tf.add / tf.addN bit for bit, with a term used twice', () => {
  const [a, b, c] = [normal([2, 3, 3, 4]), normal([2, 3, 3, 4]), normal([2, 3, 3, 4])];
  const dy = normal([2, 3, 3, 4]);
  const cases: [
    string,
    tf.Tensor[],
    (x: tf.Tensor[]) => tf.Tensor[],
    (x: tf.Tensor[]) => tf.Tensor,
  ][] = [
    ['two terms', [a, b], (x) => [x[0], x[1]], (x) => tf.add(x[0], x[1])],
    ['three terms', [a, b, c], (x) => [x[0], x[1], x[2]], (x) => tf.addN([x[0], x[1], x[2]])],
    ['a term twice', [a, b], (x) => [x[0], x[0], x[1]], (x) => tf.addN([x[0], x[0], x[1]])],
    ['the same term twice', [a], (x) => [x[0], x[0]], (x) => tf.add(x[0], x[0])],
  ];
  for (const [name, inputs, terms, stock] of cases) {
    const ours = tf.grads((...x: tf.Tensor[]) => addAll(terms(x) as tf.Tensor4D[]));
    const theirs = tf.grads((...x: tf.Tensor[]) => stock(x));
    for (const run of [(f: () => tf.Tensor[]) => f(), withTfjsBackprop]) {
      const g1 = run(() => ours(inputs, dy));
      const g2 = run(() => theirs(inputs, dy));
      g1.forEach((g, i) => assert.deepEqual(bits(g), bits(g2[i]), `${name}: gradient ${i}`));
      tf.dispose([...g1, ...g2]);
    }
    const s1 = addAll(terms([a, b, c]) as tf.Tensor4D[]);
    const s2 = stock([a, b, c]);
    assert.deepEqual(bits(s1), bits(s2), `${name}: sum`);
    tf.dispose([s1, s2]);
  }
  // Terms of different shapes broadcast as tfjs's Add does (a reduction block on tiny images).
  const one = normal([1, 1, 1, 1]);
  const broadcast = addAll([a as tf.Tensor4D, one as tf.Tensor4D]);
  const stockBroadcast = tf.add(a, one);
  assert.deepEqual(bits(broadcast), bits(stockBroadcast), 'broadcast sum');
  tf.dispose([one, broadcast, stockBroadcast]);
  tf.dispose([a, b, c, dy]);
});

test('addAll keeps no term for the backward pass (tf.add and tf.addN keep them all)', () => {
  const [a, b, c] = [normal([2, 4, 4, 3]), normal([2, 4, 4, 3]), normal([2, 4, 4, 3])];
  for (const n of [2, 3]) {
    let sumId = -1;
    const nodes = tapeOf(
      (...x: tf.Tensor[]) => {
        const s = addAll(x as tf.Tensor4D[]);
        sumId = s.id;
        return tf.sum(s);
      },
      [a, b, c].slice(0, n),
    );
    const producer = nodes.find((node) => node.outputs.some((o) => o.id === sumId));
    assert.ok(producer, `${n} terms: the sum is on the tape`);
    assert.equal(producer.saved?.length ?? 0, 0, `${n} terms: tensors kept by the sum`);
  }
  // The oracle: tfjs's own ops keep their inputs.
  let stockId = -1;
  const stock = tapeOf(
    (p, q) => {
      const s = tf.add(p, q);
      stockId = s.id;
      return tf.sum(s);
    },
    [a, b],
  ).find((node) => node.outputs.some((o) => o.id === stockId));
  assert.equal(stock?.saved?.length, 2);
  tf.dispose([a, b, c]);
});

test('ReLU keeps its output, and its gradient is dy * (x > 0) bit for bit (NaN, -0, 0)', () => {
  const xs = [-2, -0, 0, 1e-30, 0.5, NaN, 3, -1e-30, Infinity, -Infinity];
  const x = tf.tensor1d(xs);
  const dy = tf.tensor1d(xs.map((_, i) => (i % 2 ? -1.5 : 0.25) * (i + 1)));
  const dx = tf.grad((t) => tf.relu(t))(x, dy);
  const dyv = dy.dataSync();
  // dy times the mask (so -0 where dy < 0 is masked), NaN where x is NaN.
  const want = Float32Array.from(xs, (v, i) => dyv[i] * (Number.isNaN(v) ? NaN : v > 0 ? 1 : 0));
  assert.deepEqual(bits(dx), new Uint32Array(want.buffer));
  // What the Relu node keeps, read while the tape is alive: the output's values (x has -2).
  let kept: Uint32Array[] = [];
  let out: Uint32Array = new Uint32Array(0);
  tapeOf(
    (t) => {
      const y = tf.relu(t);
      out = bits(y);
      const tape = (tf.engine() as unknown as { state: { activeTape: TapeNode[] } }).state
        .activeTape;
      const node = tape.find((n) => n.kernelName === 'Relu' && n.outputs[0].id === y.id);
      kept = (node?.saved ?? []).map(bits);
      return tf.sum(y);
    },
    [x],
  );
  assert.equal(kept.length, 1);
  assert.deepEqual(kept[0], out, 'the saved tensor is the output');
  tf.dispose([x, dy, dx]);
});
