/**
 * Weight-sharing supernet of the seed-001 NAS-Bench-101 subspace (NAS-Bench-1Shot1 style) on
 * the NAS-Bench-101 skeleton:
 *
 *   stem: conv3x3-bn-relu (in -> C)
 *   S stacks of N cells; before stacks 2.. a 2x2 max-pool (stride 2); the first cell of every
 *   later stack doubles the channels
 *   head: global average pool, linear
 *
 * Cell (cin -> cout): every intermediate node has cout/2 channels (the benchmark's channel rule
 * for this subspace: the output concatenates 2 nodes and every interior node feeds on); a node
 * that reads the cell input gets it through its own 1x1 conv-bn-relu projection; a node sums its
 * inputs and applies its op (conv3x3-bn-relu, conv1x1-bn-relu or maxpool3x3, stride 1); the
 * output concatenates the 2 chosen nodes. Shared weights: each node owns one projection and one
 * weight set per conv op, used by every architecture that puts that op on that node (whatever
 * its inputs), as in NAS-Bench-1Shot1's one-shot model.
 */
import * as tf from '@tensorflow/tfjs';
import type { Nb101Arch, Nb101Skeleton } from '../../spaces/nb101/definition';
import { NB101_NODES } from '../../spaces/nb101/definition';
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

export type Nb101SupernetSkeleton = Omit<Nb101Skeleton, 'imageSize'>;

interface ConvBn {
  w: tf.Variable<tf.Rank.R4>;
  bn: BatchNorm;
  pad: number;
}

interface CellWeights {
  prefix: string;
  half: number;
  proj: ConvBn[];
  conv3: ConvBn[];
  conv1: ConvBn[];
}

export class Nb101Supernet extends BankNetwork implements SpaceNetwork<Nb101Arch> {
  private readonly stem: ConvBn;
  private readonly cells: CellWeights[] = [];
  /** Cell indices preceded by a 2x2 max-pool. */
  private readonly poolBefore = new Set<number>();
  private readonly head: { w: tf.Variable; b: tf.Variable | null };

  constructor(
    readonly skeleton: Readonly<Nb101SupernetSkeleton>,
    seed: number,
  ) {
    const { stemChannels: c, stacks, cellsPerStack, inChannels, numClasses } = skeleton;
    if (c % 2 !== 0) throw new Error(`stemChannels must be even (2 output nodes), got ${c}`);
    super(new WeightBank(seed));
    this.stem = this.convBn('stem', 3, inChannels, c);
    let cin = c;
    let index = 0;
    for (let s = 0; s < stacks; s++) {
      const cout = c * 2 ** s;
      if (s > 0) this.poolBefore.add(index);
      for (let k = 0; k < cellsPerStack; k++) {
        this.cells.push(this.cell(`cells.${index}`, cin, cout));
        cin = cout;
        index++;
      }
    }
    this.head = this.bank.dense('head.fc', cin, numClasses);
  }

  pathNames(arch: Nb101Arch): { trainable: string[]; buffers: string[] } {
    const prefixes = ['stem.', 'head.'];
    for (const cell of this.cells) {
      for (let j = 0; j < NB101_NODES; j++) {
        if (arch.inputs[j].includes(0)) prefixes.push(`${cell.prefix}.proj.${j + 1}.`);
        const op = arch.ops[j];
        if (op === 'conv3x3-bn-relu') prefixes.push(`${cell.prefix}.node.${j + 1}.conv3x3.`);
        if (op === 'conv1x1-bn-relu') prefixes.push(`${cell.prefix}.node.${j + 1}.conv1x1.`);
      }
    }
    return this.bank.pick(prefixes);
  }

  forward(x: tf.Tensor, arch: Nb101Arch, options: ForwardOptions): tf.Tensor2D {
    return tf.tidy(() => {
      let h = this.convBnRelu(this.stem, x as tf.Tensor4D, options);
      this.cells.forEach((cell, i) => {
        if (this.poolBefore.has(i)) h = tf.maxPool(h, 2, 2, 'valid');
        h = this.cellForward(cell, h, arch, options);
      });
      return classify(h, this.head);
    });
  }

  private convBn(name: string, k: number, cin: number, cout: number): ConvBn {
    return {
      w: this.bank.conv(`${name}.conv.w`, k, cin, cout),
      bn: this.bank.batchNorm(`${name}.bn`, cout),
      pad: (k - 1) / 2,
    };
  }

  private convBnRelu(m: ConvBn, x: tf.Tensor4D, options: ForwardOptions): tf.Tensor4D {
    return ops.relu(this.bank.bn(m.bn, ops.conv2d(x, m.w, 1, m.pad), options));
  }

  private cell(prefix: string, cin: number, cout: number): CellWeights {
    const half = cout / 2;
    const w: CellWeights = { prefix, half, proj: [], conv3: [], conv1: [] };
    for (let j = 1; j <= NB101_NODES; j++) {
      w.proj.push(this.convBn(`${prefix}.proj.${j}`, 1, cin, half));
      w.conv3.push(this.convBn(`${prefix}.node.${j}.conv3x3`, 3, half, half));
      w.conv1.push(this.convBn(`${prefix}.node.${j}.conv1x1`, 1, half, half));
    }
    return w;
  }

  private cellForward(
    cell: CellWeights,
    x: tf.Tensor4D,
    arch: Nb101Arch,
    options: ForwardOptions,
  ): tf.Tensor4D {
    const nodes: Array<tf.Tensor4D | null> = [x];
    for (let j = 1; j <= NB101_NODES; j++) {
      const terms = arch.inputs[j - 1].map((p) =>
        p === 0 ? this.convBnRelu(cell.proj[j - 1], x, options) : nodes[p]!,
      );
      const sum = ops.addAll(terms);
      const op = arch.ops[j - 1];
      nodes.push(
        op === 'maxpool3x3'
          ? maxPool3x3(sum)
          : this.convBnRelu(
              op === 'conv3x3-bn-relu' ? cell.conv3[j - 1] : cell.conv1[j - 1],
              sum,
              options,
            ),
      );
    }
    return tf.concat(
      arch.output.map((o) => nodes[o]!),
      3,
    ) as tf.Tensor4D;
  }
}
