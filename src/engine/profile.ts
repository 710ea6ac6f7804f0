import * as tf from '@tensorflow/tfjs';
import type { KernelConfig, KernelFunc } from '@tensorflow/tfjs';
import { PerformanceObserver } from 'node:perf_hooks';
import { loadAddon } from './native/addon';

export interface KernelTime {
  kernel: string;
  calls: number;
  ms: number;
}

/**
 * Wraps every kernel of `backendName` with a timer (synchronous backends only: cpu, native,
 * wasm): wall-clock, or this process's CPU time ('cpu': robust on a busy machine, but it adds up
 * the time of all threads). Returns a function that restores the kernels and returns the times, slowest
 * first. For profiling runs, not for production.
 */
export function profileKernels(
  backendName: string = tf.getBackend(),
  clock: 'wall' | 'cpu' = 'wall',
): () => KernelTime[] {
  const now =
    clock === 'wall'
      ? () => performance.now()
      : () => {
          const u = process.cpuUsage();
          return (u.user + u.system) / 1000;
        };
  const originals: KernelConfig[] = tf.getKernelsForBackend(backendName).map((k) => ({ ...k }));
  const times = new Map<string, KernelTime>();
  for (const config of originals) {
    const inner: KernelFunc = config.kernelFunc;
    const entry: KernelTime = { kernel: config.kernelName, calls: 0, ms: 0 };
    times.set(config.kernelName, entry);
    tf.unregisterKernel(config.kernelName, backendName);
    tf.registerKernel({
      ...config,
      kernelFunc: (args) => {
        const t0 = now();
        const out = inner(args);
        entry.ms += now() - t0;
        entry.calls++;
        return out;
      },
    });
  }
  return () => {
    for (const config of originals) {
      tf.unregisterKernel(config.kernelName, backendName);
      tf.registerKernel(config);
    }
    return [...times.values()].filter((t) => t.calls > 0).sort((a, b) => b.ms - a.ms);
  };
}

/** Where the wall-clock time of a profiled piece of work went (milliseconds; they add up). */
export interface StepTimeSplit {
  /** Inside the native addon's functions (oneDNN/OpenMP kernels); 0 on other engines. */
  nativeMs: number;
  /** Inside kernel functions but outside the addon: JS kernels, wasm kernels, shape logic. */
  kernelJsMs: number;
  /** tfjs dispatch, autodiff tape, tidy/dispose bookkeeping, the caller's own JS. */
  dispatchJsMs: number;
  /** The backend's buffer allocation and release calls (allocFloat32, write, makeOutput, ...). */
  allocMs: number;
  /** V8 garbage-collection pauses (perf_hooks 'gc' entries). */
  gcMs: number;
}

export interface StepProfile extends StepTimeSplit {
  backend: string;
  wallMs: number;
  /** CPU time of this process (all threads) over the same interval. */
  cpuMs: number;
  /** Top-level kernel calls (a kernel that calls another kernel counts once). */
  kernelCalls: number;
  /** Kernel calls including nested ones. */
  kernelCallsNested: number;
  nativeCalls: number;
  allocCalls: number;
  gcCount: number;
  /** Per kernel: calls, inclusive wall ms, self ms (without nested kernels), ms in the addon. */
  kernels: (KernelTime & { selfMs: number; nativeMs: number })[];
}

const DISPATCH = 0;
const KERNEL = 1;
const NATIVE = 2;
const ALLOC = 3;

const BACKEND_ALLOC_METHODS = [
  'allocFloat32',
  'makeTensorInfo',
  'makeOutput',
  'write',
  'move',
  'disposeData',
];

function processCpuMs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

/**
 * Runs `fn` once with every kernel of the current (synchronous: native, wasm, cpu) backend, the
 * backend's allocation methods and, on the native engine, every function of the addon wrapped
 * by timers, and with a perf_hooks observer of garbage-collection pauses; returns where the
 * wall-clock time went. The categories are exclusive (time inside the addon is not kernel JS;
 * a GC pause inside a kernel counts as GC), so they add up to `wallMs`. The wrappers cost about
 * a microsecond per call: compare with an unprofiled run of the same work.
 */
