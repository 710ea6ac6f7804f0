import * as os from 'node:os';
import * as tf from '@tensorflow/tfjs';
import type { KernelBackend, TensorInfo } from '@tensorflow/tfjs';

/** What the native kernels need from their backend (see kernels/util.ts cpuAccess). */
export interface Float32Allocator {
  allocFloat32(shape: number[]): TensorInfo;
}

/** The buffer pool's accounting (bytes of float32 buffers allocated by the backend). */
export interface PoolStats {
  /** Held by live tensors. */
  liveBytes: number;
  /** The most ever held by live tensors at once. */
  peakLiveBytes: number;
  /** Kept for reuse. */
  pooledBytes: number;
  /** Allocations served from the pool / newly allocated. */
  hits: number;
  misses: number;
  /** Pooled buffers dropped to stay within the budget (see allocFloat32). */
  evicted: number;
}

/** Bytes of the boundary every pooled buffer starts on (a cache line). */
const ALIGNMENT = 64;

/** Pool budget over the peak working set (room for what varies between architectures). */
const POOL_SLACK = 1.25;

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
  addressMod64: (a: Float32Array) => number,
): new () => KernelBackend & Float32Allocator {
  /**
   * A Float32Array of `size` starting on a 64-byte boundary (a cache line, as PyTorch's allocator
   * aligns). V8's array buffers are only 16-byte aligned, so most tensors began mid-line and
   * half of the 32-byte vector loads of every kernel split across two lines.
   */
  const alignedFloat32 = (size: number): Float32Array => {
    const buffer = new ArrayBuffer(size * 4 + ALIGNMENT);
    const skew = addressMod64(new Float32Array(buffer, 0, ALIGNMENT / 4));
    return new Float32Array(buffer, skew === 0 ? 0 : ALIGNMENT - skew, size);
  };
  /** True for the whole aligned view of a buffer made by alignedFloat32 (not a part of it). */
  const isWholeView = (v: Float32Array) => v.byteLength + ALIGNMENT === v.buffer.byteLength;
  class NativeBackend extends CpuBackend implements Float32Allocator {
    private readonly pool = new Map<number, Float32Array[]>();
    /** Allocation counter value when each size was last asked for (least recently used goes). */
    private readonly lastUse = new Map<number, number>();
    private pooledBytes = 0;
    private readonly poolLimit = poolLimitBytes();
    /** Bytes allocated for each live tensor's data by allocFloat32. */
    private readonly liveData = new WeakMap<object, number>();
    private liveBytes = 0;
    private peakLiveBytes = 0;
    private hits = 0;
    private misses = 0;
    private evicted = 0;
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
      this.lastUse.set(size, this.hits + this.misses);
      let values = free?.pop();
      if (values) {
        this.pooledBytes -= values.byteLength;
        this.hits++;
      } else {
        this.misses++;
        this.evictFor(size * 4);
        values = alignedFloat32(size);
      }
      this.allocating = true;
      try {
        const info = this.storage().makeTensorInfo(shape, 'float32', values);
        this.owned.add(values.buffer);
        this.liveData.set(info.dataId, values.byteLength);
        this.liveBytes += values.byteLength;
        if (this.liveBytes > this.peakLiveBytes) this.peakLiveBytes = this.liveBytes;
        return info;
      } finally {
        this.allocating = false;
      }
    }

    /**
     * Before allocating `bytes` anew: drops pooled buffers of the least recently used sizes
     * while live + pooled + new would exceed POOL_SLACK x the peak working set. Otherwise
     * buffers of a phase that is over (evaluation at a larger batch, a network no longer
     * trained) stay pooled next to the ones the current phase allocates, and memory holds
     * both working sets.
     */
    private evictFor(bytes: number): void {
      const budget = POOL_SLACK * Math.max(this.peakLiveBytes, this.liveBytes + bytes);
      while (this.pooledBytes > 0 && this.liveBytes + this.pooledBytes + bytes > budget) {
        let victim = -1;
        let oldest = Infinity;
        for (const [size, list] of this.pool) {
          const used = this.lastUse.get(size) ?? -1;
          if (list.length > 0 && used < oldest) {
            oldest = used;
            victim = size;
          }
        }
        const list = this.pool.get(victim)!;
        this.pooledBytes -= list.pop()!.byteLength;
        this.evicted++;
        if (list.length === 0) this.pool.delete(victim);
      }
    }

    /** Accounting of the pool (for the bench and the memory soak). */
    poolStats(): PoolStats {
      return {
        liveBytes: this.liveBytes,
        peakLiveBytes: this.peakLiveBytes,
        pooledBytes: this.pooledBytes,
        hits: this.hits,
        misses: this.misses,
        evicted: this.evicted,
      };
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
      const allocated = released ? this.liveData.get(dataId) : undefined;
      if (allocated != null && !this.storage().data.has(dataId)) {
        this.liveData.delete(dataId);
        this.liveBytes -= allocated;
      }
      if (
        released &&
        values instanceof Float32Array &&
        !this.storage().data.has(dataId) &&
        this.owned.has(values.buffer) &&
        isWholeView(values) &&
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
