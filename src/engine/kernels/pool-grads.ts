import type * as tf from '@tensorflow/tfjs';
import type { KernelConfig, KernelFunc, NamedAttrMap, TensorInfo } from '@tensorflow/tfjs';
import { poolInfo, rawAccessFor } from './util';

/**
 * Gradient of average pooling whose forward pass divides by the number of in-bounds elements
 * of each window (padding excluded, PyTorch's count_include_pad=False; what tfjs's AvgPool
 * computes). Accumulates into `dx` (which must start zeroed).
 */
export function avgPoolGradInto(
  g: tf.backend_util.Conv2DInfo,
  dy: Float32Array,
  dx: Float32Array,
): void {
  const { batchSize, inHeight: H, inWidth: W, inChannels: C, outHeight: Ho, outWidth: Wo } = g;
  for (let n = 0; n < batchSize; n++) {
    for (let ho = 0; ho < Ho; ho++) {
      const hs = ho * g.strideHeight - g.padInfo.top;
      const h0 = Math.max(0, hs);
      const h1 = Math.min(H, hs + g.filterHeight);
      for (let wo = 0; wo < Wo; wo++) {
        const ws = wo * g.strideWidth - g.padInfo.left;
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

export function avgPoolGradKernel(backendName: string): KernelFunc {
  return ({ inputs, backend, attrs }) => {
    const dy = inputs.dy as TensorInfo;
    const input = inputs.input as TensorInfo;
    const g = poolInfo(input.shape, attrs as NamedAttrMap);
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
