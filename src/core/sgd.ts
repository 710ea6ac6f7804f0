/**
 * SGD with (Nesterov) momentum and L2 weight decay, PyTorch semantics, plus clipping by global
 * norm (torch.nn.utils.clip_grad_norm_) before the step:
 *
 *   g <- g * min(1, maxNorm / (||all g||_2 + 1e-6))
 *   g <- g + weightDecay * w
 *   buf <- momentum * buf + g            (buf starts at 0, i.e. buf = g on the first step)
 *   d <- nesterov ? g + momentum * buf : buf
 *   w <- w - lr * d
 *
 * Only the variables that received a gradient in a step are touched (like PyTorch with
 * zero_grad(set_to_none=True)): with single-path training, ops off the sampled path keep their
 * weights and momentum unchanged that step.
 */
import * as tf from '@tensorflow/tfjs';
import { GLOBAL_NORM, SGD_STEP } from '../engine/kernels/names';

/** Whether the current backend has `kernel` and every tensor is float32 (what it handles). */
function fusedFor(kernel: string, tensors: readonly tf.Tensor[]): boolean {
  return (
    tf.getKernel(kernel, tf.getBackend()) != null && tensors.every((t) => t.dtype === 'float32')
  );
}

export interface SgdSettings {
  momentum: number;
  nesterov: boolean;
  weightDecay: number;
  /** Global-norm clipping threshold; 0 or Infinity disables it. */
  clipNorm: number;
}

export interface SgdStepResult {
  /** Global L2 norm of the gradients before clipping. */
  gradNorm: tf.Scalar;
}

export class Sgd {
  readonly options: Readonly<SgdSettings>;
  /** Momentum buffers by variable name. */
  private readonly buffers = new Map<string, tf.Variable>();

  constructor(options: SgdSettings) {
    if (!(options.momentum >= 0 && options.momentum < 1)) {
      throw new Error(`momentum must be in [0, 1), got ${options.momentum}`);
    }
    if (!(options.weightDecay >= 0)) {
      throw new Error(`weight decay must be >= 0, got ${options.weightDecay}`);
    }
    if (!(options.clipNorm >= 0)) throw new Error(`clipNorm must be >= 0, got ${options.clipNorm}`);
    this.options = Object.freeze({ ...options });
  }

  /**
   * Global L2 norm of the (non-null) gradients, as a scalar tensor (caller disposes): the sum of
   * each gradient's squares, added in the map's order. One kernel where the engine has it (the
   * native engine: the same arithmetic bit for bit), else a few tfjs ops per gradient.
   */
  static globalNorm(grads: ReadonlyMap<string, tf.Tensor | null | undefined>): tf.Scalar {
    const present = [...grads.values()].filter((g): g is tf.Tensor => g != null);
    if (fusedFor(GLOBAL_NORM, present)) {
      const inputs: tf.NamedTensorMap = {};
      present.forEach((g, i) => (inputs[`g${i}`] = g));
      return tf.engine().runKernel(GLOBAL_NORM, inputs, { count: present.length }) as tf.Scalar;
    }
    return tf.tidy(() => {
      const squares = present.map((g) => tf.sum(tf.square(g)));
      return tf.sqrt(squares.length > 0 ? tf.addN(squares) : tf.scalar(0)) as tf.Scalar;
    });
  }

