import * as tf from '@tensorflow/tfjs';
import { RELU_GRAD } from './kernels/names';

let registered = false;

/** dy * (x > 0), one fused kernel where the backend has it (native), else the stock ops. */
export function reluGrad(dy: tf.Tensor, x: tf.Tensor): tf.Tensor {
  if (x.dtype === 'float32' && dy.dtype === 'float32' && tf.getKernel(RELU_GRAD, tf.getBackend())) {
    return tf.engine().runKernel(RELU_GRAD, { dy, x }, {}) as tf.Tensor;
  }
  return tf.mul(dy, tf.step(tf.cast(x, 'float32')));
}

/**
 * Replaces tfjs's Relu gradient (Step + Multiply) by `reluGrad`: same values on every backend,
 * one kernel instead of two on native. Gradients are global in tfjs, so this is done once.
 */
export function registerFastGradients(): void {
  if (registered) return;
  registered = true;
  tf.registerGradient({
    kernelName: 'Relu',
    inputsToSave: ['x'],
    gradFunc: (dy, saved) => {
      const [x] = saved;
      return { x: () => reluGrad(dy as tf.Tensor, x) };
    },
  });
}
