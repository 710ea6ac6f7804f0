import type { KernelConfig, NamedAttrMap, TensorInfo } from '@tensorflow/tfjs';
import { rawAccessFor } from './util';

/**
 * out[s, ...] = sum of x[i, ...] over the i with ids[i] = s (ids out of [0, segments) dropped,
 * as TensorFlow does). `x` is [ids.length, inner] flattened. Exported for tests.
 */
export function segmentSumInto(
  x: Float32Array,
  ids: Int32Array,
  inner: number,
  out: Float32Array,
): void {
  out.fill(0);
  const segments = out.length / Math.max(1, inner);
  for (let i = 0; i < ids.length; i++) {
    const s = ids[i];
    if (s < 0 || s >= segments) continue;
    const src = i * inner;
    const dst = s * inner;
    for (let k = 0; k < inner; k++) out[dst + k] += x[src + k];
  }
}

interface WasmHeap {
  typedArrayFromHeap(info: TensorInfo): ArrayLike<number>;
}

/**
 * UnsortedSegmentSum for wasm, where tfjs has none: it is the gradient of `gather` (embedding
 * lookups of the DARTS-PTB language model). float32 values, int32 segment ids.
 */
export function segmentSumKernels(): KernelConfig[] {
  return [
    {
      kernelName: 'UnsortedSegmentSum',
      backendName: 'wasm',
      kernelFunc: ({ inputs, backend, attrs }) => {
        const x = inputs.x as TensorInfo;
        const ids = inputs.segmentIds as TensorInfo;
        const segments = (attrs as NamedAttrMap).numSegments as number;
        if (x.dtype !== 'float32' || ids.dtype !== 'int32') {
          throw new Error(
            `UnsortedSegmentSum on wasm handles float32 values and int32 ids, got ${x.dtype} and ${ids.dtype}`,
          );
        }
        const innerShape = x.shape.slice(ids.shape.length);
        const inner = innerShape.reduce((a, b) => a * b, 1);
        const raw = rawAccessFor('wasm', backend);
        const out = raw.alloc([segments, ...innerShape]);
        // Views after the allocation: it may grow (and detach) the wasm heap.
        const idView = Int32Array.from((backend as unknown as WasmHeap).typedArrayFromHeap(ids));
        segmentSumInto(raw.view(x), idView, inner, raw.view(out));
        return out;
      },
    },
  ];
}
