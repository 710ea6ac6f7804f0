import type { KernelConfig, KernelFunc, NamedAttrMap, TensorInfo } from '@tensorflow/tfjs';
import { rawAccessFor } from './util';

/**
 * out = tile(x, reps) as block copies: the innermost axis is copied as contiguous runs, every
 * outer axis by repeating already-written blocks. Exported for tests.
 */
export function tileInto(
  x: Float32Array,
  shape: number[],
  reps: number[],
  out: Float32Array,
): void {
  const r = shape.length;
  if (r === 0) {
    out[0] = x[0];
    return;
  }
  const outShape = shape.map((d, i) => d * reps[i]);
  // Step 1: each input row (last axis), repeated reps[r-1] times, goes to its place in the first
  // tile of the output.
  const rowLen = shape[r - 1];
  const rows = x.length / Math.max(1, rowLen);
  // Position of input row k (multi-index over shape[0..r-2]) in the output, with stride outShape.
  const outStrides = new Array<number>(r).fill(1);
  for (let i = r - 2; i >= 0; i--) outStrides[i] = outStrides[i + 1] * outShape[i + 1];
  for (let k = 0; k < rows; k++) {
    let rem = k;
    let off = 0;
    for (let i = r - 2; i >= 0; i--) {
      const idx = rem % shape[i];
      rem = Math.floor(rem / shape[i]);
      off += idx * outStrides[i];
    }
    const src = x.subarray(k * rowLen, (k + 1) * rowLen);
    for (let t = 0; t < reps[r - 1]; t++) out.set(src, off + t * rowLen);
  }
  // Step 2: for axes r-2 .. 0, repeat the (complete) block of extent shape[i] along that axis
  // reps[i] - 1 more times, for every first-tile position of the outer axes.
  for (let i = r - 2; i >= 0; i--) {
    if (reps[i] === 1) continue;
    const block = shape[i] * outStrides[i];
    // Outer positions: every combination of indices on axes < i within the first tile.
    let outer = 1;
    for (let j = 0; j < i; j++) outer *= shape[j];
    for (let o = 0; o < outer; o++) {
      let rem = o;
      let base = 0;
      for (let j = i - 1; j >= 0; j--) {
        const idx = rem % shape[j];
        rem = Math.floor(rem / shape[j]);
        base += idx * outStrides[j];
      }
      for (let t = 1; t < reps[i]; t++) out.copyWithin(base + t * block, base, base + block);
    }
  }
}

function tileKernel(backendName: string): KernelFunc {
  return ({ inputs, backend, attrs }) => {
    const x = inputs.x as TensorInfo;
    const reps = (attrs as NamedAttrMap).reps as number[];
    const raw = rawAccessFor(backendName, backend);
    const outShape = x.shape.map((d, i) => d * reps[i]);
    const out = raw.alloc(outShape);
    const o = raw.view(out);
    if (o.length > 0) tileInto(raw.view(x), x.shape, reps, o);
    return out;
  };
}

/** Tile for float32 tensors (other dtypes keep the stock kernel: see register.ts). */
export function tileKernels(backendName: string, stock: KernelFunc | null): KernelConfig[] {
  const ours = tileKernel(backendName);
  return [
    {
      kernelName: 'Tile',
      backendName,
      kernelFunc: (args) => {
        const x = args.inputs.x as TensorInfo;
        if (x.dtype !== 'float32' && stock) return stock(args);
        return ours(args);
      },
    },
  ];
}
