/**
 * Parameter and FLOP counts of DARTS's CIFAR evaluation network (NetworkCIFAR) built from a
 * genotype:
 *
 *   stem       Conv3x3(inChannels -> 3C, no bias) + BN
 *   cells      `layers` cells; the ones at layers/3 and 2*layers/3 are reduction cells (C
 *              doubles, stride 2 on the edges that read the cell inputs). Each cell first maps
 *              its inputs to C channels: ReLU-Conv1x1-BN, or FactorizedReduce for the input that
 *              comes from before a reduction. Output: the 4 nodes concatenated (4C channels).
 *   head       global average pool, Linear(4C_last -> classes, with bias)
 *
 * Ops (all BN affine): sep_conv_kxk = twice (ReLU, depthwise kxk, 1x1, BN); dil_conv_kxk = ReLU,
 * depthwise kxk dilation 2, 1x1, BN; skip_connect = identity, or FactorizedReduce (two 1x1
 * convs C -> C/2 at stride 2 + BN) in a reduction; pools have no weights. The auxiliary head is
 * not counted (DARTS reports parameters without it).
 *
 * FLOPs: multiply-accumulates of convolutions (k*k*Cin/groups*Cout per output position) and of
 * the linear layer; BN, ReLU, pooling and additions are not counted.
 */
import { integerSkeleton } from '../types';
import {
  DARTS_CELL_INPUTS,
  DARTS_CIFAR10_SKELETON,
  DARTS_NODES,
  type DartsCellOp,
  type DartsEdge,
  type DartsGenotype,
  type DartsSkeleton,
} from './definition';
import { assertDartsGenotype } from './genotype';

/** A complete, checked skeleton (missing fields from DARTS's CIFAR-10 evaluation network). */
export function dartsSkeleton(input: Partial<DartsSkeleton> = {}): DartsSkeleton {
  const s = integerSkeleton(DARTS_CIFAR10_SKELETON, input);
  if (s.channels % 2 !== 0) {
    throw new Error(
      `skeleton channels must be even (FactorizedReduce halves them), got ${s.channels}`,
    );
  }
  if (s.imageSize % 4 !== 0) {
    throw new Error(
      `skeleton imageSize must be divisible by 4 (two reductions), got ${s.imageSize}`,
    );
  }
  if (s.layers < 3) throw new Error(`skeleton layers must be at least 3, got ${s.layers}`);
  return s;
}

export interface DartsCost {
  params: number;
  /** Multiply-accumulates of one image's forward pass. */
  flops: number;
}

/** Indices of the reduction cells of a network with `layers` cells. */
export function dartsReductionLayers(layers: number): number[] {
  return [Math.floor(layers / 3), Math.floor((2 * layers) / 3)];
}

/** Parameters and FLOPs of the evaluation network for genotype `g` on skeleton `skeleton`. */
export function dartsCost(g: DartsGenotype, skeleton?: Partial<DartsSkeleton>): DartsCost {
  assertDartsGenotype(g);
  const s = dartsSkeleton(skeleton);
  let params = 0;
  let flops = 0;
  const bn = (c: number) => (params += 2 * c);
  /** A conv with k x k kernel, `groups` groups, producing an h x h output. */
  const conv = (cin: number, cout: number, k: number, groups: number, h: number) => {
    params += ((k * k * cin) / groups) * cout;
    flops += ((k * k * cin) / groups) * cout * h * h;
  };
  const reluConvBn = (cin: number, cout: number, h: number) => {
    conv(cin, cout, 1, 1, h);
    bn(cout);
  };
  /** FactorizedReduce from an h x h input. */
  const factorizedReduce = (cin: number, cout: number, h: number) => {
    conv(cin, cout / 2, 1, 1, h / 2);
    conv(cin, cout / 2, 1, 1, h / 2);
    bn(cout);
  };
  /** One edge's op on C channels, input h x h, with the given stride. */
  const op = (name: DartsCellOp, c: number, stride: number, h: number) => {
    const ho = h / stride;
    const sep = (k: number) => {
      conv(c, c, k, c, ho);
      conv(c, c, 1, 1, ho);
      bn(c);
      conv(c, c, k, c, ho);
      conv(c, c, 1, 1, ho);
      bn(c);
    };
    const dil = (k: number) => {
      conv(c, c, k, c, ho);
      conv(c, c, 1, 1, ho);
      bn(c);
    };
    switch (name) {
      case 'sep_conv_3x3':
        return sep(3);
      case 'sep_conv_5x5':
        return sep(5);
      case 'dil_conv_3x3':
        return dil(3);
      case 'dil_conv_5x5':
        return dil(5);
      case 'skip_connect':
        if (stride === 2) factorizedReduce(c, c, h);
        return;
      case 'max_pool_3x3':
      case 'avg_pool_3x3':
        return;
    }
  };

  let h = s.imageSize;
  const stem = s.stemMultiplier * s.channels;
  conv(s.inChannels, stem, 3, 1, h);
  bn(stem);
  let cPrevPrev = stem;
  let cPrev = stem;
  let c = s.channels;
  let hPrevPrev = h;
  let reductionPrev = false;
  const reductions = dartsReductionLayers(s.layers);
  for (let layer = 0; layer < s.layers; layer++) {
    const reduction = reductions.includes(layer);
    if (reduction) c *= 2;
    if (reductionPrev) factorizedReduce(cPrevPrev, c, hPrevPrev);
    else reluConvBn(cPrevPrev, c, h);
    reluConvBn(cPrev, c, h);
    const edges: readonly DartsEdge[] = reduction ? g.reduce : g.normal;
    // In a reduction cell the edges from the cell inputs have stride 2; the nodes themselves
    // (and so the edges between nodes) are already at the reduced size.
    edges.forEach((e) => {
      if (!reduction) op(e.op, c, 1, h);
      else if (e.input < DARTS_CELL_INPUTS) op(e.op, c, 2, h);
      else op(e.op, c, 1, h / 2);
    });
    hPrevPrev = h;
    if (reduction) h /= 2;
    cPrevPrev = cPrev;
    cPrev = DARTS_NODES * c;
    reductionPrev = reduction;
  }
  params += cPrev * s.numClasses + s.numClasses;
  flops += cPrev * s.numClasses;
  return { params, flops };
}
