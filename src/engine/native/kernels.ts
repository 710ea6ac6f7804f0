import * as tf from '@tensorflow/tfjs';
import type { KernelConfig, KernelFunc, NamedAttrMap, TensorInfo } from '@tensorflow/tfjs';
import { BATCH_NORM_GRAD, BATCH_NORM_TRAIN } from '../kernels/batchnorm';
import { convInfo, cpuAccess, poolInfo, type RawAccess } from '../kernels/util';
import { BLEND_STATS, GLOBAL_NORM, RELU_GRAD, SGD_STEP, SGD_UPDATE } from '../kernels/names';
import type { NativeAddon } from './addon';

function convParams(info: tf.backend_util.Conv2DInfo): Int32Array {
  return Int32Array.from([
    info.batchSize,
    info.inHeight,
    info.inWidth,
    info.inChannels,
    info.filterHeight,
    info.filterWidth,
    info.outChannels,
    info.outHeight,
    info.outWidth,
    info.strideHeight,
    info.strideWidth,
    info.dilationHeight,
    info.dilationWidth,
    info.padInfo.top,
    info.padInfo.left,
  ]);
}

const allFloat = (...infos: TensorInfo[]) => infos.every((t) => t.dtype === 'float32');

const FULL = 0;
const SCALAR = 1;
const CHANNEL = 2;

function stripLeadingOnes(shape: number[]): number[] {
  let i = 0;
  while (i < shape.length - 1 && shape[i] === 1) i++;
  return shape.slice(i);
}

/** How an operand of shape `shape` maps onto the broadcast output `out`; null: unsupported. */
function operandLayout(shape: number[], out: number[]): number | null {
  const size = shape.reduce((p, d) => p * d, 1);
  if (size === 1) return SCALAR;
  const s = stripLeadingOnes(shape);
  const o = stripLeadingOnes(out);
  if (s.length === o.length && s.every((d, i) => d === o[i])) return FULL;
  if (s.length === 1 && s[0] === o[o.length - 1]) return CHANNEL;
  return null;
}

/** Element strides of `shape` read as the broadcast shape `out` (0 along repeated axes). */
function broadcastStrides(shape: number[], out: number[]): Int32Array {
  const strides = new Int32Array(out.length);
  let stride = 1;
  for (let i = out.length - 1, j = shape.length - 1; i >= 0; i--, j--) {
    const d = j >= 0 ? shape[j] : 1;
    strides[i] = d === 1 ? 0 : stride;
    stride *= d;
  }
  return strides;
}

const REDUCE_OPS: [string, number][] = [
  ['Sum', 0],
  ['Mean', 1],
  ['Max', 2],
  ['Min', 3],
];

const BINARY_OPS: [string, number][] = [
  ['Add', 0],
  ['Sub', 1],
  ['Multiply', 2],
  ['RealDiv', 3],
  ['Maximum', 4],
  ['Minimum', 5],
];

const UNARY_OPS: [string, number][] = [
  ['Relu', 0],
  ['Step', 1],
  ['Neg', 2],
  ['Square', 3],
];

/** Wraps a native kernel body; unsupported cases (null result) go to the cpu kernel. */
function withFallback(
  kernelName: string,
  body: (args: Parameters<KernelFunc>[0], raw: RawAccess) => TensorInfo | TensorInfo[] | null,
): KernelFunc {
  const cpu = tf.getKernel(kernelName, 'cpu');
  return (args) => {
    const out = body(args, cpuAccess(args.backend));
    if (out) return out;
    if (!cpu) throw new Error(`native: no fallback for ${kernelName}`);
    return cpu.kernelFunc(args);
  };
}

