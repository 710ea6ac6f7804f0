import * as tf from '@tensorflow/tfjs';
import type { KernelConfig, KernelFunc, NamedAttrMap, TensorInfo } from '@tensorflow/tfjs';
import { rawAccessFor } from './util';

type Pad = 'valid' | 'same' | number | tf.backend_util.ExplicitPadding;
type Rounding = 'floor' | 'round' | 'ceil' | undefined;

export interface PoolGeometry {
  batch: number;
  inHeight: number;
  inWidth: number;
  channels: number;
  outHeight: number;
  outWidth: number;
  filterHeight: number;
  filterWidth: number;
  strideHeight: number;
  strideWidth: number;
  padTop: number;
  padLeft: number;
}

/**
 * Gradient of average pooling whose forward pass divides by the number of in-bounds elements
 * of each window (padding excluded, PyTorch's count_include_pad=False; what tfjs's AvgPool
 * computes). Accumulates into `dx` (which must start zeroed).
 */
export function avgPoolGradInto(g: PoolGeometry, dy: Float32Array, dx: Float32Array): void {
  const { batch, inHeight: H, inWidth: W, channels: C, outHeight: Ho, outWidth: Wo } = g;
  for (let n = 0; n < batch; n++) {
    for (let ho = 0; ho < Ho; ho++) {
      const hs = ho * g.strideHeight - g.padTop;
      const h0 = Math.max(0, hs);
      const h1 = Math.min(H, hs + g.filterHeight);
      for (let wo = 0; wo < Wo; wo++) {
        const ws = wo * g.strideWidth - g.padLeft;
        const w0 = Math.max(0, ws);
        const w1 = Math.min(W, ws + g.filterWidth);
        const count = (h1 - h0) * (w1 - w0);
        if (count <= 0) continue;
        const inv = 1 / count;
        const dyBase = ((n * Ho + ho) * Wo + wo) * C;
        for (let h = h0; h < h1; h++) {
          for (let w = w0; w < w1; w++) {
            const dxBase = ((n * H + h) * W + w) * C;
            for (let c = 0; c < C; c++) dx[dxBase + c] += dy[dyBase + c] * inv;
          }
        }
      }
    }
  }
}

export function poolGeometry(inputShape: number[], attrs: NamedAttrMap): PoolGeometry {
  const info = tf.backend_util.computePool2DInfo(
    inputShape as [number, number, number, number],
    attrs.filterSize as number | [number, number],
    attrs.strides as number | [number, number],
    1,
    attrs.pad as Pad,
    attrs.dimRoundingMode as Rounding,
  );
  return {
    batch: info.batchSize,
    inHeight: info.inHeight,
    inWidth: info.inWidth,
    channels: info.inChannels,
    outHeight: info.outHeight,
    outWidth: info.outWidth,
    filterHeight: info.filterHeight,
    filterWidth: info.filterWidth,
    strideHeight: info.strideHeight,
    strideWidth: info.strideWidth,
    padTop: info.padInfo.top,
    padLeft: info.padInfo.left,
  };
}

export function avgPoolGradKernel(backendName: string): KernelFunc {
  return ({ inputs, backend, attrs }) => {
    const dy = inputs.dy as TensorInfo;
    const input = inputs.input as TensorInfo;
    const g = poolGeometry(input.shape, attrs as NamedAttrMap);
    const raw = rawAccessFor(backendName, backend);
    const out = raw.alloc(input.shape.slice());
    const dx = raw.view(out);
    dx.fill(0);
    avgPoolGradInto(g, raw.view(dy), dx);
    return out;
  };
}

export function poolGradKernels(backendName: string): KernelConfig[] {
  return [{ kernelName: 'AvgPoolGrad', backendName, kernelFunc: avgPoolGradKernel(backendName) }];
}
