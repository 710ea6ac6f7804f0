import * as tf from '@tensorflow/tfjs';
import type { ArchMatrix } from './simplex';

/**
 * What the architecture optimizers need from a network, whatever it is (the relaxed NB-201 cell
 * network, or a two-parameter toy in the tests): shared weights as variables, and a loss that
 * takes the per-edge mixing weights as a tensor, so that gradients flow into both.
 */
export interface RelaxedModel<B> {
  /** The shared weights w (trainable variables; the loss reads their current values). */
  readonly weights: readonly tf.Variable[];
  /** Mean loss on `batch` of the network whose edge e mixes op o with weight mixing[e][o]. */
  loss(mixing: tf.Tensor2D, batch: B): tf.Scalar;
}

/** Maps the optimizer's raw architecture parameters to mixing weights, differentiably. */
export type MixingMap = (raw: tf.Tensor2D) => tf.Tensor2D;

/** DARTS: mixing = row-wise softmax of the logits alpha. */
export const softmaxMixing: MixingMap = (raw) => tf.softmax(raw, -1);
/** GAEA: the parameters are the mixing weights theta themselves. */
export const identityMixing: MixingMap = (raw) => raw;

export interface ArchGradient {
  /** Loss at which the architecture gradient was taken (validation, or training for ERM). */
  loss: number;
  /** Gradient with respect to the raw architecture parameters (alpha or theta). */
  grad: ArchMatrix;
}

function matrixOf(t: tf.Tensor): ArchMatrix {
  return t.arraySync() as ArchMatrix;
}

/** Loss and gradient w.r.t. the raw architecture parameters at the current weights. */
export function firstOrderArchGradient<B>(
  model: RelaxedModel<B>,
  raw: ArchMatrix,
  mixing: MixingMap,
  batch: B,
): ArchGradient {
  const { value, grad } = tf.tidy(() => {
    const f = (r: tf.Tensor) => model.loss(mixing(r as tf.Tensor2D), batch);
    const out = tf.valueAndGrad(f)(tf.tensor2d(raw));
    return { value: out.value, grad: out.grad };
  });
  try {
    return { loss: checkedScalar(value, 'architecture loss'), grad: matrixOf(grad) };
  } finally {
    value.dispose();
    grad.dispose();
  }
}

function checkedScalar(t: tf.Tensor, what: string): number {
  const v = t.dataSync()[0];
  if (!Number.isFinite(v)) throw new Error(`${what} is not finite: ${v}`);
  return v;
}

/**
 * Gradients of a loss w.r.t. the raw architecture parameters and every shared weight (weights the
 * loss does not touch get zeros). The caller owns the returned tensors.
 */
function jointGradients<B>(
  model: RelaxedModel<B>,
  raw: ArchMatrix,
  mixing: MixingMap,
  batch: B,
): { value: tf.Scalar; archGrad: tf.Tensor2D; weightGrads: tf.Tensor[] } {
  return tf.tidy(() => {
    const arch = tf.variable(tf.tensor2d(raw), true);
    try {
      const { value, grads } = tf.variableGrads(
        () => model.loss(mixing(arch), batch),
        [arch, ...model.weights],
      );
      const archGrad = (grads[arch.name] ?? tf.zerosLike(arch)) as tf.Tensor2D;
      const weightGrads = model.weights.map((w) => grads[w.name] ?? tf.zerosLike(w));
      return { value, archGrad, weightGrads };
    } finally {
      arch.dispose();
    }
  });
}

/** Gradients of the loss w.r.t. the shared weights only (caller owns them). */
function weightGradients<B>(
  model: RelaxedModel<B>,
  raw: ArchMatrix,
  mixing: MixingMap,
  batch: B,
): tf.Tensor[] {
  return tf.tidy(() => {
    const r = tf.tensor2d(raw);
    const { grads } = tf.variableGrads(
      () => model.loss(mixing(r), batch),
      model.weights as tf.Variable[],
    );
    return model.weights.map((w) => grads[w.name] ?? tf.zerosLike(w));
  });
}