export function nativeKernels(addon: NativeAddon, backendName: string): KernelConfig[] {
  /**
   * A convolution kernel on operands `names` (float32): `shapes` gives the input and filter
   * shapes of the forward convolution and the output's (default: the forward output).
   */
  const convKernel = (
    kernelName: string,
    names: [string, string],
    shapes: (a: TensorInfo, b: TensorInfo, attrs: NamedAttrMap) => number[][],
    run: (a: Float32Array, b: Float32Array, out: Float32Array, params: Int32Array) => void,
  ) =>
    withFallback(kernelName, ({ inputs, attrs }, raw) => {
      const a = inputs[names[0]] as TensorInfo;
      const b = inputs[names[1]] as TensorInfo;
      if (!allFloat(a, b)) return null;
      const [x, filter, outShape] = shapes(a, b, attrs as NamedAttrMap);
      const info = convInfo(x, filter, attrs as NamedAttrMap);
      if (!info) return null;
      const out = raw.alloc((outShape ?? info.outShape).slice());
      run(raw.view(a), raw.view(b), raw.view(out), convParams(info));
      return out;
    });
  const conv2d = convKernel(
    'Conv2D',
    ['x', 'filter'],
    (x, f) => [x.shape, f.shape],
    (...v) => addon.conv2d(...v),
  );
  const conv2dBackpropInput = convKernel(
    'Conv2DBackpropInput',
    ['dy', 'filter'],
    (_, f, attrs) => [attrs.inputShape as number[], f.shape, attrs.inputShape as number[]],
    (...v) => addon.conv2dBackwardData(...v),
  );
  const conv2dBackpropFilter = convKernel(
    'Conv2DBackpropFilter',
    ['x', 'dy'],
    (x, _, attrs) => [x.shape, attrs.filterShape as number[], attrs.filterShape as number[]],
    (...v) => addon.conv2dBackwardWeights(...v),
  );

  const poolParams = (shape: number[], attrs: NamedAttrMap) => {
    const info = poolInfo(shape, attrs);
    const params = Int32Array.from([
      info.batchSize,
      info.inHeight,
      info.inWidth,
      info.inChannels,
      info.filterHeight,
      info.filterWidth,
      info.outHeight,
      info.outWidth,
      info.strideHeight,
      info.strideWidth,
      info.padInfo.top,
      info.padInfo.left,
      1, // average excluding padding, as tfjs's AvgPool
    ]);
    return { info, params };
  };

  const avgPool = withFallback('AvgPool', ({ inputs, attrs }, raw) => {
    const x = inputs.x as TensorInfo;
    if (!allFloat(x)) return null;
    const { info, params } = poolParams(x.shape, attrs as NamedAttrMap);
    const out = raw.alloc(info.outShape.slice());
    addon.avgPoolForward(raw.view(x), raw.view(out), params);
    return out;
  });

  const avgPoolGrad = withFallback('AvgPoolGrad', ({ inputs, attrs }, raw) => {
    const dy = inputs.dy as TensorInfo;
    const input = inputs.input as TensorInfo;
    if (!allFloat(dy)) return null;
    const { params } = poolParams(input.shape, attrs as NamedAttrMap);
    const out = raw.alloc(input.shape.slice());
    addon.avgPoolBackward(raw.view(dy), raw.view(out), params);
    return out;
  });

  const batchMatMul = withFallback('BatchMatMul', ({ inputs, attrs }, raw) => {
    const a = inputs.a as TensorInfo;
    const b = inputs.b as TensorInfo;
    if (!allFloat(a, b) || a.shape.length < 2 || b.shape.length < 2) return null;
    const transposeA = Boolean((attrs as NamedAttrMap).transposeA);
    const transposeB = Boolean((attrs as NamedAttrMap).transposeB);
    const ra = a.shape.length;
    const rb = b.shape.length;
    const M = transposeA ? a.shape[ra - 1] : a.shape[ra - 2];
    const K = transposeA ? a.shape[ra - 2] : a.shape[ra - 1];
    const K2 = transposeB ? b.shape[rb - 1] : b.shape[rb - 2];
    const N = transposeB ? b.shape[rb - 2] : b.shape[rb - 1];
    if (K !== K2) return null; // let the cpu kernel raise its error
    const batchA = a.shape.slice(0, -2);
    const batchB = b.shape.slice(0, -2);
    const bA = batchA.reduce((p, d) => p * d, 1);
    const bB = batchB.reduce((p, d) => p * d, 1);
    let outBatch: number[];
    if (bA === bB && batchA.join() === batchB.join()) outBatch = batchA;
    else if (bA === 1) outBatch = batchB;
    else if (bB === 1) outBatch = batchA;
    else return null;
    const B = Math.max(bA, bB);
    const out = raw.alloc([...outBatch, M, N]);
    addon.matmul(
      raw.view(a),
      raw.view(b),
      raw.view(out),
      Int32Array.from([B, M, K, N, transposeA ? 1 : 0, transposeB ? 1 : 0, bA, bB]),
    );
    return out;
  });

  const batchNormTrain = withFallback(BATCH_NORM_TRAIN, ({ inputs, attrs }, raw) => {
    const x = inputs.x as TensorInfo;
    const gamma = (inputs.gamma as TensorInfo | undefined) ?? null;
    const beta = (inputs.beta as TensorInfo | undefined) ?? null;
    const C = x.shape[x.shape.length - 1];
    const y = raw.alloc(x.shape.slice());
    const mean = raw.alloc([C]);
    const variance = raw.alloc([C]);
    addon.batchNormTrain(
      raw.view(x),
      gamma && raw.view(gamma),
      beta && raw.view(beta),
      raw.view(y),
      raw.view(mean),
      raw.view(variance),
      (attrs as NamedAttrMap).epsilon as number,
    );
    return [y, mean, variance];
  });

  const batchNormGrad = withFallback(BATCH_NORM_GRAD, ({ inputs, attrs }, raw) => {
    const x = inputs.x as TensorInfo;
    const mean = inputs.mean as TensorInfo;
    const gamma = (inputs.gamma as TensorInfo | undefined) ?? null;
    const C = mean.shape[0];
    const dx = raw.alloc(x.shape.slice());
    const dgamma = raw.alloc([C]);
    const dbeta = raw.alloc([C]);
    addon.batchNormGrad(
      raw.view(inputs.dy as TensorInfo),
      raw.view(x),
      raw.view(mean),
      raw.view(inputs.variance as TensorInfo),
      gamma && raw.view(gamma),
      raw.view(dx),
      raw.view(dgamma),
      raw.view(dbeta),
      (attrs as NamedAttrMap).epsilon as number,
    );
    return [dx, dgamma, dbeta];
  });

  const binaryKernels: [string, KernelFunc][] = BINARY_OPS.map(([name, op]) => [
    name,
    withFallback(name, ({ inputs }, raw) => {
      const a = inputs.a as TensorInfo;
      const b = inputs.b as TensorInfo;
      if (!allFloat(a, b)) return null;
      const outShape = tf.backend_util.assertAndGetBroadcastShape(a.shape, b.shape);
      const la = operandLayout(a.shape, outShape);
      const lb = operandLayout(b.shape, outShape);
      const out = raw.alloc(outShape);
      if (la != null && lb != null) {
        const channels = outShape.length ? outShape[outShape.length - 1] : 1;
        addon.binary(op, raw.view(a), raw.view(b), raw.view(out), la, lb, channels);
      } else {
        addon.binaryStrided(
          op,
          raw.view(a),
          raw.view(b),
          raw.view(out),
          Int32Array.from(outShape),
          broadcastStrides(a.shape, outShape),
          broadcastStrides(b.shape, outShape),
        );
      }
      return out;
    }),
  ]);

  const unaryKernels: [string, KernelFunc][] = UNARY_OPS.map(([name, op]) => [
    name,
    withFallback(name, ({ inputs, attrs }, raw) => {
      const x = inputs.x as TensorInfo;
      if (!allFloat(x)) return null;
      const out = raw.alloc(x.shape.slice());
      const alpha = ((attrs as NamedAttrMap | undefined)?.alpha as number | undefined) ?? 0;
      addon.unary(op, raw.view(x), raw.view(out), alpha);
      return out;
    }),
  ]);

  const reduceKernels: [string, KernelFunc][] = REDUCE_OPS.map(([name, op]) => [
    name,
    withFallback(name, ({ inputs, attrs }, raw) => {
      const x = inputs.x as TensorInfo;
      if (!allFloat(x) || x.shape.length === 0) return null;
      const a = attrs as NamedAttrMap;
      const axes = tf.util
        .parseAxisParam((a.axis ?? a.reductionIndices) as number | number[], x.shape)
        .slice()
        .sort((p, q) => p - q);
      if (axes.length === 0) return null;
      for (let i = 1; i < axes.length; i++) if (axes[i] !== axes[i - 1] + 1) return null;
      const prod = (dims: number[]) => dims.reduce((p, d) => p * d, 1);
      const first = axes[0];
      const last = axes[axes.length - 1];
      const outer = prod(x.shape.slice(0, first));
      const mid = prod(x.shape.slice(first, last + 1));
      const inner = prod(x.shape.slice(last + 1));
      if (mid === 0) return null;
      const outShape = a.keepDims
        ? x.shape.map((d, i) => (i >= first && i <= last ? 1 : d))
        : x.shape.filter((_, i) => i < first || i > last);
      const out = raw.alloc(outShape);
      addon.reduce(op, raw.view(x), raw.view(out), outer, mid, inner);
      return out;
    }),
  ]);

  const fusedBatchNorm = withFallback('FusedBatchNorm', ({ inputs, attrs }, raw) => {
    const x = inputs.x as TensorInfo;
    const mean = inputs.mean as TensorInfo;
    const variance = inputs.variance as TensorInfo;
    const offset = (inputs.offset as TensorInfo | undefined) ?? null;
    const scale = (inputs.scale as TensorInfo | undefined) ?? null;
    const C = x.shape[x.shape.length - 1];
    const sizeOf = (t: TensorInfo) => t.shape.reduce((p, d) => p * d, 1);
    const ok = (t: TensorInfo | null) => t == null || (t.dtype === 'float32' && sizeOf(t) === C);
    if (!allFloat(x) || !ok(mean) || !ok(variance) || !ok(offset) || !ok(scale)) return null;
    const eps = ((attrs as NamedAttrMap).varianceEpsilon as number | undefined) ?? 0.001;
    const m = raw.view(mean);
    const v = raw.view(variance);
    const g = scale && raw.view(scale);
    const b = offset && raw.view(offset);
    const a = new Float32Array(C);
    const s = new Float32Array(C);
    for (let c = 0; c < C; c++) {
      a[c] = (g ? g[c] : 1) / Math.sqrt(v[c] + eps);
      s[c] = (b ? b[c] : 0) - m[c] * a[c];
    }
    const out = raw.alloc(x.shape.slice());
    addon.channelAffine(raw.view(x), a, s, raw.view(out));
    return out;
  });

  // A pooled buffer filled in place (tfjs's cpu Fill allocates a fresh array: zero-filled by V8,
  // page-faulted and later collected). The zero nodes of NB-201 cells come this way each step.
  const fill = withFallback('Fill', ({ attrs }, raw) => {
    const { shape, value, dtype } = attrs as unknown as tf.FillAttrs;
    if ((dtype ?? 'float32') !== 'float32' || typeof value !== 'number') return null;
    const out = raw.alloc(shape.slice());
    raw.view(out).fill(value);
    return out;
  });

  const addN = withFallback('AddN', ({ inputs }, raw) => {
    const list = Object.keys(inputs).map((k) => inputs[k] as TensorInfo);
    if (list.length === 0 || !allFloat(...list)) return null;
    const shape = list[0].shape;
    if (!list.every((t) => t.shape.join() === shape.join())) return null;
    const out = raw.alloc(shape.slice());
    addon.addN(
      list.map((t) => raw.view(t)),
      raw.view(out),
    );
    return out;
  });

  const reluGrad: KernelFunc = ({ inputs, backend }) => {
    const raw = cpuAccess(backend);
    const dy = inputs.dy as TensorInfo;
    const out = raw.alloc(dy.shape.slice());
    addon.reluGrad(raw.view(dy), raw.view(inputs.x as TensorInfo), raw.view(out));
    return out;
  };

  const sgdUpdate: KernelFunc = ({ inputs, attrs, backend }) => {
    const raw = cpuAccess(backend);
    const v = inputs.variable as TensorInfo;
    const m = (inputs.momentumBuffer as TensorInfo | undefined) ?? null;
    const newV = raw.alloc(v.shape.slice());
    const newM = raw.alloc(v.shape.slice());
    const a = attrs as NamedAttrMap;
    addon.sgdUpdate(
      raw.view(v),
      raw.view(inputs.gradient as TensorInfo),
      m && raw.view(m),
      raw.view(newV),
      raw.view(newM),
      a.lr as number,
      a.momentum as number,
      a.weightDecay as number,
      a.nesterov ? 1 : 0,
    );
    return [newV, newM];
  };

  // Sgd.globalNorm in one call: inputs g0..g{count-1} (float32), output a float32 scalar.
  const globalNorm: KernelFunc = ({ inputs, attrs, backend }) => {
    const raw = cpuAccess(backend);
    const count = (attrs as NamedAttrMap).count as number;
    const grads = Array.from({ length: count }, (_, i) => raw.view(inputs[`g${i}`] as TensorInfo));
    const out = raw.alloc([]);
    addon.globalNorm(grads, raw.view(out));
    return out;
  };

  // Sgd.step in one call: inputs v{i}, g{i} (and m{i}: momentum > 0) for i < count, and gradNorm
  // when clipping; outputs the new variables, then the new momentum buffers.
  const sgdStep: KernelFunc = ({ inputs, attrs, backend }) => {
    const raw = cpuAccess(backend);
    const a = attrs as NamedAttrMap;
    const count = a.count as number;
    const momentum = a.momentum as number;
    const list = (p: string) =>
      Array.from({ length: count }, (_, i) => inputs[`${p}${i}`] as TensorInfo);
    const vs = list('v');
    const newV = vs.map((v) => raw.alloc(v.shape.slice()));
    const newM = momentum > 0 ? vs.map((v) => raw.alloc(v.shape.slice())) : [];
    const norm = (inputs.gradNorm as TensorInfo | undefined) ?? null;
    addon.sgdStep(
      vs.map((t) => raw.view(t)),
      list('g').map((t) => raw.view(t)),
      momentum > 0 ? list('m').map((t) => raw.view(t)) : null,
      newV.map((t) => raw.view(t)),
      momentum > 0 ? newM.map((t) => raw.view(t)) : null,
      norm && raw.view(norm),
      a.clipNorm as number,
      a.lr as number,
      momentum,
      a.weightDecay as number,
      a.nesterov ? 1 : 0,
    );
    return [...newV, ...newM];
  };

  // Running statistics of batch norm: running = (1 - m) * running + m * batch (variance times
  // the unbias factor), per channel. A JS loop (a few dozen channels: cheaper than an addon
  // call) rounding every product and sum to float32 as the Multiply/Add kernels of the composite
  // in blendRunningStats do, so the result is the same bit for bit; 1 kernel instead of 6.
  const blendStats = withFallback(BLEND_STATS, ({ inputs, attrs }, raw) => {
    const rm = inputs.runningMean as TensorInfo;
    const rv = inputs.runningVariance as TensorInfo;
    const bm = inputs.batchMean as TensorInfo;
    const bv = inputs.batchVariance as TensorInfo;
    const C = rm.shape.reduce((p, d) => p * d, 1);
    const sizeOf = (t: TensorInfo) => t.shape.reduce((p, d) => p * d, 1);
    if (!allFloat(rm, rv, bm, bv) || ![rv, bm, bv].every((t) => sizeOf(t) === C)) return null;
    const { momentum, unbias } = attrs as { momentum: number; unbias: number };
    const keep = Math.fround(1 - momentum);
    const take = Math.fround(momentum);
    const takeVar = Math.fround(momentum * unbias);
    const outM = raw.alloc(rm.shape.slice());
    const outV = raw.alloc(rv.shape.slice());
    const [a, b, c, d, m, v] = [rm, rv, bm, bv, outM, outV].map((t) => raw.view(t));
    const f = Math.fround;
    for (let i = 0; i < C; i++) {
      m[i] = f(a[i] * keep) + f(c[i] * take);
      v[i] = f(b[i] * keep) + f(d[i] * takeVar);
    }
    return [outM, outV];
  });

  const table: [string, KernelFunc][] = [
    ...binaryKernels,
    ...unaryKernels,
    ...reduceKernels,
    ['AddN', addN],
    ['Fill', fill],
    ['FusedBatchNorm', fusedBatchNorm],
    [RELU_GRAD, reluGrad],
    [SGD_UPDATE, sgdUpdate],
    [GLOBAL_NORM, globalNorm],
    [SGD_STEP, sgdStep],
    [BLEND_STATS, blendStats],
    ['Conv2D', conv2d],
    ['Conv2DBackpropInput', conv2dBackpropInput],
    ['Conv2DBackpropFilter', conv2dBackpropFilter],
    ['AvgPool', avgPool],
    ['AvgPoolGrad', avgPoolGrad],
    ['BatchMatMul', batchMatMul],
    [BATCH_NORM_TRAIN, batchNormTrain],
    [BATCH_NORM_GRAD, batchNormGrad],
  ];
  return table.map(([kernelName, kernelFunc]) => ({ kernelName, backendName, kernelFunc }));
}
