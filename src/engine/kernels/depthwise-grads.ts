import type * as tf from '@tensorflow/tfjs';
import type { KernelConfig, KernelFunc, NamedAttrMap, TensorInfo } from '@tensorflow/tfjs';
import { convInfo, rawAccessFor } from './util';

/** dx of a depthwise convolution (filter [kh, kw, C, M], dy [N, Ho, Wo, C*M]); accumulates. */
export function depthwiseInputGradInto(
  info: tf.backend_util.Conv2DInfo,
  dy: Float32Array,
  filter: Float32Array,
  dx: Float32Array,
): void {
  const { batchSize: N, inHeight: H, inWidth: W, inChannels: C, outHeight: Ho } = info;
  const { outWidth: Wo, filterHeight: KH, filterWidth: KW } = info;
  const M = info.outChannels / C;
  const CO = info.outChannels;
  for (let n = 0; n < N; n++) {
    for (let ho = 0; ho < Ho; ho++) {
      for (let wo = 0; wo < Wo; wo++) {
        const dyBase = ((n * Ho + ho) * Wo + wo) * CO;
        for (let kh = 0; kh < KH; kh++) {
          const h = ho * info.strideHeight + kh * info.dilationHeight - info.padInfo.top;
          if (h < 0 || h >= H) continue;
          for (let kw = 0; kw < KW; kw++) {
            const w = wo * info.strideWidth + kw * info.dilationWidth - info.padInfo.left;
            if (w < 0 || w >= W) continue;
            const dxBase = ((n * H + h) * W + w) * C;
            const fBase = (kh * KW + kw) * CO;
            if (M === 1) {
              for (let c = 0; c < C; c++) dx[dxBase + c] += dy[dyBase + c] * filter[fBase + c];
            } else {
              for (let c = 0; c < C; c++) {
                let s = 0;
                for (let q = 0; q < M; q++) s += dy[dyBase + c * M + q] * filter[fBase + c * M + q];
                dx[dxBase + c] += s;
              }
            }
          }
        }
      }
    }
  }
}

/** Filter gradient of a depthwise convolution; accumulates into df [kh, kw, C, M]. */
export function depthwiseFilterGradInto(
  info: tf.backend_util.Conv2DInfo,
  x: Float32Array,
  dy: Float32Array,
  df: Float32Array,
): void {
  const { batchSize: N, inHeight: H, inWidth: W, inChannels: C, outHeight: Ho } = info;
  const { outWidth: Wo, filterHeight: KH, filterWidth: KW } = info;
  const M = info.outChannels / C;
  const CO = info.outChannels;
  for (let n = 0; n < N; n++) {
    for (let ho = 0; ho < Ho; ho++) {
      for (let wo = 0; wo < Wo; wo++) {
        const dyBase = ((n * Ho + ho) * Wo + wo) * CO;
        for (let kh = 0; kh < KH; kh++) {
          const h = ho * info.strideHeight + kh * info.dilationHeight - info.padInfo.top;
          if (h < 0 || h >= H) continue;
          for (let kw = 0; kw < KW; kw++) {
            const w = wo * info.strideWidth + kw * info.dilationWidth - info.padInfo.left;
            if (w < 0 || w >= W) continue;
            const xBase = ((n * H + h) * W + w) * C;
            const fBase = (kh * KW + kw) * CO;
            for (let c = 0; c < C; c++) {
              const xv = x[xBase + c];
              for (let q = 0; q < M; q++) df[fBase + c * M + q] += xv * dy[dyBase + c * M + q];
            }
          }
        }
      }
    }
  }
}

function inputGradKernel(backendName: string): KernelFunc {
  return ({ inputs, backend, attrs }) => {
    const dy = inputs.dy as TensorInfo;
    const filter = inputs.filter as TensorInfo;
    const inputShape = (attrs as NamedAttrMap).inputShape as number[];
    const info = convInfo(inputShape, filter.shape, attrs as NamedAttrMap, true)!;
    const raw = rawAccessFor(backendName, backend);
    const out = raw.alloc(inputShape.slice());
    const dx = raw.view(out);
    dx.fill(0);
    depthwiseInputGradInto(info, raw.view(dy), raw.view(filter), dx);
    return out;
  };
}

function filterGradKernel(backendName: string): KernelFunc {
  return ({ inputs, backend, attrs }) => {
    const x = inputs.x as TensorInfo;
    const dy = inputs.dy as TensorInfo;
    const filterShape = (attrs as NamedAttrMap).filterShape as number[];
    const info = convInfo(x.shape, filterShape, attrs as NamedAttrMap, true)!;
    const raw = rawAccessFor(backendName, backend);
    const out = raw.alloc(filterShape.slice());
    const df = raw.view(out);
    df.fill(0);
    depthwiseFilterGradInto(info, raw.view(x), raw.view(dy), df);
    return out;
  };
}

export function depthwiseGradKernels(backendName: string): KernelConfig[] {
  return [
    {
      kernelName: 'DepthwiseConv2dNativeBackpropInput',
      backendName,
      kernelFunc: inputGradKernel(backendName),
    },
    {
      kernelName: 'DepthwiseConv2dNativeBackpropFilter',
      backendName,
      kernelFunc: filterGradKernel(backendName),
    },
  ];
}
