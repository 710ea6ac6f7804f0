/**
 * The measured workload of `supernet-lab bench`, run inside a pool worker (one engine per
 * process): single-path (SPOS) training steps of the NAS-Bench-201 supernet through the
 * library's own training step, then sub-network evaluation (inference with running statistics).
 * The PyTorch reference (scripts/bench-torch.py) runs the same network, architectures, batch
 * sizes and thread count.
 */
import * as tf from '@tensorflow/tfjs';
import type { Nb201Arch } from '../spaces/nb201/definition';
import { createSupernet } from '../supernet/network';
import { Sgd } from '../core/sgd';
import { trainStep } from '../train/step';
import type { PoolContext } from '../engine/pool';
import { profileStep, type KernelTime, type StepProfile } from '../engine/profile';
import { Rng } from '../engine/random';

export interface WorkloadSpec {
  channels: number;
  cellsPerStage: number;
  inputChannels: number;
  classes: number;
  imageSize: number;
  batch: number;
  evalBatch: number;
  /** Architectures used in turn (one per step). */
  archs: string[][];
  warmup: number;
  trainSteps: number;
  evalSteps: number;
  seed: number;
}

export interface WorkloadResult {
  engine: string;
  backend: string;
  threads: number;
  trainStepMs: number[];
  trainCpuMs: number;
  evalStepMs: number[];
  evalCpuMs: number;
  trainImagesPerSec: number;
  evalImagesPerSec: number;
  /** Peak resident memory of the process (process.resourceUsage().maxRSS) at the end. */
  peakRssMiB: number;
  /** Resident memory when the job started (engine loaded, before the network was built). */
  startRssMiB?: number;
  /** tf.memory() after warm-up and at the end of training: must not grow. */
  tensors: { afterWarmup: number; end: number };
  bytes: { afterWarmup: number; end: number };
  losses: number[];
}

function cpuMs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

/** Images per second from step times (total images / total time). */
export function imagesPerSecond(batch: number, stepMs: readonly number[]): number {
  const total = stepMs.reduce((a, b) => a + b, 0);
  return total > 0 ? (batch * stepMs.length * 1000) / total : 0;
}

function rssMiB(): number {
  return process.memoryUsage().rss / 2 ** 20;
}

function peakRssMiB(): number {
  return process.resourceUsage().maxRSS / 1024;
}

/** The network, optimizer and batch of a workload, and one training step on them. */
function setUp(spec: WorkloadSpec) {
  const skeleton = {
    channels: spec.channels,
    cellsPerStage: spec.cellsPerStage,
    inputChannels: spec.inputChannels,
    classes: spec.classes,
  };
  const net = createSupernet(skeleton, { seed: spec.seed });
  const sgd = new Sgd({ momentum: 0.9, nesterov: true, weightDecay: 5e-4, clipNorm: 5 });
  // Momentum buffers for every weight up front, so the tensor count stays flat.
  sgd.initBuffers(net.variables.trainable);
  const rng = new Rng(spec.seed);
  const s = spec.imageSize;
  const shape = [spec.batch, s, s, spec.inputChannels] as const;
  const images = rng.fillNormal(new Float32Array(spec.batch * s * s * spec.inputChannels));
  const labels = Int32Array.from({ length: spec.batch }, () => rng.int(spec.classes));
  const archs = spec.archs as unknown as Nb201Arch[];
  const losses: number[] = [];
  let k = 0;
  const step = () => {
    const r = trainStep(net, archs[k++ % archs.length], images, labels, shape, sgd, 0.05);
    losses.push(r.loss);
  };
  const dispose = () => {
    sgd.dispose();
    net.dispose();
  };
  return { net, rng, archs, losses, step, dispose };
}

export async function measureWorkload(
  spec: WorkloadSpec,
  context: PoolContext,
): Promise<WorkloadResult> {
  const startRssMiB = rssMiB();
  const { net, rng, archs, losses, step, dispose } = setUp(spec);
  const s = spec.imageSize;
  for (let i = 0; i < spec.warmup; i++) step();
  const memWarm = tf.memory();
  const trainStepMs: number[] = [];
  let c0 = cpuMs();
  for (let i = 0; i < spec.trainSteps; i++) {
    const t = performance.now();
    step();
    trainStepMs.push(performance.now() - t);
  }
  const trainCpuMs = cpuMs() - c0;
  const memEnd = tf.memory();

  const evalStepMs: number[] = [];
  let evalCpuMs = 0;
  // evalSteps 0: no evaluation at all (no eval-batch activations in the peak memory either).
  if (spec.evalSteps > 0) {
    const evalImages = tf.tensor4d(
      rng.fillNormal(new Float32Array(spec.evalBatch * s * s * spec.inputChannels)),
      [spec.evalBatch, s, s, spec.inputChannels],
    );
    // Read the logits back (as evaluation does); nothing is returned from tidy (it would walk it).
    const evalOnce = (arch: Nb201Arch) => {
      const logits = tf.tidy(() => net.forward(evalImages, arch, { mode: 'eval' }));
      logits.dataSync();
      logits.dispose();
    };
    for (let i = 0; i < spec.warmup; i++) evalOnce(archs[i % archs.length]);
    c0 = cpuMs();
    for (let i = 0; i < spec.evalSteps; i++) {
      const t = performance.now();
      evalOnce(archs[(spec.warmup + i) % archs.length]);
      evalStepMs.push(performance.now() - t);
    }
    evalCpuMs = cpuMs() - c0;
    evalImages.dispose();
  }
  dispose();
  return {
    engine: context.engine.name,
    backend: context.engine.backend,
    threads: context.engine.threads,
    trainStepMs,
    trainCpuMs,
    evalStepMs,
    evalCpuMs,
    trainImagesPerSec: imagesPerSecond(spec.batch, trainStepMs),
    evalImagesPerSec: imagesPerSecond(spec.evalBatch, evalStepMs),
    peakRssMiB: peakRssMiB(),
    startRssMiB,
    tensors: { afterWarmup: memWarm.numTensors, end: memEnd.numTensors },
    bytes: { afterWarmup: memWarm.numBytes, end: memEnd.numBytes },
    losses,
  };
}

