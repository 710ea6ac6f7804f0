import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { packageRoot } from '../../info';

/** The functions of native/build/Release/supernet_native.node (see native/src/*.cc). */
export interface NativeAddon {
  threads(): number;
  /** The address of a's first element modulo 64 (to align buffers on cache lines). */
  addressMod64(a: Float32Array): number;
  onednnVersion(): string;
  conv2d(x: Float32Array, w: Float32Array, y: Float32Array, params: Int32Array): void;
  conv2dBackwardData(dy: Float32Array, w: Float32Array, dx: Float32Array, p: Int32Array): void;
  conv2dBackwardWeights(x: Float32Array, dy: Float32Array, dw: Float32Array, p: Int32Array): void;
  /**
   * Average pooling and its gradient on NHWC (pool.cc); params: N H W C KH KW OH OW sh sw pt pl
   * mode (0: the average includes padding, 1: excludes it).
   */
  avgPoolForward(x: Float32Array, y: Float32Array, params: Int32Array): void;
  avgPoolBackward(dy: Float32Array, dx: Float32Array, params: Int32Array): void;
  matmul(a: Float32Array, b: Float32Array, c: Float32Array, params: Int32Array): void;
  batchNormTrain(
    x: Float32Array,
    gamma: Float32Array | null,
    beta: Float32Array | null,
    y: Float32Array,
    mean: Float32Array,
    variance: Float32Array,
    epsilon: number,
  ): void;
  batchNormGrad(
    dy: Float32Array,
    x: Float32Array,
    mean: Float32Array,
    variance: Float32Array,
    gamma: Float32Array | null,
    dx: Float32Array,
    dgamma: Float32Array,
    dbeta: Float32Array,
    epsilon: number,
  ): void;
  /** op: 0 add, 1 sub, 2 mul, 3 div, 4 max, 5 min; layouts: 0 full, 1 scalar, 2 per channel. */
  binary(
    op: number,
    a: Float32Array,
    b: Float32Array,
    out: Float32Array,
    layoutA: number,
    layoutB: number,
    channels: number,
  ): void;
  /** General broadcasting: per-axis strides of a and b over the output shape (0 = repeat). */
  binaryStrided(
    op: number,
    a: Float32Array,
    b: Float32Array,
    out: Float32Array,
    shape: Int32Array,
    stridesA: Int32Array,
    stridesB: Int32Array,
  ): void;
  /** out[o, i] = reduce over m of x[o, m, i]; op: 0 sum, 1 mean, 2 max, 3 min. */
  reduce(
    op: number,
    x: Float32Array,
    out: Float32Array,
    outer: number,
    mid: number,
    inner: number,
  ): void;
  /** out[r, c] = x[r, c] * scale[c] + shift[c]. */
  channelAffine(x: Float32Array, scale: Float32Array, shift: Float32Array, out: Float32Array): void;
  /** op: 0 relu, 1 step(alpha), 2 neg, 3 square. */
  unary(op: number, x: Float32Array, out: Float32Array, alpha: number): void;
  reluGrad(dy: Float32Array, x: Float32Array, dx: Float32Array): void;
  addN(inputs: Float32Array[], out: Float32Array): void;
  sgdUpdate(
    v: Float32Array,
    g: Float32Array,
    m: Float32Array | null,
    newV: Float32Array,
    newM: Float32Array,
    lr: number,
    momentum: number,
    weightDecay: number,
    nesterov: number,
  ): void;
  /** out[0] = sqrt(addN(sum(square(g)) for each g)) in the op-by-op path's float rounding. */
  globalNorm(gradients: Float32Array[], out: Float32Array): void;
  /**
   * Sgd.step for all variables at once: gradients scaled by min(1, clipNorm / (norm + 1e-6))
   * when `norm` is given, then SGD with weight decay and (Nesterov) momentum (buffers null:
   * momentum 0). Writes newV (and newM); reads the rest.
   */
  sgdStep(
    v: Float32Array[],
    g: Float32Array[],
    m: Float32Array[] | null,
    newV: Float32Array[],
    newM: Float32Array[] | null,
    norm: Float32Array | null,
    clipNorm: number,
    lr: number,
    momentum: number,
    weightDecay: number,
    nesterov: number,
  ): void;
}

/** Where `npm run build:native` puts the addon. */
export const ADDON_PATH = path.join(
  packageRoot,
  'native',
  'build',
  'Release',
  'supernet_native.node',
);

/** Environment variable with the thread count of the native engine (default: all cores). */
export const THREADS_ENV_VAR = 'SUPERNET_LAB_THREADS';

let addon: NativeAddon | null = null;

/** Thread count the native engine will use: SUPERNET_LAB_THREADS, OMP_NUM_THREADS or all cores. */
export function nativeThreadRequest(): number {
  for (const name of [THREADS_ENV_VAR, 'OMP_NUM_THREADS']) {
    const v = process.env[name];
    if (v != null && v.trim() !== '') {
      const n = Number(v.trim().split(',')[0]);
      if (!Number.isInteger(n) || n < 1) {
        throw new Error(`${name} must be a positive integer, got ${JSON.stringify(v)}`);
      }
      return n;
    }
  }
  return typeof os.availableParallelism === 'function'
    ? os.availableParallelism()
    : os.cpus().length;
}

/**
 * How idle OpenMP threads wait: the user's OMP_WAIT_POLICY, else `passive` (sleep at once).
 * libgomp's default spins before sleeping; when anything else wants the cores (a second run, a
 * notebook, a test runner), spinning threads and descheduled barrier partners made a 2-thread
 * NB-201 training step about 10x slower (12 vs 117 img/s at load 4, PyTorch alike: 19 vs 138).
 */
export function nativeWaitPolicy(): string {
  const v = process.env.OMP_WAIT_POLICY;
  return v != null && v.trim() !== '' ? v.trim() : 'passive';
}

/**
 * Loads the addon once. OpenMP reads OMP_NUM_THREADS and OMP_WAIT_POLICY when the library
 * loads, so they are set here first (a later change has no effect in this process).
 */
export function loadAddon(): NativeAddon {
  if (addon) return addon;
  if (!fs.existsSync(ADDON_PATH)) {
    throw new Error(
      `the native addon is not built (${path.relative(process.cwd(), ADDON_PATH) || ADDON_PATH} ` +
        'is missing). Build it with `npm run build:native` (needs g++, make, python3 and ' +
        'oneDNN: `apt-get install libdnnl-dev`)',
    );
  }
  process.env.OMP_NUM_THREADS = String(nativeThreadRequest());
  process.env.OMP_WAIT_POLICY = nativeWaitPolicy();
  const loaded = require(ADDON_PATH) as NativeAddon;
  addon = loaded;
  return loaded;
}
