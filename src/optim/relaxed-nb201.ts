/**
 * The continuous relaxation of NAS-Bench-201 (DARTS / GAEA): every edge of every cell outputs
 * sum_o mixing[e][o] * op_o(x) over all five candidate ops, with one [6 x 5] mixing matrix shared
 * by all cells (as in the benchmark's DARTS search network).
 *
 * It runs on the weights of a supernet from src/supernet (every edge owns every op), reading
 * the supernet's variables by their stable names and computing through src/supernet's ops, so
 * the relaxed network and the single-path supernet are the same parameters. Batch norm uses batch
 * statistics (search mode) and leaves the running statistics untouched.
 *
 * Kept separate from Nb201Network because that class exposes no mixed-edge hook; the test
 * "one-hot mixing equals the single-path forward" pins the two together.
 */
import * as tf from '@tensorflow/tfjs';
import { NB201_EDGES, NB201_OPS, type Nb201Arch } from '../spaces/nb201/definition';
import type { Nb201Network } from '../supernet/network';
import * as ops from '../supernet/ops';
import type { RelaxedModel } from './hypergradient';
import { argmaxRows, type ArchMatrix } from './simplex';

/** A batch of images [N, H, W, C] with integer labels [N] (labels as float32 or int32). */
export interface ImageBatch {
  x: tf.Tensor4D;
  y: tf.Tensor1D;
}

export const NB201_MIXING_SHAPE: readonly [number, number] = [NB201_EDGES.length, NB201_OPS.length];

export class RelaxedNb201 implements RelaxedModel<ImageBatch> {
  readonly weights: tf.Variable[];
  private readonly vars: ReadonlyMap<string, tf.Variable>;

  constructor(readonly supernet: Nb201Network) {
    if (supernet.fixedArch !== null) {
      throw new Error(
        'the relaxed NB-201 network needs a supernet (every edge owning every op), got a stand-alone network',
      );
    }
    this.vars = supernet.variables.trainable;
    this.weights = [...this.vars.values()];
  }

  private v<R extends tf.Rank>(name: string): tf.Variable<R> {
    const v = this.vars.get(name);
    if (!v) throw new Error(`supernet has no variable ${JSON.stringify(name)}`);
    return v as tf.Variable<R>;
  }

  private bn(prefix: string, x: tf.Tensor4D): tf.Tensor4D {
    const { y, mean, variance } = ops.batchNormTrain(
      x,
      this.v<tf.Rank.R1>(`${prefix}.gamma`),
      this.v<tf.Rank.R1>(`${prefix}.beta`),
      this.supernet.bnEps,
    );
    mean.dispose();
    variance.dispose();
    return y;
  }

  private reluConvBn(prefix: string, x: tf.Tensor4D, stride: number, pad: number): tf.Tensor4D {
    return this.convBn(prefix, ops.relu(x), stride, pad);
  }

  /** Conv-BN of an input that has been through its ReLU. */
  private convBn(prefix: string, relu: tf.Tensor4D, stride: number, pad: number): tf.Tensor4D {
    const conv = ops.conv2d(relu, this.v<tf.Rank.R4>(`${prefix}.conv.w`), stride, pad);
    return this.bn(`${prefix}.bn`, conv);
  }

  private cell(index: number, x: tf.Tensor4D, m: tf.Scalar[][]): tf.Tensor4D {
    const nodes: tf.Tensor4D[] = [x];
    // Both convs of every edge leaving a node share the node's ReLU (as the supernet does).
    const relus: tf.Tensor4D[] = [];
    const reluOf = (i: number) => (relus[i] ??= ops.relu(nodes[i]));
    for (let j = 1; j < 4; j++) {
      const terms: tf.Tensor4D[] = [];
      NB201_EDGES.forEach((edge, e) => {
        if (edge.to !== j) return;
        const input = nodes[edge.from];
        NB201_OPS.forEach((op, o) => {
          // none: zeros * w contributes nothing to the output and nothing to any gradient
          if (op === 'none') return;
          const out =
            op === 'skip_connect'
              ? input
              : op === 'avg_pool_3x3'
                ? ops.avgPool3x3(input)
                : this.convBn(
                    `cells.${index}.${e}.${op}`,
                    reluOf(edge.from),
                    1,
                    op === 'nor_conv_1x1' ? 0 : 1,
                  );
          terms.push(tf.mul(out, m[e][o]));
        });
      });
      nodes.push(ops.addAll(terms));
    }
    return nodes[3];
  }

