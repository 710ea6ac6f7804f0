/**
 * DARTS CIFAR cell space supernet built the ENAS way: one shared op per choice. Every cell of
 * DARTS's network skeleton (stem conv3x3 + BN with stemMultiplier*C channels; `layers` cells,
 * reduction cells at layers/3 and 2*layers/3 doubling C; cell inputs preprocessed by
 * ReLU-Conv1x1-BN or FactorizedReduce; output = the 4 nodes concatenated; global pool + linear)
 * owns, for every (node, input vertex, op), one set of weights; an architecture (a genotype:
 * per node two (input, op) slots with distinct inputs) runs only its own 8 edges per cell, so
 * the path's parameters equal those of DARTS's evaluation network for that genotype.
 *
 * Ops as in DARTS: sep_conv_kxk = (ReLU, depthwise kxk, 1x1, BN) twice (the first at the edge's
 * stride); dil_conv_kxk = ReLU, depthwise kxk dilation 2, 1x1, BN; skip_connect = identity or
 * FactorizedReduce at stride 2; 3x3 max / average pools (average excludes padding). Stride-2
 * ops are computed at stride 1 and subsampled at even positions, which equals PyTorch's
 * symmetric padding at stride 2; dilated depthwise kernels are expanded with zeros so that
 * their gradients work on every tfjs backend.
 */
import * as tf from '@tensorflow/tfjs';
import {
  DARTS_CELL_INPUTS,
  DARTS_CELL_OPS,
  DARTS_NODES,
  type DartsCellOp,
  type DartsGenotype,
  type DartsSkeleton,
} from '../../spaces/darts/definition';
import { dartsReductionLayers } from '../../spaces/darts/cost';
import type { ForwardOptions } from '../network';
import * as ops from '../ops';
import {
  BankNetwork,
  WeightBank,
  maxPool3x3,
  type BatchNorm,
  type SpaceNetwork,
  classify,
} from '../blocks';

export type DartsSupernetSkeleton = Omit<DartsSkeleton, 'imageSize'>;

/** x[:, ::2, ::2, :] for even H, W (differentiable on every backend). */
export function subsample2(x: tf.Tensor4D): tf.Tensor4D {
  const [n, h, w, c] = x.shape;
  if (h % 2 !== 0 || w % 2 !== 0) throw new Error(`stride 2 needs even sizes, got ${h}x${w}`);
  const r = tf.reshape(x, [n, h / 2, 2, w / 2, 2 * c]);
  const s = tf.slice(r, [0, 0, 0, 0, 0], [n, h / 2, 1, w / 2, c]);
  return tf.reshape(s, [n, h / 2, w / 2, c]) as tf.Tensor4D;
}

/** A k x k kernel [k, k, c, 1] dilated by 2 into [2k-1, 2k-1, c, 1] (zeros in between). */
export function dilateKernel(w: tf.Tensor4D): tf.Tensor4D {
  const [k, , c] = w.shape;
  const z = tf.zerosLike(w);
  const rows = tf.reshape(tf.stack([w, z], 1), [2 * k, k, c, 1]).slice(0, 2 * k - 1);
  const zr = tf.zerosLike(rows);
  const both = tf.reshape(tf.stack([rows, zr], 2), [2 * k - 1, 2 * k, c, 1]);
  return tf.slice(both, [0, 0, 0, 0], [2 * k - 1, 2 * k - 1, c, 1]) as tf.Tensor4D;
}

interface SepHalf {
  dw: tf.Variable<tf.Rank.R4>;
  pw: tf.Variable<tf.Rank.R4>;
  bn: BatchNorm;
}

interface EdgeWeights {
  halves: SepHalf[];
  /** FactorizedReduce for a stride-2 skip. */
  fr?: FactorizedReduce;
}

interface FactorizedReduce {
  a: tf.Variable<tf.Rank.R4>;
  b: tf.Variable<tf.Rank.R4>;
  bn: BatchNorm;
}

