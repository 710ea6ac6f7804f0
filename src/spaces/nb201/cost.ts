/**
 * Parameter and FLOP counts of the NAS-Bench-201 macro skeleton, computed from the definition:
 *
 *   stem        Conv3x3(inChannels -> C, no bias) + BN
 *   stage 1     N cells at C channels, H x H
 *   reduction   ResNet block C -> 2C: ReLU-Conv3x3(stride 2)-BN, ReLU-Conv3x3-BN,
 *               shortcut AvgPool2x2(stride 2) + Conv1x1 (no bias, no BN)
 *   stage 2     N cells at 2C, H/2
 *   reduction   2C -> 4C
 *   stage 3     N cells at 4C, H/4
 *   head        BN + ReLU, global average pool, Linear(4C -> classes, with bias)
 *
 * Cell edges: nor_conv_kxk = ReLU-Conv(kxk, no bias)-BN(affine); avg_pool_3x3 (stride 1, pad 1);
 * skip_connect and none have no parameters and no FLOPs. Every edge of every cell is counted,
 * whether or not it is connected to the cell's output (the network holds it either way).
 *
 * Parameters: every trainable tensor, BN affine weights included (the benchmark's count).
 *
 * FLOPs: the convention of the published NAS-Bench-201 numbers in NASLib's data (computed with
 * a torchstat-style per-layer counter on a batch of one image):
 *   conv     k*k*Cin*Cout per output position (multiply-accumulates; no bias here)
 *   BN       2 per element (affine)          ReLU  1 per input element
 *   AvgPool  k*k per output element          global average pool  (H+1)*(W+1) per channel
 *   Linear   in*out (bias not counted)       additions of cell nodes and of the residual: 0
 * For the benchmark skeleton (C=16, N=5, 3x32x32, 10 classes) this reproduces the subset's
 * numbers exactly (tests pin all of them); `breakdown.conv + breakdown.linear` are the plain
 * multiply-accumulates.
 */
import { NB201_EDGES, type Nb201Arch, type Nb201Op } from './definition';
import { assertNb201Arch } from './arch';
import { integerSkeleton } from '../types';

/** Size of the macro skeleton. */
export interface Nb201MacroSkeleton {
  /** C: channels of stage 1 (then 2C and 4C). */
  channels: number;
  /** N: cells per stage. */
  cellsPerStage: number;
  /** Image channels: 3 for CIFAR, 1 for Fashion-MNIST. */
  inChannels: number;
  /** Output classes. */
  numClasses: number;
  /** Height = width of the input images; divisible by 4. */
  imageSize: number;
}

/** The benchmark's CIFAR-10 skeleton. */
export const NB201_CIFAR10_SKELETON: Readonly<Nb201MacroSkeleton> = Object.freeze({
  channels: 16,
  cellsPerStage: 5,
  inChannels: 3,
  numClasses: 10,
  imageSize: 32,
});

/**
 * A partial skeleton; missing fields come from NB201_CIFAR10_SKELETON. `inputChannels` and
 * `classes` are accepted as aliases of `inChannels` and `numClasses` (the supernet's spelling).
 */
export type Nb201SkeletonInput = Partial<Nb201MacroSkeleton> & {
  inputChannels?: number;
  classes?: number;
};

/** A field given under both spellings must agree. */
function unalias(
  input: Nb201SkeletonInput,
  name: 'inChannels' | 'numClasses',
  alias: 'inputChannels' | 'classes',
): number | undefined {
  const [a, b] = [input[name], input[alias]];
  if (a !== undefined && b !== undefined && a !== b) {
    throw new Error(`skeleton gives ${name}=${a} and ${alias}=${b}; they must agree`);
  }
  return a ?? b;
}

/** A complete, checked skeleton. */
export function nb201Skeleton(input: Nb201SkeletonInput = {}): Nb201MacroSkeleton {
  const s = integerSkeleton(NB201_CIFAR10_SKELETON, {
    ...input,
    inChannels: unalias(input, 'inChannels', 'inputChannels'),
    numClasses: unalias(input, 'numClasses', 'classes'),
  });
  if (s.imageSize % 4 !== 0) {
    throw new Error(
      `skeleton imageSize must be divisible by 4 (two stride-2 reductions), got ${s.imageSize}`,
    );
  }
  return s;
}

