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
import { sampleNb201 } from '../spaces/nb201/sample';

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

/** Wall-clock ms of each of `n` calls of `fn`. */
function timed(n: number, fn: (i: number) => void): number[] {
  return Array.from({ length: n }, (_, i) => {
    const t = performance.now();
    fn(i);
    return performance.now() - t;
  });
}

const mib = (bytes: number) => bytes / 2 ** 20;

function rssMiB(): number {
  return mib(process.memoryUsage().rss);
}

function peakRssMiB(): number {
  return process.resourceUsage().maxRSS / 1024;
}

/**
 * The network, optimizer and batch of a workload, and one training step on them (on the
 * spec's architectures in turn, or on `nextArch()` each step).
 */
function setUp(spec: WorkloadSpec & { nextArch?: () => Nb201Arch }) {
  const { channels, cellsPerStage, inputChannels, classes } = spec;
  const net = createSupernet(
    { channels, cellsPerStage, inputChannels, classes },
    { seed: spec.seed },
  );
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
    const arch = spec.nextArch ? spec.nextArch() : archs[k++ % archs.length];
    const r = trainStep(net, arch, images, labels, shape, sgd, 0.05);
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
  let c0 = cpuMs();
  const trainStepMs = timed(spec.trainSteps, step);
  const trainCpuMs = cpuMs() - c0;
  const memEnd = tf.memory();

  let evalStepMs: number[] = [];
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
    evalStepMs = timed(spec.evalSteps, (i) => evalOnce(archs[(spec.warmup + i) % archs.length]));
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
  const plainStepMs = timed(n, step);
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

/** One memory sample of the soak (MiB unless said otherwise). */
export interface SoakSample {
  /** Training steps done (0: after warm-up, before the soak). */
  step: number;
  rssMiB: number;
  heapUsedMiB: number;
  externalMiB: number;
  arrayBuffersMiB: number;
  /** tf.memory(): tensors and (tfjs-counted, views included) bytes. */
  numTensors: number;
  numBytes: number;
  /** The native engine's buffer pool (null on other engines): pooled and live buffers. */
  pooledMiB: number | null;
  liveMiB: number | null;
}

export interface SoakSpec extends WorkloadSpec {
  /** Memory samples taken over the soak (plus the one before it). */
  samples: number;
}

export interface SoakResult {
  engine: string;
  threads: number;
  steps: number;
  /** Mean wall-clock ms per step. */
  stepMs: number;
  samples: SoakSample[];
  /** Samples after warm-up, at the middle step and at the end. */
  start: SoakSample;
  middle: SoakSample;
  end: SoakSample;
  /** Least-squares slope of RSS over the second half of the soak, MiB per 1000 steps. */
  rssSlopeMiBPer1000: number;
  /** tf.memory() tensors and bytes at the end minus after warm-up (0 when flat). */
  tensorGrowth: number;
  byteGrowth: number;
  peakRssMiB: number;
  /** Mean loss of the first and the last 5% of the steps (the training does train). */
  lossFirst: number;
  lossLast: number;
}

/** Least-squares slope of y over x (0 for fewer than two points). */
export function slope(x: readonly number[], y: readonly number[]): number {
  const n = x.length;
  if (n < 2) return 0;
  const mx = x.reduce((a, b) => a + b, 0) / n;
  const my = y.reduce((a, b) => a + b, 0) / n;
  let num = 0;
  let den = 0;
  for (let i = 0; i < n; i++) {
    num += (x[i] - mx) * (y[i] - my);
    den += (x[i] - mx) ** 2;
  }
  return den > 0 ? num / den : 0;
}

/**
 * The memory soak (issue 14: flat over 10000 steps): `trainSteps` SPOS steps of the workload's
 * network, a freshly sampled cell every step (as SPOS training does, so every op and shape
 * recurs), sampling RSS, the V8 heap, tf.memory() and the buffer pool `samples` times.
 */
export async function soakWorkload(spec: SoakSpec, context: PoolContext): Promise<SoakResult> {
  const archRng = new Rng(`soak-${spec.seed}`);
  const { losses, step, dispose } = setUp({
    ...spec,
    archs: [],
    nextArch: () => [...sampleNb201(archRng)] as unknown as Nb201Arch,
  });
  for (let i = 0; i < spec.warmup; i++) step();
  losses.length = 0;
  const backend = tf.backend() as unknown as {
    poolStats?: () => { pooledBytes: number; liveBytes: number };
  };
  const sample = (stepsDone: number): SoakSample => {
    const m = process.memoryUsage();
    const t = tf.memory();
    const pool = backend.poolStats?.();
    return {
      step: stepsDone,
      rssMiB: mib(m.rss),
      heapUsedMiB: mib(m.heapUsed),
      externalMiB: mib(m.external),
      arrayBuffersMiB: mib(m.arrayBuffers),
      numTensors: t.numTensors,
      numBytes: t.numBytes,
      pooledMiB: pool ? mib(pool.pooledBytes) : null,
      liveMiB: pool ? mib(pool.liveBytes) : null,
    };
  };
  const steps = Math.max(2, spec.trainSteps);
  const every = Math.max(1, Math.floor(steps / Math.max(2, spec.samples)));
  const middleStep = Math.floor(steps / 2);
  const samples = [sample(0)];
  let middle = samples[0];
  const t0 = performance.now();
  for (let i = 1; i <= steps; i++) {
    step();
    if (i % every === 0 || i === steps || i === middleStep) {
      const s = sample(i);
      if (samples[samples.length - 1].step !== i) samples.push(s);
      if (i === middleStep) middle = s;
    }
  }
  const stepMs = (performance.now() - t0) / steps;
  dispose();
  const end = samples[samples.length - 1];
  const late = samples.filter((s) => s.step >= middleStep);
  const tail = Math.max(1, Math.floor(losses.length / 20));
  const meanOf = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);
  return {
    engine: context.engine.name,
    threads: context.engine.threads,
    steps,
    stepMs,
    samples,
    start: samples[0],
    middle,
    end,
    rssSlopeMiBPer1000:
      1000 *
      slope(
        late.map((s) => s.step),
        late.map((s) => s.rssMiB),
      ),
    tensorGrowth: end.numTensors - samples[0].numTensors,
    byteGrowth: end.numBytes - samples[0].numBytes,
    peakRssMiB: peakRssMiB(),
    lossFirst: meanOf(losses.slice(0, tail)),
    lossLast: meanOf(losses.slice(-tail)),
  };
}
