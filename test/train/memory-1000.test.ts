// Issue 4 asks for no memory growth over 1000 training steps: tf.memory() tensors and bytes
// must be flat. This runs 1000 real SPOS steps (uniformly sampled cells, SGD with Nesterov
// momentum, weight decay, clipping) of a small NB-201 supernet on the fastest engine here.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { initEngine } from '../../src/engine';
import { Rng } from '../../src/engine/random';
import { sampleNb201 } from '../../src/spaces/nb201/sample';
import { createSupernet } from '../../src/supernet/network';
import { Sgd } from '../../src/core/sgd';
import { trainStep } from '../../src/train/step';

test('1000 SPOS steps: tf.memory() tensors and bytes stay flat', async () => {
  const engine = await initEngine('auto');
  const net = createSupernet(
    { channels: 4, cellsPerStage: 1, inputChannels: 1, classes: 3 },
    { seed: 0 },
  );
  const sgd = new Sgd({ momentum: 0.9, nesterov: true, weightDecay: 5e-4, clipNorm: 5 });
  sgd.initBuffers(net.variables.trainable);
  const rng = new Rng('memory-1000');
  const batch = 8;
  const images = new Float32Array(batch * 8 * 8);
  const labels = new Int32Array(batch);
  let after10: tf.MemoryInfo | null = null;
  const losses: number[] = [];
  try {
    for (let step = 1; step <= 1000; step++) {
      for (let i = 0; i < batch; i++) {
        labels[i] = rng.int(3);
        for (let p = 0; p < 64; p++) images[i * 64 + p] = rng.normal() + labels[i] - 1;
      }
      const r = trainStep(net, sampleNb201(rng), images, labels, [batch, 8, 8, 1], sgd, 0.05);
      losses.push(r.loss);
      // Every op's momentum buffer exists after enough steps; from then on nothing may grow.
      if (step === 10) after10 = tf.memory();
    }
    const end = tf.memory();
    assert.equal(end.numTensors, after10!.numTensors, `${engine.name}: tensor count grew`);
    assert.equal(end.numBytes, after10!.numBytes, `${engine.name}: bytes grew`);
    assert.ok(losses.every(Number.isFinite));
    const first = losses.slice(0, 50).reduce((a, b) => a + b) / 50;
    const last = losses.slice(-50).reduce((a, b) => a + b) / 50;
    assert.ok(last < first, `training learns the brightness signal: ${first} -> ${last}`);
  } finally {
    sgd.dispose();
    net.dispose();
  }
});
