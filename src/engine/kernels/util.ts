import * as tf from '@tensorflow/tfjs';
import type { KernelBackend, NamedAttrMap, NamedTensorInfoMap, TensorInfo } from '@tensorflow/tfjs';

/**
 * Runs a registered kernel of `backendName` directly on TensorInfos, bypassing the engine: no
 * tape, no scope tracking. Kernel functions that compose other kernels use this and must
 * `release` every intermediate they create.
 */
export function callKernel(
  backendName: string,
  backend: object,
  kernelName: string,
  inputs: NamedTensorInfoMap,
  attrs: NamedAttrMap = {},
): TensorInfo {
  const kernel = tf.getKernel(kernelName, backendName);
  if (kernel == null) throw new Error(`kernel ${kernelName} is not registered for ${backendName}`);
  const out = kernel.kernelFunc({ inputs, attrs, backend: backend as KernelBackend });
  if (Array.isArray(out)) throw new Error(`kernel ${kernelName} returned several outputs`);
  return out;
}

type Pad = 'valid' | 'same' | number | tf.backend_util.ExplicitPadding;
type Rounding = 'floor' | 'round' | 'ceil' | undefined;

/**
 * The geometry of a convolution kernel call (regular or depthwise) from its attributes; null
 * for NCHW data, which the project's kernels do not handle.
 */
export function convInfo(
  xShape: number[],
  filterShape: number[],
  attrs: NamedAttrMap,
  depthwise = false,
): tf.backend_util.Conv2DInfo | null {
  const dataFormat = tf.backend_util.convertConv2DDataFormat(
    (attrs.dataFormat as 'NHWC' | 'NCHW' | undefined) ?? 'NHWC',
  );
  if (dataFormat !== 'channelsLast') return null;
  return tf.backend_util.computeConv2DInfo(
    xShape as [number, number, number, number],
    filterShape as [number, number, number, number],
    attrs.strides as number | [number, number],
    (attrs.dilations as number | [number, number] | undefined) ?? 1,
    attrs.pad as Pad,
    attrs.dimRoundingMode as Rounding,
    depthwise,
    'channelsLast',
  );
}

/** The geometry of a 2-D pooling kernel call (NHWC input of shape `shape`) from its attributes. */
export function poolInfo(shape: number[], attrs: NamedAttrMap): tf.backend_util.Conv2DInfo {
  return tf.backend_util.computePool2DInfo(
    shape as [number, number, number, number],
    attrs.filterSize as number | [number, number],
    attrs.strides as number | [number, number],
    1,
    attrs.pad as Pad,
    attrs.dimRoundingMode as Rounding,
  );
}

/** Frees intermediates made by `callKernel`. */
export function release(backend: object, ...infos: TensorInfo[]): void {
  for (const info of infos) (backend as KernelBackend).disposeData(info.dataId);
}

/**
 * Raw float32 access to a backend's storage, so that a kernel can be a plain loop over typed
 * arrays. On wasm the views alias the wasm heap: allocate every output before taking views
 * (allocation may grow the heap and detach earlier views). Allocated outputs are NOT zeroed
 * (wasm heap, native pool): a kernel must write every element.
 */
export interface RawAccess {
  alloc(shape: number[]): TensorInfo;
  view(info: TensorInfo): Float32Array;
}

interface CpuLike {
  data: { get(dataId: object): { values?: unknown } | undefined };
  makeTensorInfo(shape: number[], dtype: 'float32', values: Float32Array): TensorInfo;
}

interface WasmLike {
  makeOutput(shape: number[], dtype: 'float32'): TensorInfo;
  typedArrayFromHeap(info: TensorInfo): unknown;
}

function sizeOf(shape: number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

const cpuAccessCache = new WeakMap<object, RawAccess>();

/**
 * Raw access for the cpu backend (and backends built on its storage, like 'native'); one object
 * per backend, since every native kernel call asks for it.
 */
export function cpuAccess(backend: object): RawAccess {
  let access = cpuAccessCache.get(backend);
  if (!access) cpuAccessCache.set(backend, (access = makeCpuAccess(backend)));
  return access;
}

function makeCpuAccess(backend: object): RawAccess {
  const b = backend as unknown as CpuLike & {
    allocFloat32?: (shape: number[]) => TensorInfo;
  };
  const pooled = typeof b.allocFloat32 === 'function';
  return {
    // Native: recycled buffers (contents undefined; kernels overwrite every element).
    alloc: pooled
      ? (shape) => b.allocFloat32!(shape)
      : (shape) => b.makeTensorInfo(shape, 'float32', new Float32Array(sizeOf(shape))),
    view: (info) => {
      if (info.dtype !== 'float32') throw new Error(`expected a float32 tensor, got ${info.dtype}`);
      const values = b.data.get(info.dataId)?.values;
      if (values instanceof Float32Array) return values;
      // Some cpu kernels store float32 results in other arrays (e.g. Cast from bool keeps the
      // Uint8Array): read those through a float copy (inputs are never written).
      if (ArrayBuffer.isView(values) && !(values instanceof DataView)) {
        return Float32Array.from(values as unknown as ArrayLike<number>);
      }
      throw new Error('tensor has no float32 storage');
    },
  };
}

/** Raw access for the wasm backend (views into the wasm heap). */
export function wasmAccess(backend: object): RawAccess {
  const b = backend as unknown as WasmLike;
  return {
    alloc: (shape) => b.makeOutput(shape, 'float32'),
    view: (info) => {
      if (info.dtype !== 'float32') throw new Error(`expected a float32 tensor, got ${info.dtype}`);
      return b.typedArrayFromHeap(info) as Float32Array;
    },
  };
}

export function rawAccessFor(backendName: string, backend: object): RawAccess {
  return backendName === 'wasm' ? wasmAccess(backend) : cpuAccess(backend);
}
