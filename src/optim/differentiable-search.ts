/**
 * The alternating search loop of DARTS / GAEA on the relaxed NB-201 network (seed 002):
 *
 *   for each step i:
 *     w <- SGD step on the training batch's loss at the current mixing weights
 *          (momentum 0.9 Nesterov, weight decay, clipping at global norm 5, cosine LR)
 *     a <- architecture step at the new weights:
 *          bilevel: gradient of the validation batch's loss (first order, or DARTS' unrolled
 *                   second order with xi = the current weight LR)
 *          erm:     gradient of the same training batch's loss (single level)
 *          DARTS: Adam on logits alpha; GAEA: exponentiated gradient on theta.
 *
 * The weights are the supernet's (see RelaxedNb201); this class owns only the optimizers.
 * Everything needed to resume (weights, momentum buffers, architecture state, step) is exposed
 * as named float32 tensors plus a JSON state.
 */
import * as tf from '@tensorflow/tfjs';
import type { Nb201Network } from '../supernet/network';
import { Sgd, type SgdSettings } from '../core/sgd';
import { DivergenceError } from '../core/divergence';
import { cosineLr } from '../core/schedule';
import { DARTS_ARCH_ADAM, type AdamOptions } from './adam';
import {
  archOptimizerFromState,
  DartsArchOptimizer,
  GaeaArchOptimizer,
  type ArchOptimizer,
  type ArchOptimizerState,
} from './arch-optimizer';
import { architectureStep, type ArchObjective } from './arch-step';
import { deriveNb201, NB201_MIXING_SHAPE, RelaxedNb201, type ImageBatch } from './relaxed-nb201';
import { meanEntropy, type ArchMatrix } from './simplex';
import * as ops from '../supernet/ops';
import type { StoredTensor } from '../runs/folder';
import { networkTensors } from '../train/network-tensors';

export const DIFFERENTIABLE_METHODS = ['darts-1', 'darts-2', 'gaea-bilevel', 'gaea-erm'] as const;
export type DifferentiableMethod = (typeof DIFFERENTIABLE_METHODS)[number];

export interface MethodSpec {
  optimizer: 'darts' | 'gaea';
  objective: ArchObjective;
  order: 1 | 2;
}

export function methodSpec(method: DifferentiableMethod): MethodSpec {
  switch (method) {
    case 'darts-1':
      return { optimizer: 'darts', objective: 'bilevel', order: 1 };
    case 'darts-2':
      return { optimizer: 'darts', objective: 'bilevel', order: 2 };
    case 'gaea-bilevel':
      return { optimizer: 'gaea', objective: 'bilevel', order: 1 };
    case 'gaea-erm':
      return { optimizer: 'gaea', objective: 'erm', order: 1 };
    default:
      throw new Error(
        `unknown differentiable search method ${JSON.stringify(method)} (expected one of ${DIFFERENTIABLE_METHODS.join(', ')})`,
      );
  }
}

/** Hyper-parameters of the search (weights as NAS-Bench-201's DARTS runs; architecture per method). */
export interface DifferentiableSearchHyper extends SgdSettings {
  weightLr: number;
  weightLrMin: number;
  /** DARTS' Adam on alpha. */
  dartsAdam: AdamOptions;
  /** GAEA's exponentiated-gradient step size (no weight decay on theta). */
  gaeaEta: number;
}

export const NB201_SEARCH_HYPER: Readonly<DifferentiableSearchHyper> = Object.freeze({
  weightLr: 0.025,
  weightLrMin: 0.001,
  momentum: 0.9,
  nesterov: true,
  weightDecay: 5e-4,
  clipNorm: 5,
  dartsAdam: { ...DARTS_ARCH_ADAM },
  gaeaEta: 0.1,
});

/** One step's input: the training batch, plus a held-out batch for the bilevel methods. */
export interface SearchStepBatches {
  train: ImageBatch;
  val?: ImageBatch;
}

export interface SearchStepResult {
  lr: number;
  trainLoss: number;
  trainCorrect: number;
  /** Loss the architecture gradient was taken at (validation for bilevel, training for ERM). */
  archLoss: number;
  images: number;
}

/** Architecture snapshot: what arch.jsonl records per epoch. */
export interface ArchSnapshot {
  /** Mixing weights on the simplices [6][5] (softmax(alpha) for DARTS, theta for GAEA). */
  weights: ArchMatrix;
  /** Raw parameters (alpha for DARTS, theta for GAEA). */
  params: ArchMatrix;
  entropy: number;
  /** The argmax cell as op names, one per edge. */
  derivedOps: string[];
}

/** JSON part of a search checkpoint. */
export interface DifferentiableSearchState {
  method: DifferentiableMethod;
  step: number;
  arch: ArchOptimizerState;
}

export interface DifferentiableSearchOptions {
  method: DifferentiableMethod;
  hyper: DifferentiableSearchHyper;
  /** Total weight steps of the whole search (length of the cosine schedule). */
  totalSteps: number;
  /** Standard normal generator for DARTS' alpha = 1e-3 N(0, 1) start (seeded by the caller). */
  normal: () => number;
}

export class DifferentiableSearch {
  readonly method: DifferentiableMethod;
  readonly spec: MethodSpec;
  readonly hyper: DifferentiableSearchHyper;
  readonly totalSteps: number;
  readonly model: RelaxedNb201;
  private arch: ArchOptimizer;
  private readonly sgd: Sgd;
  private readonly byVariableName = new Map<string, string>();
  private step = 0;

