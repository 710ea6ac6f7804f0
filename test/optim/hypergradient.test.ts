import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import {
  architectureGradient,
  DartsArchOptimizer,
  GaeaArchOptimizer,
  secondOrderArchGradient,
  softmaxMixing,
} from '../../src/optim';
import {
  lcg,
  numericGradient,
  softmax64,
  tinyBatch,
  tinyLoss64,
  tinyModel,
  toTensors,
  TINY_EDGES,
  TINY_OPS,
  TINY_WEIGHT_COUNT,
  type TinyBatch,
} from './tiny-model';

tf.setBackend('cpu');

const r = lcg(7);
const W0 = Array.from({ length: TINY_WEIGHT_COUNT }, () => 0.9 * r());
const ALPHA = Array.from({ length: TINY_EDGES }, () => Array.from({ length: TINY_OPS }, () => r()));
const TRAIN = tinyBatch(11, 24);
const VAL = tinyBatch(12, 24);

const flat = (m: number[][]) => m.flat();
const unflat = (v: number[]) =>
  Array.from({ length: TINY_EDGES }, (_, e) => v.slice(e * TINY_OPS, (e + 1) * TINY_OPS));

/** Oracle: d/d alpha of L_val(w - xi (grad_w L_train(w, a) + wd w), a), all in float64 by finite differences. */
function unrolledObjectiveGradient(xi: number, wd: number): number[] {
  const F = (alphaFlat: number[]) => {
    const mix = unflat(alphaFlat).map(softmax64);
    const gw = numericGradient((w) => tinyLoss64(w, mix, TRAIN), W0, 1e-6);
    const w1 = W0.map((w, i) => w - xi * (gw[i] + wd * w));
    return tinyLoss64(w1, mix, VAL);
  };
  return numericGradient(F, flat(ALPHA), 1e-4);
}

function maxAbsDiff(a: number[], b: number[]): number {
  return Math.max(...a.map((v, i) => Math.abs(v - b[i])));
}

function withModel<T>(
  fn: (
    m: ReturnType<typeof tinyModel>,
    t: ReturnType<typeof toTensors>,
    v: ReturnType<typeof toTensors>,
  ) => T,
): T {
  const model = tinyModel(W0);
  const t = toTensors(TRAIN);
  const v = toTensors(VAL);
  try {
    return fn(model, t, v);
  } finally {
    model.dispose();
    tf.dispose([t.x, t.y, v.x, v.y]);
  }
}

test('oracle sanity: the float64 tiny network matches its tfjs twin', () => {
  withModel((model, t) => {
    const mix = ALPHA.map(softmax64);
    const l = model.loss(tf.tensor2d(mix), t);
    const got = l.dataSync()[0];
    l.dispose();
    const want = tinyLoss64(W0, mix, TRAIN as TinyBatch);
    assert.ok(Math.abs(got - want) < 1e-5 * Math.max(1, want), `${got} vs ${want}`);
  });
});

test('second-order DARTS hypergradient matches finite differences of the unrolled objective', () => {
  for (const [xi, wd] of [
    [0.5, 0],
    [0.3, 0.05],
  ]) {
    const oracle = unrolledObjectiveGradient(xi, wd);
    const before = tf.memory().numTensors;
    const { got, firstOrder, weightsAfter } = withModel((model, t, v) => {
      const g = secondOrderArchGradient(model, ALPHA, softmaxMixing, t, v, { xi, weightDecay: wd });
      const g1 = architectureGradient(model, new DartsArchOptimizer(ALPHA), {
        objective: 'bilevel',
        order: 1,
        trainBatch: t,
        valBatch: v,
      });
      const ws = model.weights.map((w) => Array.from(w.dataSync())).flat();
      return { got: flat(g.grad), firstOrder: flat(g1.grad), weightsAfter: ws };
    });
    assert.equal(tf.memory().numTensors, before, 'no tensors leaked');
    const err = maxAbsDiff(got, oracle);
    const secondOrderTerm = maxAbsDiff(firstOrder, oracle);
    const scale = Math.max(...oracle.map(Math.abs));
    // the unrolled term matters here (so the check is discriminating) ...
    assert.ok(secondOrderTerm > 0.05 * scale, `second-order term too small: ${secondOrderTerm}`);
    // ... and the finite-difference Hessian-vector product reproduces it
    assert.ok(err < 2e-3 * scale + 1e-5, `xi=${xi} wd=${wd}: max error ${err} (scale ${scale})`);
    assert.ok(err < secondOrderTerm / 20, `error ${err} vs second-order term ${secondOrderTerm}`);
    // the model's weights are restored after the unrolled and perturbed evaluations
    assert.ok(maxAbsDiff(weightsAfter, W0) < 1e-6, 'weights restored');
  }
});

test('first-order DARTS alpha-gradient equals the validation-loss gradient', () => {
  const oracle = numericGradient(
    (a) => tinyLoss64(W0, unflat(a).map(softmax64), VAL),
    flat(ALPHA),
    1e-5,
  );
  const got = withModel((model, t, v) =>
    architectureGradient(model, new DartsArchOptimizer(ALPHA), {
      objective: 'bilevel',
      order: 1,
      trainBatch: t,
      valBatch: v,
    }),
  );
  const scale = Math.max(...oracle.map(Math.abs));
  assert.ok(maxAbsDiff(flat(got.grad), oracle) < 1e-4 * scale + 1e-6);
  const valLoss = tinyLoss64(W0, ALPHA.map(softmax64), VAL);
  assert.ok(Math.abs(got.loss - valLoss) < 1e-5 * valLoss);
});

test('GAEA gradients are taken w.r.t. theta: bilevel on validation, ERM on the training batch', () => {
  const theta = ALPHA.map(softmax64);
  for (const [objective, batch] of [
    ['bilevel', VAL],
    ['erm', TRAIN],
  ] as const) {
    const oracle = numericGradient((th) => tinyLoss64(W0, unflat(th), batch), flat(theta), 1e-5);
    const got = withModel((model, t, v) =>
      architectureGradient(model, new GaeaArchOptimizer(theta), {
        objective,
        order: 1,
        trainBatch: t,
        valBatch: v,
      }),
    );
    const scale = Math.max(...oracle.map(Math.abs));
    assert.ok(maxAbsDiff(flat(got.grad), oracle) < 1e-4 * scale + 1e-6, objective);
  }
});

test('architecture step input errors are explicit', () => {
  withModel((model, t) => {
    const opt = new DartsArchOptimizer(ALPHA);
    assert.throws(
      () => architectureGradient(model, opt, { objective: 'bilevel', order: 1, trainBatch: t }),
      /valBatch/,
    );
    assert.throws(
      () => architectureGradient(model, opt, { objective: 'erm', order: 2, trainBatch: t }),
      /second-order/,
    );
  });
});
