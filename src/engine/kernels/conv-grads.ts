import * as tf from '@tensorflow/tfjs';
import type { KernelConfig, KernelFunc, NamedAttrMap, TensorInfo } from '@tensorflow/tfjs';
import { callKernel, convInfo, release } from './util';

function convInfoOf(
  xShape: number[],
  filterShape: number[],
  attrs: NamedAttrMap,
): tf.backend_util.Conv2DInfo {
  const info = convInfo(xShape, filterShape, attrs);
  if (!info) {
    throw new Error(`supernet-lab conv gradient kernels need NHWC data, got ${attrs.dataFormat}`);
  }
  return info;
}

/**
 * Conv2DBackpropFilter as one forward convolution: the input transposed to [Ci, H, W, N] is
 * convolved with dy transposed to [Ho, Wo, N, Co] used as a filter dilated by the stride; the
 * result [Ci, kh, kw, Co] is transposed to the filter layout [kh, kw, Ci, Co].
 */
export function conv2dBackpropFilterViaConv(backendName: string): KernelFunc {
  return ({ inputs, backend, attrs }) => {
    const x = inputs.x as TensorInfo;
    const dy = inputs.dy as TensorInfo;
    const filterShape = (attrs as NamedAttrMap).filterShape as number[];
    const info = convInfoOf(x.shape, filterShape, attrs as NamedAttrMap);
    const [, H, W, Ci] = x.shape;
    const { filterHeight: kh, filterWidth: kw, outHeight: Ho, outWidth: Wo } = info;
    const { strideHeight: sh, strideWidth: sw } = info;
    const Co = info.outChannels;
    const pt = info.padInfo.top;
    const pl = info.padInfo.left;
    const pb = Math.max(0, kh + (Ho - 1) * sh - H - pt);
    const pr = Math.max(0, kw + (Wo - 1) * sw - W - pl);
    const run = (name: string, ins: Record<string, TensorInfo>, at: NamedAttrMap) =>
      callKernel(backendName, backend, name, ins, at);

    const xt = run('Transpose', { x }, { perm: [3, 1, 2, 0] });
    const dyt = run('Transpose', { x: dy }, { perm: [1, 2, 0, 3] });
    const conv = run(
      'Conv2D',
      { x: xt, filter: dyt },
      {
        strides: [1, 1],
        pad: [
          [0, 0],
          [pt, pb],
          [pl, pr],
          [0, 0],
        ],
        dataFormat: 'NHWC',
        dilations: [sh, sw],
      },
    );
    release(backend, xt, dyt);
    let cropped = conv;
    if (conv.shape[1] !== kh || conv.shape[2] !== kw) {
      cropped = run('Slice', { x: conv }, { begin: [0, 0, 0, 0], size: [Ci, kh, kw, Co] });
      release(backend, conv);
    }
    const out = run('Transpose', { x: cropped }, { perm: [1, 2, 0, 3] });
    release(backend, cropped);
    return out;
  };
}

/**
 * Conv2DBackpropInput as one forward convolution: dy (with stride - 1 zeros inserted between
 * its rows and columns when strided) convolved with the spatially flipped filter whose channel
 * axes are swapped.
 */
export function conv2dBackpropInputViaConv(backendName: string): KernelFunc {
  return ({ inputs, backend, attrs }) => {
    const dy = inputs.dy as TensorInfo;
    const filter = inputs.filter as TensorInfo;
    const inputShape = (attrs as NamedAttrMap).inputShape as number[];
    const info = convInfoOf(inputShape, filter.shape, attrs as NamedAttrMap);
    const [N, H, W, Ci] = inputShape;
    const { filterHeight: kh, filterWidth: kw, outHeight: Ho, outWidth: Wo } = info;
    const { strideHeight: sh, strideWidth: sw } = info;
    const Co = info.outChannels;
    const run = (name: string, ins: Record<string, TensorInfo>, at: NamedAttrMap) =>
      callKernel(backendName, backend, name, ins, at);

    const flipped = run('Reverse', { x: filter }, { dims: [0, 1] });
    const wt = run('Transpose', { x: flipped }, { perm: [0, 1, 3, 2] });
    release(backend, flipped);

    let dyd = dy;
    const owned: TensorInfo[] = [];
    if (sh > 1 || sw > 1) {
      const r6 = run('Reshape', { x: dy }, { shape: [N, Ho, 1, Wo, 1, Co] });
      const p6 = run(
        'PadV2',
        { x: r6 },
        {
          paddings: [
            [0, 0],
            [0, 0],
            [0, sh - 1],
            [0, 0],
            [0, sw - 1],
            [0, 0],
          ],
          constantValue: 0,
        },
      );
      dyd = run('Reshape', { x: p6 }, { shape: [N, Ho * sh, Wo * sw, Co] });
      release(backend, r6, p6);
      owned.push(dyd);
    }
    const Hd = dyd.shape[1];
    const Wd = dyd.shape[2];
    const padTop = kh - 1 - info.padInfo.top;
    const padBottom = H - Hd + info.padInfo.top;
    const padLeft = kw - 1 - info.padInfo.left;
    const padRight = W - Wd + info.padInfo.left;
    if (padTop < 0 || padBottom < 0 || padLeft < 0 || padRight < 0) {
      const top = Math.max(0, -padTop);
      const left = Math.max(0, -padLeft);
      const h = Hd - top - Math.max(0, -padBottom);
      const w = Wd - left - Math.max(0, -padRight);
      const c = run('Slice', { x: dyd }, { begin: [0, top, left, 0], size: [N, h, w, Co] });
      owned.push(c);
      dyd = c;
    }
    const out = run(
      'Conv2D',
      { x: dyd, filter: wt },
      {
        strides: [1, 1],
        pad: [
          [0, 0],
          [Math.max(0, padTop), Math.max(0, padBottom)],
          [Math.max(0, padLeft), Math.max(0, padRight)],
          [0, 0],
        ],
        dataFormat: 'NHWC',
        dilations: [1, 1],
      },
    );
    release(backend, wt, ...owned);
    if (out.shape[1] !== H || out.shape[2] !== W || out.shape[3] !== Ci) {
      release(backend, out);
      throw new Error(`conv2d input gradient: got shape ${out.shape}, expected ${inputShape}`);
    }
    return out;
  };
}

export function convGradKernels(backendName: string): KernelConfig[] {
  return [
    {
      kernelName: 'Conv2DBackpropFilter',
      backendName,
      kernelFunc: conv2dBackpropFilterViaConv(backendName),
    },
    {
      kernelName: 'Conv2DBackpropInput',
      backendName,
      kernelFunc: conv2dBackpropInputViaConv(backendName),
    },
  ];
}
