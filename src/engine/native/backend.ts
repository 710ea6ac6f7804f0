import * as os from 'node:os';
import * as tf from '@tensorflow/tfjs';
import type { KernelBackend, TensorInfo } from '@tensorflow/tfjs';

/** What the native kernels need from their backend (see kernels/util.ts cpuAccess). */
export interface Float32Allocator {
  allocFloat32(shape: number[]): TensorInfo;
}

interface CpuStorage {
  data: {
    get(dataId: object): { values?: unknown; refCount: number } | undefined;
    has(dataId: object): boolean;
  };
  makeTensorInfo(shape: number[], dtype: 'float32', values: Float32Array): TensorInfo;
  disposeData(dataId: object, force?: boolean): boolean;
  readSync(dataId: object): unknown;
  write(values: unknown, shape: number[], dtype: string): object;
  move(dataId: object, values: unknown, shape: number[], dtype: string, refCount: number): void;
}

/**
 * Cap on the bytes kept for reuse: a quarter of the machine's memory (at most 8 GiB), or
 * SUPERNET_LAB_POOL_MB. It must exceed a training step's peak working set, or buffers dropped at
 * the cap are reallocated every step (and collected by V8 again).
 */
function poolLimitBytes(): number {
  const env = Number(process.env.SUPERNET_LAB_POOL_MB);
  if (Number.isFinite(env) && env >= 0) return env * 2 ** 20;
  return Math.min(os.totalmem() / 4, 8 * 2 ** 30);
}

/**
 * The 'native' backend class: the tfjs cpu backend's storage (JS-owned typed arrays that the
 * addon reads and writes in place) plus a pool that recycles the float32 buffers of disposed
 * tensors. Without it every kernel output is a fresh multi-megabyte ArrayBuffer: zero-filled,
 * page-faulted, and collected by V8 garbage collections triggered by external memory pressure
 * (measured: several full collections per training step).
 *
 * Safety: only buffers allocated here are recycled, never a buffer registered for a second
 * tensor (a cpu kernel's zero-copy view, e.g. Slice's subarray, pins it), and `readSync` hands
 * out copies of pooled buffers, so recycled memory is never visible to user code.
 */
export function createNativeBackendClass(
  CpuBackend: new () => KernelBackend,
): new () => KernelBackend & Float32Allocator {
  class NativeBackend extends CpuBackend implements Float32Allocator {
    private readonly pool = new Map<number, Float32Array[]>();
    private pooledBytes = 0;
    private readonly poolLimit = poolLimitBytes();
    /** ArrayBuffers we allocated and that back exactly one live tensor. */
    private readonly owned = new WeakSet<ArrayBufferLike>();
    private allocating = false;

    constructor() {
      super();
      // tfjs's cpu backend prints an "install tfjs-node" hint on first use; we chose this.
      (this as unknown as { firstUse: boolean }).firstUse = false;
    }

    private storage(): CpuStorage {
      return this as unknown as CpuStorage;
    }

    allocFloat32(shape: number[]): TensorInfo {
      let size = 1;
      for (const d of shape) size *= d;
      const free = this.pool.get(size);
      let values = free?.pop();
      if (values) this.pooledBytes -= values.byteLength;
      else values = new Float32Array(size);
      this.allocating = true;
      try {
        const info = this.storage().makeTensorInfo(shape, 'float32', values);
        this.owned.add(values.buffer);
        return info;
      } finally {
        this.allocating = false;
      }
    }

    /** A buffer registered again (shared or viewed by another tensor) is never recycled. */
    private pin(values: unknown): void {
      if (!this.allocating && ArrayBuffer.isView(values)) this.owned.delete(values.buffer);
    }

    override write(values: unknown, shape: number[], dtype: tf.DataType): object {
      this.pin(values);
      return (CpuBackend.prototype as unknown as CpuStorage).write.call(this, values, shape, dtype);
    }

    override move(
      dataId: object,
      values: unknown,
      shape: number[],
      dtype: tf.DataType,
      refCount: number,
    ): void {
      this.pin(values);
      (CpuBackend.prototype as unknown as CpuStorage).move.call(
        this,
        dataId,
        values,
        shape,
        dtype,
        refCount,
      );
    }

    override readSync(dataId: object): tf.backend_util.BackendValues {
      const values = this.storage().data.get(dataId)?.values;
      const out = (CpuBackend.prototype as unknown as CpuStorage).readSync.call(this, dataId);
      if (out === values && values instanceof Float32Array && this.owned.has(values.buffer)) {
        return values.slice();
      }
      return out as tf.backend_util.BackendValues;
    }

    override disposeData(dataId: object, force = false): boolean {
      const entry = this.storage().data.get(dataId);
      const values = entry?.values;
      const released = (CpuBackend.prototype as unknown as CpuStorage).disposeData.call(
        this,
        dataId,
        force,
      );
      if (
        released &&
        values instanceof Float32Array &&
        !this.storage().data.has(dataId) &&
        this.owned.has(values.buffer) &&
        values.byteOffset === 0 &&
        values.byteLength === values.buffer.byteLength &&
        this.pooledBytes + values.byteLength <= this.poolLimit
      ) {
        this.owned.delete(values.buffer);
        let list = this.pool.get(values.length);
        if (!list) this.pool.set(values.length, (list = []));
        list.push(values);
        this.pooledBytes += values.byteLength;
      }
      return released;
    }

    /** Drops the pooled buffers (e.g. after changing network size). */
    releasePool(): void {
      this.pool.clear();
      this.pooledBytes = 0;
    }
  }
  return NativeBackend as unknown as new () => KernelBackend & Float32Allocator;
}
