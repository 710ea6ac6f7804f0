/**
 * The NAS-Bench-201 macro skeleton as a functional network that owns its weights (tf.Variable):
 *
 *   stem: Conv3x3(in -> C) + BN
 *   stage 1: N cells at C      | reduction: ResNet block C -> 2C (stride 2)
 *   stage 2: N cells at 2C     | reduction: ResNet block 2C -> 4C (stride 2)
 *   stage 3: N cells at 4C
 *   head: BN + ReLU, global average pool, linear (4C -> classes)
 *
 * A cell has 4 nodes and 6 edges (NB201_EDGES); node j sums one op applied to every node i < j.
 * Candidate ops: none (zeros), skip_connect (identity), nor_conv_1x1 / nor_conv_3x3
 * (ReLU-Conv-BN), avg_pool_3x3 (stride 1, padding 1, padding excluded).
 * The reduction block is ReLU-Conv3x3(s2)-BN, ReLU-Conv3x3-BN, plus a shortcut
 * AvgPool2x2(s2) + Conv1x1 (no BN), as in the benchmark's ResNetBasicblock.
 *
 * The same class is the supernet (every edge owns every candidate op) and a stand-alone network
 * (every edge owns only its architecture's op): the forward pass for an architecture runs only
 * that architecture's ops either way (single path), and `none` edges are never computed.
 */
import * as tf from '@tensorflow/tfjs';
import { NB201_EDGES, NB201_OPS, type Nb201Arch, type Nb201Op } from '../spaces/nb201/definition';
import * as ops from './ops';
import { BankNetwork, WeightBank, classify, resetBuffers, type BatchNorm } from './blocks';

/** Size of the macro skeleton. The benchmark's is {channels 16, cellsPerStage 5, 3, 10}. */
export interface Nb201Skeleton {
  /** C: channels of the first stage (then 2C, 4C). */
  channels: number;
  /** N: cells per stage. */
  cellsPerStage: number;
  /** Image channels (3 for CIFAR, 1 for Fashion-MNIST). */
  inputChannels: number;
  /** Output classes. */
  classes: number;
}

/**
 * train: batch statistics, running statistics updated with BN momentum 0.1 (PyTorch convention:
 *   running = (1 - m) * running + m * batch, unbiased batch variance);
 * eval: running statistics;
 * calibrate: batch statistics, running statistics updated as the cumulative average over the
 *   calibration batches (PyTorch's momentum=None), see `calibrationStep`.
 */
export type ForwardMode = 'train' | 'eval' | 'calibrate';

export interface ForwardOptions {
  mode: ForwardMode;
  /** 1-based index of the calibration batch (mode 'calibrate' only): weight 1/step. */
  calibrationStep?: number;
  /** Update running statistics in 'train' mode (default true). */
  updateStats?: boolean;
}

export interface NetworkOptions {
  /** Seed of the weight initialisation (each parameter draws from seed + its name). */
  seed: number;
  /** Ops owned by every edge: 'all' for a supernet, or one architecture for a stand-alone net. */
  ops: 'all' | Nb201Arch;
}

/** ReLU -> Conv(k, stride, pad; no bias) -> BN. */
interface ReluConvBn {
  w: tf.Variable<tf.Rank.R4>;
  bn: BatchNorm;
  stride: number;
  pad: number;
}

type ParamOp = 'nor_conv_1x1' | 'nor_conv_3x3';

interface Cell {
  /** Per edge: the parametrised ops this network owns on it. */
  edges: Array<Partial<Record<ParamOp, ReluConvBn>>>;
  /** Per edge: the ops this network can run on it. */
  allowed: Array<ReadonlySet<Nb201Op>>;
}

interface Reduction {
  a: ReluConvBn;
  b: ReluConvBn;
  shortcut: tf.Variable<tf.Rank.R4>;
}

interface Stage {
  cells: Cell[];
  /** Reduction block after this stage (stages 1 and 2). */
  reduction: Reduction | null;
}

/** Trainable variables and BN running statistics, by stable name. */
export interface NamedVariables {
  trainable: Map<string, tf.Variable>;
  buffers: Map<string, tf.Variable>;
}

