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
import { SGD_UPDATE } from '../engine/kernels/names';

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

  /** Global L2 norm of the (non-null) gradients, as a scalar tensor (caller disposes). */
  static globalNorm(grads: ReadonlyMap<string, tf.Tensor | null | undefined>): tf.Scalar {
    return tf.tidy(() => {
      const squares = [...grads.values()]
        .filter((g): g is tf.Tensor => g != null)
        .map((g) => tf.sum(tf.square(g)));
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
    const fused = momentum > 0 && tf.getKernel(SGD_UPDATE, tf.getBackend()) != null;
    tf.tidy(() => {
      const clip =
        clipNorm > 0 && Number.isFinite(clipNorm)
          ? tf.minimum(1, tf.div(clipNorm, tf.add(gradNorm, 1e-6)))
          : null;
      for (const name of names) {
        const w = vars.get(name);
        if (!w) throw new Error(`gradient for unknown variable ${name}`);
        let g = grads.get(name)!;
        if (clip) g = tf.mul(g, clip);
        if (fused) {
          // The engine's one-kernel update (same arithmetic as below).
          const buf = this.bufferFor(name, w);
          const [nextW, nextBuf] = tf
            .engine()
            .runKernel(
              SGD_UPDATE,
              { variable: w, gradient: g, momentumBuffer: buf },
              { lr, momentum, weightDecay, nesterov },
            ) as tf.Tensor[];
          buf.assign(nextBuf);
          w.assign(nextW);
          continue;
        }
        if (weightDecay > 0) g = tf.add(g, tf.mul(w, weightDecay));
        let d = g;
        if (momentum > 0) {
          const buf = this.bufferFor(name, w);
          const next = tf.add(tf.mul(buf, momentum), g);
          buf.assign(next);
          d = nesterov ? tf.add(g, tf.mul(next, momentum)) : next;
        }
        w.assign(tf.sub(w, tf.mul(d, lr)));
      }
    });
    return { gradNorm };
  }

  private bufferFor(name: string, w: tf.Variable): tf.Variable {
    let buf = this.buffers.get(name);
    if (!buf) {
      buf = tf.variable(tf.zerosLike(w), false);
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
      if (!this.buffers.has(name)) this.buffers.set(name, tf.variable(tf.zerosLike(w), false));
    }
  }

  /** Momentum buffers by variable name (for checkpoints). */
  state(): ReadonlyMap<string, tf.Variable> {
    return this.buffers;
  }

  /** Replaces the momentum buffers (from a checkpoint). */
  loadState(buffers: ReadonlyMap<string, tf.Tensor>): void {
    this.dispose();
    for (const [name, t] of buffers) this.buffers.set(name, tf.variable(t.clone(), false));
  }

  dispose(): void {
    for (const b of this.buffers.values()) b.dispose();
    this.buffers.clear();
  }
}
