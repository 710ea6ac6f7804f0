import * as tf from '@tensorflow/tfjs';
import { RELU_GRAD } from './kernels/names';

let registered = false;

/**
 * dy * (x > 0) (NaN where x is NaN), one fused kernel where the backend has it (native), else
 * the stock ops. `x` may be relu's input or its output: the mask is the same.
 */
export function reluGrad(dy: tf.Tensor, x: tf.Tensor): tf.Tensor {
  if (x.dtype === 'float32' && dy.dtype === 'float32' && tf.getKernel(RELU_GRAD, tf.getBackend())) {
    return tf.engine().runKernel(RELU_GRAD, { dy, x }, {}) as tf.Tensor;
  }
  return tf.mul(dy, tf.step(tf.cast(x, 'float32')));
}

type Pair = [number, number];

function pair(v: unknown, fallback: number): Pair {
  if (v == null) return [fallback, fallback];
  if (typeof v === 'number') return [v, v];
  const a = v as number[];
  return [a[0], a[1]];
}

/** Backends whose depthwise gradient kernels handle dilation (ours, or TensorFlow's). */
function dilatedDepthwiseSupported(): boolean {
  const b = tf.getBackend();
  return b === 'tensorflow' || DILATION_AWARE_BACKENDS.has(b);
}

/** Filled by the engine loaders that register our depthwise gradient kernels. */
export const DILATION_AWARE_BACKENDS = new Set<string>();

/**
 * Replaces tfjs's Relu gradient (Step + Multiply) by `reluGrad` (same values on every backend,
 * one kernel instead of two on native) and lets depthwise convolutions with dilation be
 * differentiated. Gradients are global in tfjs, so this is done once.
 *
 * The Relu gradient keeps the output y = relu(x) for the backward pass instead of the input x
 * (as PyTorch does): y > 0 exactly where x > 0, and y is NaN exactly where x is, so dy * (y > 0)
 * is dy * (x > 0) bit for bit. The output is what a following convolution keeps anyway, while
 * the input (a cell's node, an edge's sum) would otherwise stay alive only for this mask.
 */
export function registerFastGradients(): void {
  if (registered) return;
  registered = true;
  tf.registerGradient({
    kernelName: 'Relu',
    outputsToSave: [true],
    gradFunc: (dy, saved) => {
      const [y] = saved;
      return { x: () => reluGrad(dy as tf.Tensor, y) };
    },
  });
  // tfjs refuses the gradient of a dilated depthwise convolution (DARTS's dil_conv); our
  // kernels compute it (tested against finite differences), so allow it where they run.
  tf.registerGradient({
    kernelName: 'DepthwiseConv2dNative',
    inputsToSave: ['x', 'filter'],
    gradFunc: (dy, saved, attrs) => {
      const [x, filter] = saved;
      const dilations = pair(attrs.dilations, 1);
      const strides = pair(attrs.strides, 1);
      if ((dilations[0] > 1 || dilations[1] > 1) && !dilatedDepthwiseSupported()) {
        throw new Error(
          `gradient of a depthwise convolution with dilations [${dilations}] is not supported ` +
            `on the '${tf.getBackend()}' engine; use native, wasm or cpu`,
        );
      }
      if ((dilations[0] > 1 || dilations[1] > 1) && (strides[0] > 1 || strides[1] > 1)) {
        throw new Error('depthwise convolution gradient: strides and dilations cannot both be > 1');
      }
      const common = { strides, pad: attrs.pad, dimRoundingMode: attrs.dimRoundingMode, dilations };
      return {
        x: () =>
          tf
            .engine()
            .runKernel(
              'DepthwiseConv2dNativeBackpropInput',
              { dy: dy as tf.Tensor, filter },
              { ...common, inputShape: x.shape },
            ) as tf.Tensor,
        filter: () =>
          tf
            .engine()
            .runKernel(
              'DepthwiseConv2dNativeBackpropFilter',
              { x, dy: dy as tf.Tensor },
              { ...common, filterShape: filter.shape },
            ) as tf.Tensor,
      };
    },
  });
}