export class Nb201Network extends BankNetwork {
  readonly skeleton: Readonly<Nb201Skeleton>;
  readonly seed: number;
  /** null for a supernet; the architecture for a stand-alone network. */
  readonly fixedArch: Nb201Arch | null;
  /** BN epsilon (the relaxed network of src/optim normalises with it too). */
  readonly bnEps: number;
  private readonly stem: { w: tf.Variable<tf.Rank.R4>; bn: BatchNorm };
  private readonly stages: Stage[] = [];
  private readonly head: { bn: BatchNorm; fc: { w: tf.Variable; b: tf.Variable | null } };
  private disposed = false;

  constructor(skeleton: Nb201Skeleton, options: NetworkOptions) {
    validateSkeleton(skeleton);
    const bank = new WeightBank(options.seed);
    super(bank);
    this.skeleton = Object.freeze({ ...skeleton });
    this.seed = options.seed;
    this.bnEps = bank.bnEps;
    if (options.ops === 'all') {
      this.fixedArch = null;
    } else {
      checkArch(options.ops);
      this.fixedArch = Object.freeze([...options.ops]);
    }
    const { channels: c, cellsPerStage: n, inputChannels, classes } = skeleton;
    this.stem = {
      w: bank.conv('stem.conv.w', 3, inputChannels, c),
      bn: bank.batchNorm('stem.bn', c),
    };
    let cellIndex = 0;
    const widths = [c, 2 * c, 4 * c];
    for (let s = 0; s < 3; s++) {
      const cells: Cell[] = [];
      for (let k = 0; k < n; k++) cells.push(this.cell(`cells.${cellIndex++}`, widths[s]));
      let reduction: Reduction | null = null;
      if (s < 2) {
        const name = `reductions.${s}`;
        reduction = {
          a: this.reluConvBn(`${name}.a`, 3, widths[s], widths[s + 1], 2, 1),
          b: this.reluConvBn(`${name}.b`, 3, widths[s + 1], widths[s + 1], 1, 1),
          shortcut: bank.conv(`${name}.shortcut.w`, 1, widths[s], widths[s + 1]),
        };
      }
      this.stages.push({ cells, reduction });
    }
    const last = widths[2];
    this.head = { bn: bank.batchNorm('head.bn', last), fc: bank.dense('head.fc', last, classes) };
  }

  /** Number of trainable scalars this network owns. */
  parameterCount(): number {
    let total = 0;
    for (const v of this.variables.trainable.values()) total += v.size;
    return total;
  }

  /** The trainable variables that the forward pass of `arch` touches. */
  pathVariables(arch: Nb201Arch): tf.Variable[] {
    return this.pathNames(arch).trainable.map((name) => this.variables.trainable.get(name)!);
  }

  /** Names of the trainable variables and BN buffers that the forward pass of `arch` uses. */
  pathNames(arch: Nb201Arch): { trainable: string[]; buffers: string[] } {
    this.checkRunnable(arch);
    const prefixes = ['stem.', 'reductions.', 'head.'];
    for (let cell = 0; cell < 3 * this.skeleton.cellsPerStage; cell++) {
      arch.forEach((op, e) => {
        if (op === 'nor_conv_1x1' || op === 'nor_conv_3x3')
          prefixes.push(`cells.${cell}.${e}.${op}.`);
      });
    }
    return this.bank.pick(prefixes);
  }

