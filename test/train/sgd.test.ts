import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { initEngine } from '../../src/engine';
import { Sgd, cosineLr } from '../../src/train';

/**
 * Hand-written PyTorch semantics in float64: clip_grad_norm_ over all grads, then SGD with L2
 * weight decay, momentum (buffer starts as the first gradient) and Nesterov.
 */
function reference(
  w: number[][],
  gradsPerStep: (number[] | null)[][],
  lrs: number[],
  o: { momentum: number; nesterov: boolean; weightDecay: number; clipNorm: number },
): number[][] {
  const bufs: (number[] | null)[] = w.map(() => null);
  gradsPerStep.forEach((grads, t) => {
    const present = grads.map((g, i) => (g ? i : -1)).filter((i) => i >= 0);
    const norm = Math.sqrt(
      present.reduce((s, i) => s + grads[i]!.reduce((a, v) => a + v * v, 0), 0),
    );
    const coef = o.clipNorm > 0 ? Math.min(1, o.clipNorm / (norm + 1e-6)) : 1;
    for (const i of present) {
      const d = grads[i]!.map((g, j) => g * coef + o.weightDecay * w[i][j]);
      const buf = bufs[i] ? bufs[i]!.map((b, j) => o.momentum * b + d[j]) : d.slice();
      bufs[i] = buf;
      const step = o.nesterov ? d.map((v, j) => v + o.momentum * buf[j]) : buf;
      w[i] = w[i].map((v, j) => v - lrs[t] * step[j]);
    }
  });
  return w;
}

async function checkOnEngine(engine: 'cpu' | 'native') {
  await initEngine(engine);
  const w0 = [
    [0.5, -1.5, 2.0],
    [3.0, 0.25],
  ];
  const steps: (number[] | null)[][] = [
    [
      [1, 2, 3],
      [4, -1],
    ],
    [[0.1, -0.2, 0.3], null], // second variable off the sampled path
    [
      [-2, 5, 1],
      [0.5, 0.5],
    ],
    [null, [10, -10]],
  ];
  const lrs = [0.1, 0.08, 0.05, 0.01];
  for (const o of [
    { momentum: 0.9, nesterov: true, weightDecay: 5e-4, clipNorm: 5 },
    { momentum: 0.9, nesterov: false, weightDecay: 0.01, clipNorm: 0 },
    { momentum: 0, nesterov: false, weightDecay: 0, clipNorm: 1 },
  ]) {
    const vars = new Map<string, tf.Variable>([
      ['a', tf.variable(tf.tensor1d(w0[0]))],
      ['b', tf.variable(tf.tensor1d(w0[1]))],
    ]);
    const sgd = new Sgd(o);
    steps.forEach((grads, t) => {
      const g = new Map<string, tf.Tensor | null>([
        ['a', grads[0] ? tf.tensor1d(grads[0]) : null],
        ['b', grads[1] ? tf.tensor1d(grads[1]) : null],
      ]);
      const { gradNorm } = sgd.step(vars, g, lrs[t]);
      tf.dispose([gradNorm, ...[...g.values()].filter((x): x is tf.Tensor => x !== null)]);
    });
    const want = reference(
      w0.map((r) => r.slice()),
      steps,
      lrs,
      o,
    );
    const got = [vars.get('a')!.dataSync(), vars.get('b')!.dataSync()];
    want.forEach((row, i) =>
      row.forEach((v, j) =>
        assert.ok(
          Math.abs(got[i][j] - v) < 1e-5 * (1 + Math.abs(v)),
          `${engine} ${JSON.stringify(o)} w[${i}][${j}]: ${got[i][j]} vs ${v}`,
        ),
      ),
    );
    sgd.dispose();
    vars.forEach((v) => v.dispose());
  }
}

test('SGD (clip by global norm, weight decay, Nesterov momentum) matches PyTorch semantics', async () => {
  await checkOnEngine('cpu');
});

test('the native engine fused SGD update matches the same semantics', async (t) => {
  try {
    await checkOnEngine('native');
  } catch (err) {
    if (/engine 'native' is not available/.test(String(err))) t.skip('native engine not built');
    else throw err;
  } finally {
    await initEngine('cpu');
  }
});

test('cosine schedule: textbook values', () => {
  const s = { baseLr: 0.1, totalSteps: 100 };
  assert.equal(cosineLr(s, 0), 0.1);
  assert.ok(Math.abs(cosineLr(s, 50) - 0.05) < 1e-12);
  assert.ok(Math.abs(cosineLr(s, 25) - 0.05 * (1 + Math.SQRT1_2)) < 1e-12);
  assert.ok(cosineLr(s, 99) > 0 && cosineLr(s, 99) < 1e-4);
  assert.ok(Math.abs(cosineLr({ ...s, minLr: 0.01 }, 50) - 0.055) < 1e-12);
});

test('momentum buffers leave no tensor behind once disposed (initBuffers, loadState)', async () => {
  await initEngine('cpu');
  const vars = new Map<string, tf.Variable>([
    ['a', tf.variable(tf.tensor1d([1, 2, 3]))],
    ['b', tf.variable(tf.tensor2d([[4, 5]]))],
  ]);
  const before = tf.memory().numTensors;
  const sgd = new Sgd({ momentum: 0.9, nesterov: true, weightDecay: 0, clipNorm: 0 });
  sgd.initBuffers(vars);
  assert.equal(tf.memory().numTensors, before + 2, 'one tensor per momentum buffer');
  const state = new Map([...sgd.state()].map(([k, v]) => [k, tf.mul(v, 2)]));
  sgd.loadState(state);
  tf.dispose([...state.values()]);
  assert.equal(tf.memory().numTensors, before + 2);
  sgd.dispose();
  assert.equal(tf.memory().numTensors, before);
  for (const v of vars.values()) v.dispose();
});
