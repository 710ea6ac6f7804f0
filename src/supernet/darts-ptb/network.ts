/**
 * DARTS recurrent-cell supernet for Penn Treebank (weight sharing as in DARTS's search model):
 * a tied embedding/decoder language model whose cell owns W0 ((E + H) x 2H, vertex 0) and one
 * H x 2H matrix per node; every genotype uses all of them (a node's weights are shared over its
 * predecessor and activation choices), so every path has the cost model's parameter count.
 *
 *   s0 = h + sigmoid(c0) * (tanh(h0) - h),  [c0, h0] = [x, h] W0
 *   s_i = p + sigmoid(c) * (act(g) - p),    [c, g] = p W_i, p = s_input(i)
 *   h'  = mean(s_1 .. s_8)
 *
 * Smoke-scale simplifications: no dropout, no batch norm; each batch is an independent segment
 * of `steps` tokens starting from a zero hidden state (no state carried across batches).
 * Input: token ids [B, T] (any numeric dtype); output: logits [B * T, vocabulary] for the next
 * token of each position.
 */
import * as tf from '@tensorflow/tfjs';
import type {
  DartsPtbActivation,
  DartsPtbGenotype,
  DartsPtbSkeleton,
} from '../../spaces/darts-ptb/definition';
import { DARTS_PTB_NODES } from '../../spaces/darts-ptb/definition';
import type { ForwardOptions } from '../network';
import { BankNetwork, WeightBank, type SpaceNetwork } from '../blocks';
import { uniformInit } from '../init';

function activation(name: DartsPtbActivation, x: tf.Tensor): tf.Tensor {
  switch (name) {
    case 'tanh':
      return tf.tanh(x);
    case 'relu':
      return tf.relu(x);
    case 'sigmoid':
      return tf.sigmoid(x);
    case 'identity':
      return x;
  }
}

export class DartsPtbSupernet extends BankNetwork implements SpaceNetwork<DartsPtbGenotype> {
  private readonly embedding: tf.Variable;
  private readonly decoderBias: tf.Variable;
  private readonly w0: tf.Variable;
  private readonly ws: tf.Variable[] = [];

  constructor(
    readonly skeleton: Readonly<DartsPtbSkeleton>,
    seed: number,
  ) {
    const { vocabulary: v, embedding: e, hidden: h } = skeleton;
    if (e !== h) throw new Error(`tied weights need embedding = hidden, got ${e} and ${h}`);
    super(new WeightBank(seed));
    const init = (name: string, rows: number, cols: number, bound: number) =>
      this.bank.trainable(
        name,
        tf.tensor2d(uniformInit(seed, name, rows * cols, bound), [rows, cols]),
      );
    this.embedding = init('embedding', v, e, 0.1);
    this.decoderBias = this.bank.trainable('decoder.b', tf.zeros([v]));
    this.w0 = init('cell.w0', e + h, 2 * h, 0.04);
    for (let i = 0; i < DARTS_PTB_NODES; i++) this.ws.push(init(`cell.w${i + 1}`, h, 2 * h, 0.04));
  }

  pathNames(): { trainable: string[]; buffers: string[] } {
    return { trainable: [...this.bank.variables.trainable.keys()], buffers: [] };
  }

  forward(x: tf.Tensor, g: DartsPtbGenotype, _options: ForwardOptions): tf.Tensor2D {
    void _options;
    const h = this.skeleton.hidden;
    return tf.tidy(() => {
      const ids = tf.cast(x, 'int32') as tf.Tensor2D;
      const [b, t] = ids.shape;
      const emb = tf.gather(this.embedding, ids) as tf.Tensor3D; // [B, T, E]
      let hidden: tf.Tensor2D = tf.zeros([b, h]);
      const outs: tf.Tensor2D[] = [];
      for (let step = 0; step < t; step++) {
        const xt = tf.reshape(tf.slice(emb, [0, step, 0], [b, 1, -1]), [b, -1]) as tf.Tensor2D;
        const [c0, h0] = tf.split(tf.matMul(tf.concat([xt, hidden], 1), this.w0), 2, 1);
        const s0 = tf.add(hidden, tf.mul(tf.sigmoid(c0), tf.sub(tf.tanh(h0), hidden)));
        const states: tf.Tensor[] = [s0];
        g.recurrent.forEach((node, i) => {
          const p = states[node.input];
          const [c, gg] = tf.split(tf.matMul(p as tf.Tensor2D, this.ws[i]), 2, 1);
          states.push(tf.add(p, tf.mul(tf.sigmoid(c), tf.sub(activation(node.op, gg), p))));
        });
        hidden = tf.div(tf.addN(states.slice(1)), DARTS_PTB_NODES) as tf.Tensor2D;
        outs.push(hidden);
      }
      const all = tf.reshape(tf.stack(outs, 1), [b * t, h]) as tf.Tensor2D;
      return tf.add(tf.matMul(all, this.embedding, false, true), this.decoderBias) as tf.Tensor2D;
    });
  }
}
