/**
 * The measured workload of `supernet-lab bench`, run inside a pool worker (one engine per
 * process): single-path (SPOS) training steps of the NAS-Bench-201 supernet through the
 * library's own training step, then sub-network evaluation (inference with running statistics).
 * The PyTorch reference (scripts/bench-torch.py) runs the same network, architectures, batch
 * sizes and thread count.
 */
import * as tf from '@tensorflow/tfjs';
import type { Nb201Arch } from '../../spaces/nb201/definition';
import { createSupernet } from '../../supernet/network';
import { Sgd } from '../../train/sgd';
import { trainStep } from '../../train/step';
import type { PoolContext } from '../pool';
import { Rng } from '../random';

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
  peakRssMiB: number;
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

export async function measureWorkload(
  spec: WorkloadSpec,
  context: PoolContext,
): Promise<WorkloadResult> {
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
  const evalStepMs: number[] = [];
  for (let i = 0; i < spec.warmup; i++) evalOnce(archs[i % archs.length]);
  c0 = cpuMs();
  for (let i = 0; i < spec.evalSteps; i++) {
    const t = performance.now();
    evalOnce(archs[(spec.warmup + i) % archs.length]);
    evalStepMs.push(performance.now() - t);
  }
  const evalCpuMs = cpuMs() - c0;
  evalImages.dispose();
  sgd.dispose();
  net.dispose();
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
    peakRssMiB: process.resourceUsage().maxRSS / 1024,
    tensors: { afterWarmup: memWarm.numTensors, end: memEnd.numTensors },
    bytes: { afterWarmup: memWarm.numBytes, end: memEnd.numBytes },
    losses,
  };
}