interface CellW {
  reduction: boolean;
  prefix: string;
  pre0:
    | { kind: 'rcb'; w: tf.Variable<tf.Rank.R4>; bn: BatchNorm }
    | { kind: 'fr'; fr: FactorizedReduce };
  pre1: { w: tf.Variable<tf.Rank.R4>; bn: BatchNorm };
  /** key `${node}.${input}.${op}` */
  edges: Map<string, EdgeWeights>;
}

const PARAM_OPS: ReadonlySet<DartsCellOp> = new Set([
  'sep_conv_3x3',
  'sep_conv_5x5',
  'dil_conv_3x3',
  'dil_conv_5x5',
]);

export class DartsSupernet extends BankNetwork implements SpaceNetwork<DartsGenotype> {
  private readonly stem: { w: tf.Variable<tf.Rank.R4>; bn: BatchNorm };
  private readonly cells: CellW[] = [];
  private readonly head: { w: tf.Variable; b: tf.Variable | null };

  constructor(
    readonly skeleton: Readonly<DartsSupernetSkeleton>,
    seed: number,
  ) {
    const s = skeleton;
    super(new WeightBank(seed));
    const stem = s.stemMultiplier * s.channels;
    this.stem = {
      w: this.bank.conv('stem.conv.w', 3, s.inChannels, stem),
      bn: this.bank.batchNorm('stem.bn', stem),
    };
    let [cpp, cp, c] = [stem, stem, s.channels];
    let reductionPrev = false;
    const reductions = dartsReductionLayers(s.layers);
    for (let layer = 0; layer < s.layers; layer++) {
      const reduction = reductions.includes(layer);
      if (reduction) c *= 2;
      const p = `cells.${layer}`;
      const cell: CellW = {
        reduction,
        prefix: p,
        pre0: reductionPrev
          ? { kind: 'fr', fr: this.factorizedReduce(`${p}.pre0`, cpp, c) }
          : {
              kind: 'rcb',
              w: this.bank.conv(`${p}.pre0.conv.w`, 1, cpp, c),
              bn: this.bank.batchNorm(`${p}.pre0.bn`, c),
            },
        pre1: {
          w: this.bank.conv(`${p}.pre1.conv.w`, 1, cp, c),
          bn: this.bank.batchNorm(`${p}.pre1.bn`, c),
        },
        edges: new Map(),
      };
      for (let node = 0; node < DARTS_NODES; node++) {
        for (let input = 0; input < node + DARTS_CELL_INPUTS; input++) {
          for (const op of DARTS_CELL_OPS) {
            const name = `${p}.n${node}.in${input}.${op}`;
            const stride = reduction && input < DARTS_CELL_INPUTS ? 2 : 1;
            const e: EdgeWeights = { halves: [] };
            if (op.startsWith('sep_conv') || op.startsWith('dil_conv')) {
              const k = op.endsWith('5x5') ? 5 : 3;
              const n = op.startsWith('sep') ? 2 : 1;
              for (let h = 0; h < n; h++) {
                e.halves.push({
                  dw: this.bank.depthwise(`${name}.${h}.dw`, k, c),
                  pw: this.bank.conv(`${name}.${h}.pw`, 1, c, c),
                  bn: this.bank.batchNorm(`${name}.${h}.bn`, c),
                });
              }
            } else if (op === 'skip_connect' && stride === 2) {
              e.fr = this.factorizedReduce(name, c, c);
            } else continue;
            cell.edges.set(`${node}.${input}.${op}`, e);
          }
        }
      }
      this.cells.push(cell);
      [cpp, cp] = [cp, DARTS_NODES * c];
      reductionPrev = reduction;
    }
    this.head = this.bank.dense('head.fc', cp, s.numClasses);
  }

  pathNames(g: DartsGenotype): { trainable: string[]; buffers: string[] } {
    const prefixes = ['stem.', 'head.'];
    for (const cell of this.cells) {
      prefixes.push(`${cell.prefix}.pre0.`, `${cell.prefix}.pre1.`);
      (cell.reduction ? g.reduce : g.normal).forEach((e, i) => {
        const node = Math.floor(i / 2);
        if (cell.edges.has(`${node}.${e.input}.${e.op}`)) {
          prefixes.push(`${cell.prefix}.n${node}.in${e.input}.${e.op}.`);
        }
      });
    }
    return this.bank.pick(prefixes);
  }

