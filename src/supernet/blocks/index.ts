/**
 * Building blocks of the NB-101, DARTS and ProxylessNAS supernets: a weight bank (variables and
 * BN buffers seeded per name, like the NB-201 network's), conv / BN / linear with the NB-201
 * network's train/eval/calibrate BN semantics, and the `SpaceNetwork` interface of the pipeline.
 */
import * as tf from '@tensorflow/tfjs';
import type { ForwardOptions, NamedVariables } from '../network';
import * as ops from '../ops';
import { heNormal, uniformInit } from '../init';

/** A supernet of any space: single-path forward and the variables a path uses. */
export interface SpaceNetwork<A> {
  readonly variables: NamedVariables;
  /** Names of the trainable variables and BN buffers that the forward pass of `arch` uses. */
  pathNames(arch: A): { trainable: string[]; buffers: string[] };
  /** Logits [N, classes] (or [tokens, vocab] for language models). */
  forward(x: tf.Tensor, arch: A, options: ForwardOptions): tf.Tensor2D;
  dispose(): void;
}

export interface BatchNorm {
  gamma: tf.Variable;
  beta: tf.Variable;
  runningMean: tf.Variable;
  runningVar: tf.Variable;
}

let idCounter = 0;

/** Named, seeded variables of one network, with the forward helpers that use them. */
export class WeightBank {
  readonly variables: NamedVariables = { trainable: new Map(), buffers: new Map() };
  constructor(
    readonly seed: number,
    readonly bnMomentum = 0.1,
    readonly bnEps = 1e-5,
  ) {}

  trainable(name: string, value: tf.Tensor): tf.Variable {
    if (this.variables.trainable.has(name)) throw new Error(`duplicate variable ${name}`);
    const v = tf.variable(value, true, `${name}#b${++idCounter}`);
    value.dispose();
    this.variables.trainable.set(name, v);
    return v;
  }

  buffer(name: string, value: tf.Tensor): tf.Variable {
    const v = tf.variable(value, false, `${name}#b${++idCounter}`);
    value.dispose();
    this.variables.buffers.set(name, v);
    return v;
  }

  /** Conv weight [k, k, cin, cout] (He normal, fan-in). */
  conv(name: string, k: number, cin: number, cout: number): tf.Variable<tf.Rank.R4> {
    const data = heNormal(this.seed, name, k * k * cin * cout, k * k * cin);
    return this.trainable(name, tf.tensor4d(data, [k, k, cin, cout])) as tf.Variable<tf.Rank.R4>;
  }

  /** Depthwise weight [k, k, c, 1]. */
  depthwise(name: string, k: number, c: number): tf.Variable<tf.Rank.R4> {
    const data = heNormal(this.seed, name, k * k * c, k * k);
    return this.trainable(name, tf.tensor4d(data, [k, k, c, 1])) as tf.Variable<tf.Rank.R4>;
  }

  /** Dense weight [in, out] (uniform +-1/sqrt(in)) and bias. */
  dense(
    name: string,
    nin: number,
    nout: number,
    bias = true,
  ): { w: tf.Variable; b: tf.Variable | null } {
    const bound = 1 / Math.sqrt(nin);
    const w = this.trainable(
      `${name}.w`,
      tf.tensor2d(uniformInit(this.seed, `${name}.w`, nin * nout, bound), [nin, nout]),
    );
    const b = bias ? this.trainable(`${name}.b`, tf.zeros([nout])) : null;
    return { w, b };
  }

  batchNorm(name: string, c: number): BatchNorm {
    return {
      gamma: this.trainable(`${name}.gamma`, tf.ones([c])),
      beta: this.trainable(`${name}.beta`, tf.zeros([c])),
      runningMean: this.buffer(`${name}.runningMean`, tf.zeros([c])),
      runningVar: this.buffer(`${name}.runningVar`, tf.ones([c])),
    };
  }

  /** BN over N, H, W with the NB-201 network's train / eval / calibrate semantics. */
  bn(bn: BatchNorm, x: tf.Tensor4D, options: ForwardOptions): tf.Tensor4D {
    const [g, b, m, v] = [bn.gamma, bn.beta, bn.runningMean, bn.runningVar] as tf.Tensor1D[];
    if (options.mode === 'eval') return ops.batchNormInference(x, m, v, g, b, this.bnEps);
    const { y, mean, variance } = ops.batchNormTrain(x, g, b, this.bnEps);
    if (options.mode === 'calibrate' || options.updateStats !== false) {
      const f =
        options.mode === 'calibrate' ? 1 / (options.calibrationStep as number) : this.bnMomentum;
      ops.updateRunningStats(bn.runningMean, bn.runningVar, mean, variance, x.size / x.shape[3], f);
    }
    mean.dispose();
    variance.dispose();
    return y;
  }

  /** Names (trainable, buffers) that start with one of `prefixes`. */
  pick(prefixes: readonly string[]): { trainable: string[]; buffers: string[] } {
    const f = (names: Iterable<string>) =>
      [...names].filter((n) => prefixes.some((p) => n.startsWith(p)));
    return {
      trainable: f(this.variables.trainable.keys()),
      buffers: f(this.variables.buffers.keys()),
    };
  }

  dispose(): void {
    for (const v of this.variables.trainable.values()) v.dispose();
    for (const v of this.variables.buffers.values()) v.dispose();
  }
}

/** A network whose variables live in one WeightBank (the supernets of every space). */
export abstract class BankNetwork {
  constructor(protected readonly bank: WeightBank) {}

  get variables(): NamedVariables {
    return this.bank.variables;
  }

  dispose(): void {
    this.bank.dispose();
  }
}

/** Resets the running statistics of the given BN buffers (mean 0, var 1). */
export function resetBuffers(bank: NamedVariables, names: readonly string[]): void {
  for (const name of names) {
    const v = bank.buffers.get(name)!;
    tf.tidy(() => v.assign(tf.fill(v.shape, name.endsWith('.runningVar') ? 1 : 0)));
  }
}

/** 3x3 max pool, stride s, 'same' padding. */
export function maxPool3x3(x: tf.Tensor4D, stride = 1): tf.Tensor4D {
  return tf.maxPool(x, 3, stride, 'same');
}

/** The classifier of the image supernets: global average pool, then the linear head. */
export function classify(
  h: tf.Tensor4D,
  head: { w: tf.Variable; b: tf.Variable | null },
): tf.Tensor2D {
  return ops.linear(ops.globalAvgPool(h), head.w as tf.Tensor2D, head.b as tf.Tensor1D);
}