  /**
   * Applies one step. `grads` maps variable names to gradients; `vars` maps names to the
   * variables. `gradNorm` may pass the pre-clip global norm when the caller already computed it
   * (`Sgd.globalNorm`). Disposes nothing it was given; returns the pre-clip gradient norm
   * (the caller disposes it).
   */
  step(
    vars: ReadonlyMap<string, tf.Variable>,
    grads: ReadonlyMap<string, tf.Tensor | null | undefined>,
    lr: number,
    gradNorm: tf.Scalar = Sgd.globalNorm(grads),
  ): SgdStepResult {
    const { momentum, nesterov, weightDecay, clipNorm } = this.options;
    // A variable whose gradient is null did not influence the loss (e.g. an op feeding a node
    // that nothing reads): it is skipped, like a PyTorch parameter whose .grad is None.
    const names = [...grads.keys()].filter((n) => grads.get(n) != null).sort();
    const clipping = clipNorm > 0 && Number.isFinite(clipNorm);
    const ws = names.map((name) => {
      const w = vars.get(name);
      if (!w) throw new Error(`gradient for unknown variable ${name}`);
      const g = grads.get(name)!;
      if (g.shape.length !== w.shape.length || g.shape.some((d, i) => d !== w.shape[i])) {
        throw new Error(`gradient for ${name} has shape [${g.shape}], the variable [${w.shape}]`);
      }
      return w;
    });
    if (fusedFor(SGD_STEP, [...ws, ...names.map((n) => grads.get(n)!)])) {
      // The engine's one-kernel step for all variables (same arithmetic as below, bit for bit).
      const inputs: tf.NamedTensorMap = {};
      const bufs = momentum > 0 ? names.map((name, i) => this.bufferFor(name, ws[i])) : [];
      names.forEach((name, i) => {
        inputs[`v${i}`] = ws[i];
        inputs[`g${i}`] = grads.get(name)!;
        if (momentum > 0) inputs[`m${i}`] = bufs[i];
      });
      if (clipping) inputs.gradNorm = gradNorm;
      const out = tf.engine().runKernel(SGD_STEP, inputs, {
        count: names.length,
        lr,
        momentum,
        weightDecay,
        nesterov,
        clipNorm,
      }) as tf.Tensor[];
      ws.forEach((w, i) => w.assign(out[i]));
      bufs.forEach((b, i) => b.assign(out[names.length + i]));
      tf.dispose(out);
      return { gradNorm };
    }
    tf.tidy(() => {
      const clip = clipping ? tf.minimum(1, tf.div(clipNorm, tf.add(gradNorm, 1e-6))) : null;
      names.forEach((name, i) => {
        const w = ws[i];
        let g = grads.get(name)!;
        if (clip) g = tf.mul(g, clip);
        if (weightDecay > 0) g = tf.add(g, tf.mul(w, weightDecay));
        let d = g;
        if (momentum > 0) {
          const buf = this.bufferFor(name, w);
          const next = tf.add(tf.mul(buf, momentum), g);
          buf.assign(next);
          d = nesterov ? tf.add(g, tf.mul(next, momentum)) : next;
        }
        w.assign(tf.sub(w, tf.mul(d, lr)));
      });
    });
    return { gradNorm };
  }

  private bufferFor(name: string, w: tf.Variable): tf.Variable {
    let buf = this.buffers.get(name);
    if (!buf) {
      buf = variableOf(tf.zerosLike(w));
      this.buffers.set(name, buf);
    }
    return buf;
  }

  /**
   * Creates zero momentum buffers for all `vars` up front (same arithmetic as creating them on
   * first use; keeps the tensor count constant during training).
   */
  initBuffers(vars: ReadonlyMap<string, tf.Variable>): void {
    if (this.options.momentum === 0) return;
    for (const [name, w] of vars) {
      if (!this.buffers.has(name)) this.buffers.set(name, variableOf(tf.zerosLike(w)));
    }
  }

  /** Momentum buffers by variable name (for checkpoints). */
  state(): ReadonlyMap<string, tf.Variable> {
    return this.buffers;
  }

  /** Replaces the momentum buffers (from a checkpoint). */
  loadState(buffers: ReadonlyMap<string, tf.Tensor>): void {
    this.dispose();
    for (const [name, t] of buffers) this.buffers.set(name, variableOf(t.clone()));
  }

  dispose(): void {
    for (const b of this.buffers.values()) b.dispose();
    this.buffers.clear();
  }
}

/**
 * A non-trainable variable holding `value`'s data; `value` itself goes (a variable shares its
 * input's data, so keeping the input would leave one tensor per buffer alive after dispose).
 */
function variableOf(value: tf.Tensor): tf.Variable {
  const v = tf.variable(value, false);
  value.dispose();
  return v;
}
