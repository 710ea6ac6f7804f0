// UnsortedSegmentSum on wasm (tfjs has none there): the gradient of gather, which the DARTS-PTB
// language model's embedding lookups need.
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { initEngine } from '../../src/engine';
import { segmentSumInto } from '../../src/engine/kernels/segment-sum';
import { onBackend, randomArray } from './helpers';

before(async () => {
  await initEngine('wasm');
});

test('segmentSumInto: hand-worked case, out-of-range ids dropped', () => {
  const x = Float32Array.from([1, 2, 3, 4, 5, 6, 7, 8]); // 4 rows of 2
  const out = new Float32Array(3 * 2).fill(99);
  segmentSumInto(x, Int32Array.from([2, 0, 2, -1]), 2, out);
  assert.deepEqual(Array.from(out), [3, 4, 0, 0, 1 + 5, 2 + 6]);
});

test('wasm UnsortedSegmentSum and the gradient of gather equal the tfjs cpu kernels', async () => {
  const values = randomArray(7 * 3 * 2, 5);
  const ids = [4, 0, 4, 1, 5, 0, 2];
  const table = randomArray(6 * 3, 6);
  const weights = randomArray(7 * 3, 7);
  const run = () => {
    const sums = tf.unsortedSegmentSum(
      tf.tensor3d(values, [7, 3, 2]),
      tf.tensor1d(ids, 'int32'),
      6,
    );
    // d/dtable of sum(gather(table, ids) * w): the embedding gradient.
    const g = tf.grad((t: tf.Tensor) =>
      tf.sum(tf.mul(tf.gather(t, tf.tensor1d(ids, 'int32')), tf.tensor2d(weights, [7, 3]))),
    )(tf.tensor2d(table, [6, 3]));
    return [sums, g];
  };
  const ours = await onBackend('wasm', run);
  const reference = await onBackend('cpu', run);
  for (let i = 0; i < 2; i++) {
    assert.deepEqual(ours[i].length, reference[i].length);
    ours[i].forEach((v, j) => assert.ok(Math.abs(v - reference[i][j]) < 1e-5, `output ${i}[${j}]`));
  }
  // Row 3 of the table is never gathered: its gradient is zero.
  assert.deepEqual(Array.from(ours[1].subarray(9, 12)), [0, 0, 0]);
});