  /**
   * Logits [N, classes] of `arch` for images x [N, H, W, inputChannels]. Leaves no tensors
   * behind except the result (and, in train/calibrate mode, the updated running statistics).
   */
  forward(x: tf.Tensor4D, arch: Nb201Arch, options: ForwardOptions): tf.Tensor2D {
    this.checkRunnable(arch);
    if (x.rank !== 4 || x.shape[3] !== this.skeleton.inputChannels) {
      throw new Error(
        `expected images [N, H, W, ${this.skeleton.inputChannels}], got [${x.shape.join(', ')}]`,
      );
    }
    if (options.mode === 'calibrate') {
      const step = options.calibrationStep;
      if (step === undefined || !Number.isInteger(step) || step < 1) {
        throw new Error(`calibrate mode needs calibrationStep >= 1, got ${String(step)}`);
      }
    }
    return tf.tidy(() => {
      // Block by block (cell, reduction): a block's intermediates go once its output exists,
      // and its input once the next block has used it, as PyTorch frees them (a batch-256
      // evaluation otherwise holds ~2 GiB at its end). In training the tape keeps its own
      // clones of what the backward pass needs; only the rest (e.g. the edge outputs summed
      // into a node, the cell outputs) goes earlier than at the end of the forward pass.
      let h = tf.tidy(() => this.bank.bn(this.stem.bn, ops.conv2d(x, this.stem.w, 1, 1), options));
      const block = (f: (input: tf.Tensor4D) => tf.Tensor4D) => {
        const input = h;
        h = tf.tidy(() => f(input));
        if (h !== input) input.dispose();
      };
      for (const stage of this.stages) {
        for (const cell of stage.cells)
          block((input) => this.cellForward(cell, input, arch, options));
        const r = stage.reduction;
        if (r) {
          block((input) => {
            const a = this.reluConvBnForward(r.a, input, options);
            const b = this.reluConvBnForward(r.b, a, options);
            const short = ops.conv2d(ops.avgPool2x2(input), r.shortcut, 1, 0);
            return ops.addAll([short, b]);
          });
        }
      }
      return classify(ops.relu(this.bank.bn(this.head.bn, h, options)), this.head.fc);
    });
  }

  /** Resets the running statistics (mean 0, var 1) of every BN that `arch` uses. */
  resetBatchNormStats(arch: Nb201Arch): void {
    resetBuffers(this.variables, this.pathNames(arch).buffers);
  }

  /**
   * Copies into this network every variable (trainable and BN buffers) that `source` also has
   * under the same name; returns how many were copied. Shapes must agree.
   */
  copyFrom(source: Nb201Network): number {
    let copied = 0;
    for (const kind of ['trainable', 'buffers'] as const) {
      for (const [name, v] of this.variables[kind]) {
        const s = source.variables[kind].get(name);
        if (!s) continue;
        if (s.shape.join() !== v.shape.join()) {
          throw new Error(`cannot copy ${name}: shape [${s.shape}] vs [${v.shape}]`);
        }
        v.assign(s);
        copied++;
      }
    }
    return copied;
  }

