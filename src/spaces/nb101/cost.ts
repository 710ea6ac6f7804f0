/**
 * Parameter and FLOP counts of NAS-Bench-101 networks, following the benchmark's model builder:
 *
 *   stem        Conv3x3(inChannels -> C, no bias) + BN + ReLU
 *   stack s     `cellsPerStack` cells with C * 2^s output channels; before every stack but the
 *               first: MaxPool 2x2 stride 2 ('same') and the channels double
 *   head        global average pool, Linear(C * 2^(stacks-1) -> classes, with bias)
 *
 * Inside a cell with Cin input and Cout output channels, interior vertex channels follow the
 * benchmark: the vertices feeding the output split Cout evenly (remainder to the first ones), the
 * others take the largest channel count of their successors. An edge from the cell input to a
 * vertex is a 1x1 conv-BN-ReLU projection Cin -> c; conv ops are conv(kxk, c -> c, no bias) +
 * BN; max-pool keeps channels; an input->output edge adds a projection Cin -> Cout. Every BN has
 * 2 trainable parameters per channel. The benchmark's own count for its Inception-like example
 * cell, 2694282, is pinned by the tests.
 *
 * FLOPs: multiply-accumulates of convolutions (k*k*Cin*Cout per output position) and of the final
 * linear layer (in*out); BN, ReLU, pooling and additions are not counted.
 */
import { integerSkeleton } from '../types';
import { NB101_CIFAR10_SKELETON, type Nb101Arch, type Nb101Skeleton } from './definition';
import { nb101ToSpec, type Nb101Spec } from './arch';

/** A complete, checked skeleton (missing fields from the benchmark's CIFAR-10 skeleton). */
export function nb101Skeleton(input: Partial<Nb101Skeleton> = {}): Nb101Skeleton {
  return integerSkeleton(NB101_CIFAR10_SKELETON, input);
}

export interface Nb101Cost {
  params: number;
  /** Multiply-accumulates of one image's forward pass (conv + linear). */
  flops: number;
  breakdown: { conv: number; linear: number };
}

/** Channels of every vertex of a cell, as the benchmark computes them. */
export function nb101VertexChannels(
  matrix: readonly (readonly number[])[],
  inChannels: number,
  outChannels: number,
): number[] {
  const v = matrix.length;
  const ch = new Array<number>(v).fill(0);
  ch[0] = inChannels;
  ch[v - 1] = outChannels;
  if (v === 2) return ch;
  let inDegree = 0;
  for (let i = 1; i < v; i++) inDegree += matrix[i][v - 1];
  if (inDegree === 0) throw new Error('no interior vertex feeds the output');
  const interior = Math.floor(outChannels / inDegree);
  let correction = outChannels % inDegree;
  for (let i = 1; i < v - 1; i++) {
    if (!matrix[i][v - 1]) continue;
    ch[i] = interior;
    if (correction > 0) {
      ch[i] += 1;
      correction -= 1;
    }
  }
  for (let i = v - 3; i > 0; i--) {
    if (matrix[i][v - 1]) continue;
    for (let dst = i + 1; dst < v - 1; dst++) {
      if (matrix[i][dst]) ch[i] = Math.max(ch[i], ch[dst]);
    }
  }
  for (let i = 1; i < v - 1; i++) {
    if (ch[i] <= 0) throw new Error(`vertex ${i} gets no channels (is it pruned?)`);
  }
  return ch;
}

const KERNEL: Record<string, number> = { 'conv3x3-bn-relu': 3, 'conv1x1-bn-relu': 1 };

function checkSpec(spec: Nb101Spec): void {
  const v = spec.matrix.length;
  const shown = JSON.stringify(spec);
  if (v < 2 || spec.ops.length !== v) throw new Error(`malformed NAS-Bench-101 spec ${shown}`);
  // Every vertex must lie on an input -> output path (a pruned spec).
  const fromInput = new Array<boolean>(v).fill(false);
  fromInput[0] = true;
  for (let j = 1; j < v; j++) {
    for (let i = 0; i < j; i++) if (spec.matrix[i][j] && fromInput[i]) fromInput[j] = true;
  }
  const toOutput = new Array<boolean>(v).fill(false);
  toOutput[v - 1] = true;
  for (let i = v - 2; i >= 0; i--) {
    for (let j = i + 1; j < v; j++) if (spec.matrix[i][j] && toOutput[j]) toOutput[i] = true;
  }
  for (let i = 0; i < v; i++) {
    if (!fromInput[i] || !toOutput[i]) {
      throw new Error(`NAS-Bench-101 spec ${shown} is not pruned: vertex ${i} is a loose end`);
    }
  }
  for (let i = 1; i < v - 1; i++) {
    const op = spec.ops[i];
    if (op !== 'maxpool3x3' && KERNEL[op] === undefined) {
      throw new Error(`NAS-Bench-101 spec ${shown}: unknown op ${JSON.stringify(op)}`);
    }
  }
}

/**
 * Parameters and FLOPs of the NAS-Bench-101 network whose cell is `spec` (any pruned benchmark
 * spec, not only this subspace's cells).
 */
export function nb101SpecCost(spec: Nb101Spec, skeleton?: Partial<Nb101Skeleton>): Nb101Cost {
  checkSpec(spec);
  const s = nb101Skeleton(skeleton);
  const m = spec.matrix;
  const v = m.length;
  let params = 0;
  const f = { conv: 0, linear: 0 };
  const conv = (cin: number, cout: number, k: number, h: number) => {
    params += k * k * cin * cout + 2 * cout; // conv without bias + BN(gamma, beta)
    f.conv += k * k * cin * cout * h * h;
  };

  let h = s.imageSize;
  let c = s.stemChannels;
  conv(s.inChannels, c, 3, h);
  let cin = c;
  for (let stack = 0; stack < s.stacks; stack++) {
    if (stack > 0) {
      h = Math.ceil(h / 2);
      c *= 2;
    }
    for (let cell = 0; cell < s.cellsPerStack; cell++) {
      const ch = nb101VertexChannels(m, cin, c);
      for (let t = 1; t < v - 1; t++) {
        if (m[0][t]) conv(cin, ch[t], 1, h);
        const k = KERNEL[spec.ops[t]];
        if (k !== undefined) conv(ch[t], ch[t], k, h);
      }
      if (m[0][v - 1]) conv(cin, c, 1, h);
      cin = c;
    }
  }
  params += c * s.numClasses + s.numClasses;
  f.linear += c * s.numClasses;
  return { params, flops: f.conv + f.linear, breakdown: f };
}

/** Parameters and FLOPs of the NAS-Bench-101 network built from a cell of this space. */
export function nb101Cost(arch: Nb101Arch, skeleton?: Partial<Nb101Skeleton>): Nb101Cost {
  return nb101SpecCost(nb101ToSpec(arch), skeleton);
}