export async function profileStep(fn: () => void): Promise<StepProfile> {
  const backendName = tf.getBackend();
  const backend = tf.backend() as unknown as Record<string, unknown>;
  // Timeline of category changes: from times[i] on, the time belongs to cats[i].
  const times: number[] = [];
  const cats: number[] = [];
  const stack: number[] = [DISPATCH];
  const enter = (cat: number) => {
    stack.push(cat);
    times.push(performance.now());
    cats.push(cat);
  };
  const leave = () => {
    stack.pop();
    times.push(performance.now());
    cats.push(stack[stack.length - 1]);
  };
  const counts = { kernelCalls: 0, kernelCallsNested: 0, nativeCalls: 0, allocCalls: 0 };
  let kernelDepth = 0;

  // 1. Kernels (nesting-aware: self time excludes nested kernels).
  type Entry = KernelTime & { selfMs: number; nativeMs: number };
  const perKernel = new Map<string, Entry>();
  const frames: { entry: Entry; start: number; childMs: number; nativeMs: number }[] = [];
  const originals: KernelConfig[] = tf.getKernelsForBackend(backendName).map((k) => ({ ...k }));
  for (const config of originals) {
    const inner: KernelFunc = config.kernelFunc;
    const entry: Entry = { kernel: config.kernelName, calls: 0, ms: 0, selfMs: 0, nativeMs: 0 };
    perKernel.set(config.kernelName, entry);
    tf.unregisterKernel(config.kernelName, backendName);
    tf.registerKernel({
      ...config,
      kernelFunc: (args) => {
        counts.kernelCallsNested++;
        if (kernelDepth === 0) counts.kernelCalls++;
        kernelDepth++;
        enter(KERNEL);
        const frame = { entry, start: times[times.length - 1], childMs: 0, nativeMs: 0 };
        frames.push(frame);
        try {
          return inner(args);
        } finally {
          leave();
          frames.pop();
          kernelDepth--;
          const ms = times[times.length - 1] - frame.start;
          entry.calls++;
          entry.ms += ms;
          entry.selfMs += ms - frame.childMs;
          entry.nativeMs += frame.nativeMs;
          const parent = frames[frames.length - 1];
          if (parent) parent.childMs += ms;
        }
      },
    });
  }

  // 2. The backend's allocation and release calls (outermost call only).
  const restoreBackend: (() => void)[] = [];
  let allocDepth = 0;
  for (const name of BACKEND_ALLOC_METHODS) {
    const method = backend[name];
    if (typeof method !== 'function') continue;
    const own = Object.prototype.hasOwnProperty.call(backend, name);
    backend[name] = function (this: unknown, ...args: unknown[]) {
      if (allocDepth > 0) return (method as (...a: unknown[]) => unknown).apply(this, args);
      allocDepth++;
      counts.allocCalls++;
      enter(ALLOC);
      try {
        return (method as (...a: unknown[]) => unknown).apply(this, args);
      } finally {
        leave();
        allocDepth--;
      }
    };
    restoreBackend.push(() => {
      if (own) backend[name] = method;
      else delete backend[name];
    });
  }

  // 3. The native addon's functions (the object the kernels call through).
  const restoreAddon: (() => void)[] = [];
  if (backendName === 'native') {
    const addon = loadAddon() as unknown as Record<string, unknown>;
    for (const name of Object.keys(addon)) {
      const f = addon[name];
      if (typeof f !== 'function') continue;
      addon[name] = (...args: unknown[]) => {
        counts.nativeCalls++;
        const t0 = performance.now();
        enter(NATIVE);
        try {
          return (f as (...a: unknown[]) => unknown)(...args);
        } finally {
          leave();
          const frame = frames[frames.length - 1];
          if (frame) frame.nativeMs += times[times.length - 1] - t0;
        }
      };
      restoreAddon.push(() => (addon[name] = f));
    }
  }

  // 4. GC pauses.
  const gcEntries: { start: number; duration: number }[] = [];
  const observer = new PerformanceObserver((list) => {
    for (const e of list.getEntries()) gcEntries.push({ start: e.startTime, duration: e.duration });
  });
  observer.observe({ entryTypes: ['gc'] });

  const restore = () => {
    for (const r of restoreAddon) r();
    for (const r of restoreBackend) r();
    for (const config of originals) {
      tf.unregisterKernel(config.kernelName, backendName);
      tf.registerKernel(config);
    }
  };
  const c0 = processCpuMs();
  const t0 = performance.now();
  times.push(t0);
  cats.push(DISPATCH);
  try {
    fn();
  } catch (err) {
    restore();
    observer.disconnect();
    throw err;
  }
  const t1 = performance.now();
  const cpuMs = processCpuMs() - c0;
  times.push(t1);
  cats.push(DISPATCH);
  restore();
  // GC entries are delivered asynchronously.
  await new Promise((resolve) => setTimeout(resolve, 0));
  for (const e of observer.takeRecords()) {
    gcEntries.push({ start: e.startTime, duration: e.duration });
  }
  observer.disconnect();
  const { split, gcCount } = splitTimeline(times, cats, gcEntries, t0, t1);
  return {
    backend: backendName,
    wallMs: t1 - t0,
    cpuMs,
    ...split,
    ...counts,
    gcCount,
    kernels: [...perKernel.values()].filter((k) => k.calls > 0).sort((a, b) => b.selfMs - a.selfMs),
  };
}

/**
 * Exclusive time per category from a timeline of category changes, with the GC pauses that
 * fall inside [t0, t1] moved out of whatever category they interrupted.
 */
export function splitTimeline(
  times: readonly number[],
  cats: readonly number[],
  gc: readonly { start: number; duration: number }[],
  t0: number,
  t1: number,
): { split: StepTimeSplit; gcCount: number } {
  const sums = [0, 0, 0, 0];
  for (let i = 0; i + 1 < times.length; i++) sums[cats[i]] += times[i + 1] - times[i];
  let gcMs = 0;
  let gcCount = 0;
  for (const e of gc) {
    const s = Math.max(e.start, t0);
    const end = Math.min(e.start + e.duration, t1);
    if (end <= s) continue;
    gcCount++;
    gcMs += end - s;
    // First segment that ends after s (binary search), then walk while segments start before end.
    let lo = 0;
    let hi = times.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (times[mid + 1] <= s) lo = mid + 1;
      else hi = mid;
    }
    for (let i = lo; i + 1 < times.length && times[i] < end; i++) {
      const overlap = Math.min(times[i + 1], end) - Math.max(times[i], s);
      if (overlap > 0) sums[cats[i]] -= overlap;
    }
  }
  return {
    split: {
      dispatchJsMs: sums[DISPATCH],
      kernelJsMs: sums[KERNEL],
      nativeMs: sums[NATIVE],
      allocMs: sums[ALLOC],
      gcMs,
    },
    gcCount,
  };
}