/** Gradient of the loss w.r.t. the raw architecture parameters at the current weights. */
function archGradientTensor<B>(
  model: RelaxedModel<B>,
  raw: ArchMatrix,
  mixing: MixingMap,
  batch: B,
): tf.Tensor2D {
  return tf.tidy(() => {
    const f = (r: tf.Tensor) => model.loss(mixing(r as tf.Tensor2D), batch);
    return tf.grad(f)(tf.tensor2d(raw)) as tf.Tensor2D;
  });
}

export interface SecondOrderOptions {
  /** Virtual step size xi of the unrolled weight step (DARTS: the current weight learning rate). */
  xi: number;
  /** Optional L2 term added to the unrolled step's weight gradient (as the weight optimizer does). */
  weightDecay?: number;
}

/**
 * DARTS second-order architecture gradient (Liu et al. 2019, eq. 7-8):
 *   w' = w - xi * grad_w L_train(w, a)
 *   g  = grad_a L_val(w', a) - xi * [grad_a L_train(w+, a) - grad_a L_train(w-, a)] / (2 eps)
 * with w± = w ± eps * grad_w' L_val(w', a) and eps = 0.01 / ||grad_w' L_val(w', a)||.
 * The model's weights are restored to w before returning (also on error).
 */
export function secondOrderArchGradient<B>(
  model: RelaxedModel<B>,
  raw: ArchMatrix,
  mixing: MixingMap,
  trainBatch: B,
  valBatch: B,
  options: SecondOrderOptions,
): ArchGradient {
  const { xi } = options;
  const weightDecay = options.weightDecay ?? 0;
  if (!Number.isFinite(xi) || xi < 0) throw new Error(`xi must be finite and >= 0, got ${xi}`);
  const weights = model.weights;
  const original = weights.map((w) => w.clone());
  const assign = (values: tf.Tensor[]) => weights.forEach((w, i) => w.assign(values[i]));
  try {
    // Unrolled virtual step w' = w - xi * (grad_w L_train + wd * w).
    const gTrain = weightGradients(model, raw, mixing, trainBatch);
    const unrolled = tf.tidy(() =>
      original.map((w, i) => w.sub(gTrain[i].add(w.mul(weightDecay)).mul(xi))),
    );
    tf.dispose(gTrain);
    assign(unrolled);
    tf.dispose(unrolled);

    const { value, archGrad, weightGrads } = jointGradients(model, raw, mixing, valBatch);
    const loss = checkedScalar(value, 'validation loss');
    value.dispose();
    const norm = tf.tidy(() => tf.sqrt(tf.addN(weightGrads.map((g) => g.square().sum()))));
    const normValue = norm.dataSync()[0];
    norm.dispose();
    if (!Number.isFinite(normValue))
      throw new Error(`validation weight gradient norm is ${normValue}`);
    if (normValue === 0 || xi === 0) {
      tf.dispose(weightGrads);
      const grad = matrixOf(archGrad);
      archGrad.dispose();
      return { loss, grad };
    }
    const eps = 0.01 / normValue;
    const shifted = (sign: number) =>
      tf.tidy(() => original.map((w, i) => w.add(weightGrads[i].mul(sign * eps))));

    const plus = shifted(1);
    assign(plus);
    tf.dispose(plus);
    const gPlus = archGradientTensor(model, raw, mixing, trainBatch);
    const minus = shifted(-1);
    assign(minus);
    tf.dispose(minus);
    const gMinus = archGradientTensor(model, raw, mixing, trainBatch);
    tf.dispose(weightGrads);

    const hyper = tf.tidy(() =>
      archGrad.sub(
        gPlus
          .sub(gMinus)
          .div(2 * eps)
          .mul(xi),
      ),
    );
    tf.dispose([archGrad, gPlus, gMinus]);
    const grad = matrixOf(hyper);
    hyper.dispose();
    return { loss, grad };
  } finally {
    assign(original);
    tf.dispose(original);
  }
}