export interface Nb201Cost {
  params: number;
  flops: number;
  /** FLOPs by layer kind; conv + linear = multiply-accumulates. */
  breakdown: { conv: number; linear: number; batchNorm: number; relu: number; pool: number };
}

const outSize = (h: number, k: number, stride: number, pad: number) =>
  Math.floor((h + 2 * pad - k) / stride) + 1;

/** Parameters and FLOPs (see the module comment for the convention) in one pass. */
export function nb201Cost(arch: Nb201Arch, skeleton?: Nb201SkeletonInput): Nb201Cost {
  assertNb201Arch(arch);
  const s = nb201Skeleton(skeleton);
  let params = 0;
  const f = { conv: 0, linear: 0, batchNorm: 0, relu: 0, pool: 0 };

  // Layers, each at spatial size h x h; they return the output size.
  const conv = (cin: number, cout: number, k: number, stride: number, pad: number, h: number) => {
    const ho = outSize(h, k, stride, pad);
    params += k * k * cin * cout;
    f.conv += k * k * cin * cout * ho * ho;
    return ho;
  };
  const bn = (c: number, h: number) => {
    params += 2 * c;
    f.batchNorm += 2 * c * h * h;
  };
  const relu = (c: number, h: number) => {
    f.relu += c * h * h;
  };
  const avgPool = (c: number, k: number, stride: number, pad: number, h: number) => {
    const ho = outSize(h, k, stride, pad);
    f.pool += k * k * c * ho * ho;
    return ho;
  };
  const reluConvBn = (cin: number, cout: number, k: number, stride: number, h: number) => {
    relu(cin, h);
    const ho = conv(cin, cout, k, stride, (k - 1) / 2, h);
    bn(cout, ho);
    return ho;
  };
  const edge = (op: Nb201Op, c: number, h: number) => {
    switch (op) {
      case 'nor_conv_3x3':
        reluConvBn(c, c, 3, 1, h);
        break;
      case 'nor_conv_1x1':
        reluConvBn(c, c, 1, 1, h);
        break;
      case 'avg_pool_3x3':
        avgPool(c, 3, 1, 1, h);
        break;
      case 'skip_connect':
      case 'none':
        break;
    }
  };

  let h = s.imageSize;
  let c = s.channels;
  h = conv(s.inChannels, c, 3, 1, 1, h);
  bn(c, h);
  for (let stage = 0; stage < 3; stage++) {
    if (stage > 0) {
      const cout = 2 * c;
      const hMain = reluConvBn(c, cout, 3, 2, h);
      reluConvBn(cout, cout, 3, 1, hMain);
      const hShort = avgPool(c, 2, 2, 0, h);
      conv(c, cout, 1, 1, 0, hShort);
      if (hShort !== hMain) {
        throw new Error(`reduction at ${h}x${h} gives ${hMain} (main) vs ${hShort} (shortcut)`);
      }
      c = cout;
      h = hMain;
    }
    for (let cell = 0; cell < s.cellsPerStage; cell++) {
      NB201_EDGES.forEach((_, k) => edge(arch[k], c, h));
    }
  }
  bn(c, h);
  relu(c, h);
  f.pool += c * (h + 1) * (h + 1); // global average pool
  params += c * s.numClasses + s.numClasses;
  f.linear += c * s.numClasses;

  const flops = f.conv + f.linear + f.batchNorm + f.relu + f.pool;
  return { params, flops, breakdown: f };
}

/** Trainable parameters (exact count) of the network for `arch` on `skeleton`. */
export function nb201ParamCount(arch: Nb201Arch, skeleton?: Nb201SkeletonInput): number {
  return nb201Cost(arch, skeleton).params;
}

/** FLOPs of one image's forward pass, in the benchmark-data convention (module comment). */
export function nb201Flops(arch: Nb201Arch, skeleton?: Nb201SkeletonInput): number {
  return nb201Cost(arch, skeleton).flops;
}