/** Per-step means of a profile (see profileStep) and the kernels that took the most time. */
export interface WorkloadProfile {
  engine: string;
  backend: string;
  threads: number;
  batch: number;
  warmup: number;
  /** Profiled steps (the means below are per step over these). */
  steps: number;
  /** Wall-clock ms of the same number of unprofiled steps, run just before: the wrappers' cost. */
  plainStepMs: number[];
  /** Wall-clock ms of each profiled step. */
  profiledStepMs: number[];
  mean: Omit<StepProfile, 'kernels' | 'backend'>;
  /** Slowest kernels by self time (without nested kernels), per step. */
  kernels: (KernelTime & { selfMs: number; nativeMs: number })[];
  /** One step under tf.profile: tfjs's own tensor accounting. */
  tfProfile: { newBytes: number; newTensors: number; peakBytes: number; kernels: number };
  /** process.memoryUsage() after the profiled steps, and the process's peak RSS (MiB). */
  memoryMiB: {
    rss: number;
    heapUsed: number;
    external: number;
    arrayBuffers: number;
    peakRss: number;
  };
}

export interface ProfileSpec extends WorkloadSpec {
  /** Profiled steps (after `warmup` steps and as many unprofiled ones). */
  profileSteps: number;
}

/**
 * Profile of SPOS training steps of the workload's network: where the wall-clock time of a step
 * goes (native kernels, kernel JS, tfjs dispatch/JS, allocation, GC), per step over
 * `profileSteps` steps after warm-up. Synchronous engines only (native, wasm, cpu).
 */
export async function profileWorkload(
  spec: ProfileSpec,
  context: PoolContext,
): Promise<WorkloadProfile> {
  if (!['native', 'wasm', 'cpu'].includes(context.engine.name)) {
    throw new Error(
      `the step profile needs a synchronous engine (native, wasm, cpu), not ${context.engine.name}`,
    );
  }
  const { step, dispose } = setUp(spec);
  for (let i = 0; i < Math.max(1, spec.warmup); i++) step();
  const n = Math.max(1, spec.profileSteps);
  const plainStepMs: number[] = [];
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    step();
    plainStepMs.push(performance.now() - t);
  }
  const info = await tf.profile(() => step());
  const profiles: StepProfile[] = [];
  for (let i = 0; i < n; i++) profiles.push(await profileStep(step));
  dispose();

  const meanOf = (f: (p: StepProfile) => number) => profiles.reduce((a, p) => a + f(p), 0) / n;
  const mean = {
    wallMs: meanOf((p) => p.wallMs),
    cpuMs: meanOf((p) => p.cpuMs),
    nativeMs: meanOf((p) => p.nativeMs),
    kernelJsMs: meanOf((p) => p.kernelJsMs),
    dispatchJsMs: meanOf((p) => p.dispatchJsMs),
    allocMs: meanOf((p) => p.allocMs),
    gcMs: meanOf((p) => p.gcMs),
    kernelCalls: meanOf((p) => p.kernelCalls),
    kernelCallsNested: meanOf((p) => p.kernelCallsNested),
    nativeCalls: meanOf((p) => p.nativeCalls),
    allocCalls: meanOf((p) => p.allocCalls),
    gcCount: meanOf((p) => p.gcCount),
  };
  const byKernel = new Map<string, KernelTime & { selfMs: number; nativeMs: number }>();
  for (const p of profiles) {
    for (const k of p.kernels) {
      const e = byKernel.get(k.kernel) ?? {
        kernel: k.kernel,
        calls: 0,
        ms: 0,
        selfMs: 0,
        nativeMs: 0,
      };
      e.calls += k.calls / n;
      e.ms += k.ms / n;
      e.selfMs += k.selfMs / n;
      e.nativeMs += k.nativeMs / n;
      byKernel.set(k.kernel, e);
    }
  }
  const mem = process.memoryUsage();
  const mib = (b: number) => b / 2 ** 20;
  return {
    engine: context.engine.name,
    backend: context.engine.backend,
    threads: context.engine.threads,
    batch: spec.batch,
    warmup: Math.max(1, spec.warmup),
    steps: n,
    plainStepMs,
    profiledStepMs: profiles.map((p) => p.wallMs),
    mean,
    kernels: [...byKernel.values()].sort((a, b) => b.selfMs - a.selfMs).slice(0, 12),
    tfProfile: {
      newBytes: info.newBytes,
      newTensors: info.newTensors,
      peakBytes: info.peakBytes,
      kernels: info.kernels.length,
    },
    memoryMiB: {
      rss: mib(mem.rss),
      heapUsed: mib(mem.heapUsed),
      external: mib(mem.external),
      arrayBuffers: mib(mem.arrayBuffers),
      peakRss: peakRssMiB(),
    },
  };
}