  override dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    super.dispose();
  }

  private reluConvBn(
    name: string,
    k: number,
    cin: number,
    cout: number,
    stride: number,
    pad: number,
  ): ReluConvBn {
    return {
      w: this.bank.conv(`${name}.conv.w`, k, cin, cout),
      bn: this.bank.batchNorm(`${name}.bn`, cout),
      stride,
      pad,
    };
  }

  private cell(name: string, c: number): Cell {
    const edges: Cell['edges'] = [];
    const allowed: Cell['allowed'] = [];
    for (let e = 0; e < NB201_EDGES.length; e++) {
      const owned: Nb201Op[] = this.fixedArch ? [this.fixedArch[e]] : [...NB201_OPS];
      const params: Partial<Record<ParamOp, ReluConvBn>> = {};
      if (owned.includes('nor_conv_1x1')) {
        params.nor_conv_1x1 = this.reluConvBn(`${name}.${e}.nor_conv_1x1`, 1, c, c, 1, 0);
      }
      if (owned.includes('nor_conv_3x3')) {
        params.nor_conv_3x3 = this.reluConvBn(`${name}.${e}.nor_conv_3x3`, 3, c, c, 1, 1);
      }
      edges.push(params);
      allowed.push(new Set(owned));
    }
    return { edges, allowed };
  }

  // ---- forward helpers ----

  private checkRunnable(arch: Nb201Arch): void {
    if (this.disposed) throw new Error('this network has been disposed');
    checkArch(arch);
    if (this.fixedArch && arch.some((op, e) => op !== this.fixedArch![e])) {
      throw new Error(
        `this stand-alone network holds only [${this.fixedArch.join(', ')}]; cannot run [${arch.join(', ')}]`,
      );
    }
  }

  private cellForward(cell: Cell, x: tf.Tensor4D, arch: Nb201Arch, options: ForwardOptions) {
    const nodes: tf.Tensor4D[] = [x];
    // The conv edges leaving one node share its ReLU (the same values for every edge): one
    // ReLU, one saved activation and one ReLU gradient per node instead of one per edge.
    const relus: (tf.Tensor4D | undefined)[] = [];
    const reluOf = (i: number) => (relus[i] ??= tf.keep(ops.relu(nodes[i])));
    try {
      for (let j = 1; j < 4; j++) {
        // The node's terms go once they are summed.
        const node = tf.tidy(() => {
          const terms: tf.Tensor4D[] = [];
          NB201_EDGES.forEach((edge, e) => {
            if (edge.to !== j) return;
            const op = arch[e];
            if (op === 'none') return;
            const input = nodes[edge.from];
            if (op === 'skip_connect') terms.push(input);
            else if (op === 'avg_pool_3x3') terms.push(ops.avgPool3x3(input));
            else terms.push(this.convBnForward(cell.edges[e][op]!, reluOf(edge.from), options));
          });
          return terms.length > 0 ? ops.addAll(terms) : ops.zeros(x.shape);
        });
        nodes.push(node);
      }
    } finally {
      tf.dispose(relus.filter((r) => r !== undefined));
    }
    return nodes[3];
  }

  /** ReLU-Conv-BN; the ReLU and Conv outputs go once the BN output exists. */
  private reluConvBnForward(m: ReluConvBn, x: tf.Tensor4D, options: ForwardOptions): tf.Tensor4D {
    return tf.tidy(() => this.convBnForward(m, ops.relu(x), options));
  }

  /** Conv-BN of an input that has been through its ReLU; the Conv output goes once BN's exists. */
  private convBnForward(m: ReluConvBn, relu: tf.Tensor4D, options: ForwardOptions): tf.Tensor4D {
    return tf.tidy(() => this.bank.bn(m.bn, ops.conv2d(relu, m.w, m.stride, m.pad), options));
  }
}

function checkArch(arch: Nb201Arch): void {
  if (!Array.isArray(arch) || arch.length !== NB201_EDGES.length) {
    throw new Error(`an NB-201 architecture has 6 ops, got ${JSON.stringify(arch)}`);
  }
  for (const op of arch) {
    if (!(NB201_OPS as readonly string[]).includes(op)) {
      throw new Error(`unknown NB-201 op ${JSON.stringify(op)} in ${JSON.stringify(arch)}`);
    }
  }
}

const SKELETON_KEYS = ['channels', 'cellsPerStage', 'inputChannels', 'classes'] as const;

function validateSkeleton(s: Nb201Skeleton): void {
  for (const key of SKELETON_KEYS) {
    const v = s[key];
    if (!Number.isInteger(v) || v < (key === 'cellsPerStage' ? 0 : 1)) {
      throw new Error(`skeleton.${key} must be a positive integer, got ${String(v)}`);
    }
  }
}

/** A supernet: every edge of every cell owns every candidate op. */
export function createSupernet(
  skeleton: Nb201Skeleton,
  options: Omit<NetworkOptions, 'ops'>,
): Nb201Network {
  return new Nb201Network(skeleton, { ...options, ops: 'all' });
}

/**
 * A stand-alone network for one architecture. With `from`, its weights (and BN statistics) are
 * copied from that network (a supernet or another net of the same skeleton); otherwise they are
 * initialised from `seed` (the same values a supernet of that seed starts with on these ops).
 */
export function createStandalone(
  arch: Nb201Arch,
  skeleton: Nb201Skeleton,
  options: Omit<NetworkOptions, 'ops'> & { from?: Nb201Network },
): Nb201Network {
  const { from, ...rest } = options;
  const net = new Nb201Network(skeleton, { ...rest, ops: arch });
  if (from) {
    if (SKELETON_KEYS.some((key) => from.skeleton[key] !== skeleton[key])) {
      throw new Error('createStandalone: `from` has a different skeleton');
    }
    net.copyFrom(from);
  }
  return net;
}