  forward(x: tf.Tensor, g: DartsGenotype, options: ForwardOptions): tf.Tensor2D {
    return tf.tidy(() => {
      const s0 = this.bank.bn(
        this.stem.bn,
        ops.conv2d(x as tf.Tensor4D, this.stem.w, 1, 1),
        options,
      );
      let [pp, p] = [s0, s0];
      for (const cell of this.cells) {
        const out = this.cellForward(cell, pp, p, g, options);
        [pp, p] = [p, out];
      }
      return classify(p, this.head);
    });
  }

  private factorizedReduce(name: string, cin: number, cout: number): FactorizedReduce {
    return {
      a: this.bank.conv(`${name}.fr.a`, 1, cin, cout / 2),
      b: this.bank.conv(`${name}.fr.b`, 1, cin, cout / 2),
      bn: this.bank.batchNorm(`${name}.fr.bn`, cout),
    };
  }

  private frForward(fr: FactorizedReduce, x: tf.Tensor4D, options: ForwardOptions): tf.Tensor4D {
    const r = ops.relu(x);
    const [n, h, w, c] = r.shape;
    const shifted = tf.pad(tf.slice(r, [0, 1, 1, 0], [n, h - 1, w - 1, c]), [
      [0, 0],
      [0, 1],
      [0, 1],
      [0, 0],
    ]);
    const a = subsample2(ops.conv2d(r, fr.a, 1, 0));
    const b = subsample2(ops.conv2d(shifted, fr.b, 1, 0));
    return this.bank.bn(fr.bn, tf.concat([a, b], 3) as tf.Tensor4D, options);
  }

  private edgeForward(
    cell: CellW,
    node: number,
    input: number,
    op: DartsCellOp,
    x: tf.Tensor4D,
    options: ForwardOptions,
  ): tf.Tensor4D {
    const stride = cell.reduction && input < DARTS_CELL_INPUTS ? 2 : 1;
    const down = (t: tf.Tensor4D) => (stride === 2 ? subsample2(t) : t);
    switch (op) {
      case 'max_pool_3x3':
        return down(maxPool3x3(x));
      case 'avg_pool_3x3':
        return down(ops.avgPool3x3(x));
      case 'skip_connect':
        return stride === 2
          ? this.frForward(cell.edges.get(`${node}.${input}.${op}`)!.fr!, x, options)
          : x;
      default: {
        if (!PARAM_OPS.has(op)) throw new Error(`unknown DARTS op ${op}`);
        const e = cell.edges.get(`${node}.${input}.${op}`)!;
        const dilated = op.startsWith('dil');
        let h = x;
        e.halves.forEach((half, i) => {
          const kernel = dilated ? dilateKernel(half.dw) : (half.dw as tf.Tensor4D);
          h = tf.depthwiseConv2d(ops.relu(h), kernel, 1, 'same');
          if (i === 0) h = down(h);
          h = this.bank.bn(half.bn, ops.conv2d(h, half.pw, 1, 0), options);
        });
        return h;
      }
    }
  }

  private cellForward(
    cell: CellW,
    pp: tf.Tensor4D,
    p: tf.Tensor4D,
    g: DartsGenotype,
    options: ForwardOptions,
  ): tf.Tensor4D {
    const s0 =
      cell.pre0.kind === 'fr'
        ? this.frForward(cell.pre0.fr, pp, options)
        : this.bank.bn(cell.pre0.bn, ops.conv2d(ops.relu(pp), cell.pre0.w, 1, 0), options);
    const s1 = this.bank.bn(cell.pre1.bn, ops.conv2d(ops.relu(p), cell.pre1.w, 1, 0), options);
    const states = [s0, s1];
    const edges = cell.reduction ? g.reduce : g.normal;
    for (let node = 0; node < DARTS_NODES; node++) {
      const terms = [edges[2 * node], edges[2 * node + 1]].map((e) =>
        this.edgeForward(cell, node, e.input, e.op, states[e.input], options),
      );
      states.push(tf.add(terms[0], terms[1]));
    }
    return tf.concat(states.slice(DARTS_CELL_INPUTS), 3) as tf.Tensor4D;
  }
}
