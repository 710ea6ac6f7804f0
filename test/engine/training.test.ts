import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import {
  batchNorm2dTrain,
  blendRunningStats,
  EngineUnavailableError,
  engineInfo,
  initEngine,
} from '../../src/engine';
import { kernelEngines, randomArray } from './helpers';

/** A tiny conv net using every replaced kernel: conv (stride 1, 2), BN, avg pool, dense. */
function tinyNet() {
  const v = (shape: number[], seed: number, scale: number) =>
    tf.variable(
      tf.tensor(
        randomArray(
          shape.reduce((a, b) => a * b),
          seed,
          -scale,
          scale,
        ),
        shape,
      ),
    );
  const params = {
    w1: v([3, 3, 3, 8], 1, 0.3),
    g1: tf.variable(tf.ones([8])),
    b1: tf.variable(tf.zeros([8])),
    w2: v([3, 3, 8, 8], 2, 0.2),
    wd: v([8, 4], 3, 0.3),
  };
  const runningMean = tf.variable(tf.zeros([8]), false);
  const runningVar = tf.variable(tf.ones([8]), false);
  const forward = (x: tf.Tensor4D) => {
    const c1 = tf.conv2d(x, params.w1 as tf.Tensor4D, 1, 'same');
    const bn = batchNorm2dTrain(c1, params.g1 as tf.Tensor1D, params.b1 as tf.Tensor1D);
    blendRunningStats(runningMean, runningVar, bn.mean, bn.variance, c1.size / 8, 0.1);
    const p = tf.avgPool(tf.relu(bn.y), 3, 1, 'same');
    const c2 = tf.relu(tf.conv2d(p, params.w2 as tf.Tensor4D, 2, 'same'));
    return tf.matMul(tf.mean(c2, [1, 2]) as tf.Tensor2D, params.wd as tf.Tensor2D);
  };
  return { params, forward, runningMean, runningVar };
}

for (const engine of kernelEngines()) {
  describe(`training on ${engine}`, () => {
    test('loss falls and tf.memory() stays flat over 40 SGD steps', async () => {
      await initEngine(engine);
      const net = tinyNet();
      const x = tf.tensor4d(randomArray(4 * 8 * 8 * 3, 7), [4, 8, 8, 3]);
      const y = tf.oneHot(tf.tensor1d([0, 1, 2, 3], 'int32'), 4);
      const opt = tf.train.momentum(0.1, 0.9);
      const losses: number[] = [];
      let memAt5: tf.MemoryInfo | null = null;
      for (let step = 0; step < 40; step++) {
        const loss = opt.minimize(
          () => tf.losses.softmaxCrossEntropy(y, net.forward(x)) as tf.Scalar,
          true,
        );
        losses.push(loss!.dataSync()[0]);
        loss!.dispose();
        if (step === 5) memAt5 = tf.memory();
      }
      const memEnd = tf.memory();
      assert.equal(memEnd.numTensors, memAt5!.numTensors, 'tensor count grew');
      assert.equal(memEnd.numBytes, memAt5!.numBytes, 'bytes grew');
      assert.ok(losses[39] < 0.5 * losses[0], `loss ${losses[0]} -> ${losses[39]}`);
      assert.ok(losses.every(Number.isFinite));
      tf.dispose([x, y, net.runningMean, net.runningVar, ...Object.values(net.params)]);
      opt.dispose();
    });
  });
}

describe('engine selection', () => {
  test('an unknown engine name is rejected with the name quoted', async () => {
    await assert.rejects(initEngine('gpu9000' as 'cpu'), /"gpu9000".*auto, native, wasm/);
  });

  test('tensorflow (tfjs-node) is optional and explains how to get it', async () => {
    let installed = true;
    try {
      require.resolve('@tensorflow/tfjs-node');
    } catch {
      installed = false;
    }
    if (installed) return;
    await assert.rejects(initEngine('tensorflow'), (err: unknown) => {
      assert.ok(err instanceof EngineUnavailableError);
      assert.match(err.message, /tensorflow.*npm install @tensorflow\/tfjs-node/);
      return true;
    });
  });

  test('initEngine is idempotent and auto keeps the current engine', async () => {
    const a = await initEngine('cpu');
    const b = await initEngine('auto');
    assert.equal(b, a);
    assert.equal(engineInfo(), a);
    assert.equal(tf.getBackend(), 'cpu');
    const w = await initEngine('wasm');
    assert.equal(w.name, 'wasm');
    assert.equal(tf.getBackend(), 'wasm');
    assert.ok(w.kernels.includes('Conv2DBackpropFilter'));
  });
});