  /** Logits [N, classes] of the relaxed network for images x [N, H, W, C]. */
  logits(x: tf.Tensor4D, mixing: tf.Tensor2D): tf.Tensor2D {
    const { cellsPerStage, inputChannels } = this.supernet.skeleton;
    if (x.rank !== 4 || x.shape[3] !== inputChannels) {
      throw new Error(`expected images [N, H, W, ${inputChannels}], got [${x.shape.join(', ')}]`);
    }
    const [edges, opCount] = NB201_MIXING_SHAPE;
    if (mixing.rank !== 2 || mixing.shape[0] !== edges || mixing.shape[1] !== opCount) {
      throw new Error(
        `mixing weights must be [${edges}, ${opCount}], got [${mixing.shape.join(', ')}]`,
      );
    }
    return tf.tidy(() => {
      const m = (tf.unstack(mixing) as tf.Tensor1D[]).map((row) => tf.unstack(row) as tf.Scalar[]);
      let h = this.bn('stem.bn', ops.conv2d(x, this.v<tf.Rank.R4>('stem.conv.w'), 1, 1));
      let cell = 0;
      for (let s = 0; s < 3; s++) {
        for (let k = 0; k < cellsPerStage; k++) h = this.cell(cell++, h, m);
        if (s < 2) {
          const name = `reductions.${s}`;
          const a = this.reluConvBn(`${name}.a`, h, 2, 1);
          const b = this.reluConvBn(`${name}.b`, a, 1, 1);
          const shortcut = this.v<tf.Rank.R4>(`${name}.shortcut.w`);
          h = tf.add(ops.conv2d(ops.avgPool2x2(h), shortcut, 1, 0), b);
        }
      }
      const out = ops.relu(this.bn('head.bn', h));
      return ops.linear(
        ops.globalAvgPool(out),
        this.v<tf.Rank.R2>('head.fc.w'),
        this.v<tf.Rank.R1>('head.fc.b'),
      );
    });
  }

  loss(mixing: tf.Tensor2D, batch: ImageBatch): tf.Scalar {
    return tf.tidy(() => ops.crossEntropy(this.logits(batch.x, mixing), batch.y));
  }

  /** Loss and number of correct predictions on a batch (no gradients). */
  evaluate(mixing: ArchMatrix, batch: ImageBatch): { loss: number; correct: number } {
    const [l, c] = tf.tidy(() => {
      const logits = this.logits(batch.x, tf.tensor2d(mixing));
      return [ops.crossEntropy(logits, batch.y), ops.correctCount(logits, batch.y)];
    });
    const out = { loss: l.dataSync()[0], correct: c.dataSync()[0] };
    tf.dispose([l, c]);
    return out;
  }
}

/** The discrete NB-201 cell of a relaxed one: the op of largest weight on each edge. */
export function deriveNb201(weights: ArchMatrix): Nb201Arch {
  const [edges, opCount] = NB201_MIXING_SHAPE;
  if (weights.length !== edges || weights.some((r) => r.length !== opCount)) {
    throw new Error(`NB-201 architecture weights must be ${edges} x ${opCount}`);
  }
  return argmaxRows(weights).map((o) => NB201_OPS[o]);
}

/** One-hot mixing matrix of a discrete architecture (the relaxed net then equals that cell). */
export function oneHotNb201(arch: Nb201Arch): ArchMatrix {
  return arch.map((op) => NB201_OPS.map((o) => (o === op ? 1 : 0)));
}
