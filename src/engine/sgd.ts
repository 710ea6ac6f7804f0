import * as tf from '@tensorflow/tfjs';
import { SGD_UPDATE } from './kernels/names';

export interface SgdOptions {
  /** Learning rate (change it per step with `setLearningRate`). */
  lr: number;
  /** Momentum factor (PyTorch `momentum`); 0 = plain SGD. Default 0.9. */
  momentum?: number;
  /** L2 penalty added to the gradient (PyTorch `weight_decay`). Default 0. */
  weightDecay?: number;
  /** Nesterov momentum (PyTorch `nesterov`). Default false. */
  nesterov?: boolean;
}

/**
 * PyTorch's SGD (momentum, weight decay, Nesterov) with one fused kernel per variable on the
 * native engine (a short op sequence elsewhere). Unlike tfjs optimizers, buffers are keyed by
 * variable, so each step may update a different subset (single-path supernet training): a
 * variable's momentum buffer starts at its first gradient, as in PyTorch.
 */
export class FusedSgd {
  private lr: number;
  readonly momentum: number;
  readonly weightDecay: number;
  readonly nesterov: boolean;
  private readonly buffers = new Map<tf.Variable, tf.Tensor>();

  constructor(options: SgdOptions) {
    this.lr = options.lr;
    this.momentum = options.momentum ?? 0.9;
    this.weightDecay = options.weightDecay ?? 0;
    this.nesterov = options.nesterov ?? false;
    for (const [k, v] of Object.entries({
      lr: this.lr,
      momentum: this.momentum,
      weightDecay: this.weightDecay,
    })) {
      if (!(Number.isFinite(v) && v >= 0)) throw new Error(`SGD ${k} must be >= 0, got ${v}`);
    }
  }

  get learningRate(): number {
    return this.lr;
  }

  setLearningRate(lr: number): void {
    if (!(Number.isFinite(lr) && lr >= 0)) throw new Error(`SGD lr must be >= 0, got ${lr}`);
    this.lr = lr;
  }

  /**
   * Applies one step. `grads` maps variable names to gradients (what tf.variableGrads returns);
   * variables without a gradient are left alone. Does not dispose the gradients.
   */
  apply(variables: readonly tf.Variable[], grads: tf.NamedTensorMap): void {
    const fused = tf.getKernel(SGD_UPDATE, tf.getBackend()) != null;
    for (const v of variables) {
      const g = grads[v.name];
      if (!g) continue;
      if (g.shape.join() !== v.shape.join()) {
        throw new Error(`gradient of ${v.name} has shape [${g.shape}], variable [${v.shape}]`);
      }
      const prev = this.buffers.get(v) ?? null;
      if (this.momentum === 0) {
        tf.tidy(() => {
          const d = this.weightDecay ? tf.add(g, tf.mul(v, this.weightDecay)) : g;
          v.assign(tf.sub(v, tf.mul(d, this.lr)));
        });
        continue;
      }
      let newV: tf.Tensor;
      let newM: tf.Tensor;
      if (fused && v.dtype === 'float32') {
        const inputs: tf.NamedTensorMap = { variable: v, gradient: g };
        if (prev) inputs.momentumBuffer = prev;
        [newV, newM] = tf.engine().runKernel(SGD_UPDATE, inputs, {
          lr: this.lr,
          momentum: this.momentum,
          weightDecay: this.weightDecay,
          nesterov: this.nesterov,
        }) as tf.Tensor[];
      } else {
        [newV, newM] = tf.tidy(() => {
          const d = this.weightDecay ? tf.add(g, tf.mul(v, this.weightDecay)) : g;
          const buf = prev ? tf.add(tf.mul(prev, this.momentum), d) : tf.clone(d);
          const step = this.nesterov ? tf.add(d, tf.mul(buf, this.momentum)) : buf;
          return [tf.sub(v, tf.mul(step, this.lr)), buf];
        });
      }
      v.assign(newV);
      newV.dispose();
      tf.keep(newM);
      this.buffers.set(v, newM);
      prev?.dispose();
    }
  }

  /** Momentum buffers by variable name (for checkpoints); owned by the optimizer. */
  state(): Map<string, tf.Tensor> {
    return new Map([...this.buffers].map(([v, m]) => [v.name, m]));
  }

  /** Restores buffers saved with `state()` (copies them). */
  loadState(variables: readonly tf.Variable[], state: Map<string, tf.Tensor>): void {
    for (const v of variables) {
      const m = state.get(v.name);
      if (!m) continue;
      this.buffers.get(v)?.dispose();
      this.buffers.set(v, tf.keep(tf.clone(m)));
    }
  }

  dispose(): void {
    for (const m of this.buffers.values()) m.dispose();
    this.buffers.clear();
  }
}