  constructor(
    readonly supernet: Nb201Network,
    options: DifferentiableSearchOptions,
  ) {
    this.method = options.method;
    this.spec = methodSpec(options.method);
    this.hyper = options.hyper;
    if (!Number.isInteger(options.totalSteps) || options.totalSteps < 1) {
      throw new Error(`totalSteps must be a positive integer, got ${options.totalSteps}`);
    }
    this.totalSteps = options.totalSteps;
    this.model = new RelaxedNb201(supernet);
    const [edges, opCount] = NB201_MIXING_SHAPE;
    this.arch =
      this.spec.optimizer === 'darts'
        ? DartsArchOptimizer.init(edges, opCount, options.normal, this.hyper.dartsAdam)
        : GaeaArchOptimizer.init(edges, opCount, this.hyper.gaeaEta);
    const { momentum, nesterov, weightDecay, clipNorm } = this.hyper;
    this.sgd = new Sgd({ momentum, nesterov, weightDecay, clipNorm });
    this.sgd.initBuffers(supernet.variables.trainable);
    for (const [name, v] of supernet.variables.trainable) this.byVariableName.set(v.name, name);
  }

  /** Weight steps taken so far. */
  get steps(): number {
    return this.step;
  }

  /** The architecture optimizer (read its weights/params; do not step it directly). */
  get architecture(): ArchOptimizer {
    return this.arch;
  }

  lrAt(step: number): number {
    return cosineLr(
      { baseLr: this.hyper.weightLr, minLr: this.hyper.weightLrMin, totalSteps: this.totalSteps },
      step,
    );
  }

  /** One weight step then one architecture step. */
  trainStep(batches: SearchStepBatches): SearchStepResult {
    const lr = this.lrAt(this.step);
    const { train, val } = batches;
    if (this.spec.objective === 'bilevel' && val === undefined) {
      throw new Error(`${this.method} is bilevel: every step needs a validation batch`);
    }
    // 1. weights: SGD on the training loss at the current mixing weights
    const mixing = tf.tensor2d(this.arch.weights());
    const kept: { correct?: tf.Scalar } = {};
    const { value, grads } = tf.variableGrads(() => {
      const logits = this.model.logits(train.x, mixing);
      kept.correct = tf.keep(ops.correctCount(logits, train.y));
      return ops.crossEntropy(logits, train.y);
    }, this.model.weights);
    mixing.dispose();
    const trainLoss = value.dataSync()[0];
    const trainCorrect = kept.correct?.dataSync()[0] ?? 0;
    value.dispose();
    kept.correct?.dispose();
    if (!Number.isFinite(trainLoss)) {
      tf.dispose(Object.values(grads));
      throw new DivergenceError(
        `${this.method}: training loss is ${trainLoss} at step ${this.step + 1}; try a lower weight LR`,
      );
    }
    const named = new Map<string, tf.Tensor>();
    for (const [varName, g] of Object.entries(grads)) {
      named.set(this.byVariableName.get(varName) ?? varName, g);
    }
    const { gradNorm } = this.sgd.step(this.supernet.variables.trainable, named, lr);
    gradNorm.dispose();
    tf.dispose(Object.values(grads));

    // 2. architecture step at the new weights
    const g = architectureStep(this.model, this.arch, {
      objective: this.spec.objective,
      order: this.spec.order,
      trainBatch: train,
      valBatch: val,
      xi: lr,
      weightDecay: this.hyper.weightDecay,
    });
    this.step += 1;
    return { lr, trainLoss, trainCorrect, archLoss: g.loss, images: train.x.shape[0] };
  }

  snapshot(): ArchSnapshot {
    const weights = this.arch.weights();
    return {
      weights,
      params: this.arch.params(),
      entropy: meanEntropy(weights),
      derivedOps: [...deriveNb201(weights)],
    };
  }

  /** JSON state for a checkpoint (tensors come from `tensors()`). */
  state(): DifferentiableSearchState {
    return { method: this.method, step: this.step, arch: this.arch.state() };
  }

  /**
   * Named float32 arrays to checkpoint: supernet weights ("w/<name>"), BN buffers ("b/<name>")
   * and SGD momentum ("m/<name>").
   */
  tensors(): StoredTensor[] {
    return networkTensors(this.supernet, this.sgd, { param: 'w/', buffer: 'b/', momentum: 'm/' });
  }

  /** Restores what `state()` and `tensors()` saved. */
  restore(
    state: DifferentiableSearchState,
    tensors: ReadonlyMap<string, { shape: number[]; data: Float32Array }>,
  ): void {
    if (state.method !== this.method) {
      throw new Error(`checkpoint is of method ${state.method}, this search is ${this.method}`);
    }
    const momentum = new Map<string, tf.Tensor>();
    for (const [key, t] of tensors) {
      const slash = key.indexOf('/');
      const kind = key.slice(0, slash);
      const name = key.slice(slash + 1);
      if (kind === 'm') {
        momentum.set(name, tf.tensor(t.data, t.shape));
        continue;
      }
      const map =
        kind === 'w' ? this.supernet.variables.trainable : this.supernet.variables.buffers;
      const v = map.get(name);
      if (!v) throw new Error(`checkpoint tensor ${key} has no variable in this supernet`);
      if (v.shape.join() !== t.shape.join()) {
        throw new Error(`checkpoint tensor ${key} has shape [${t.shape}], variable [${v.shape}]`);
      }
      tf.tidy(() => v.assign(tf.tensor(t.data, t.shape)));
    }
    this.sgd.loadState(momentum);
    tf.dispose([...momentum.values()]);
    this.arch = archOptimizerFromState(state.arch);
    this.step = state.step;
  }

  dispose(): void {
    this.sgd.dispose();
  }
}
