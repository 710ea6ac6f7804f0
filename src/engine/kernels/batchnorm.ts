import type { KernelConfig, KernelFunc, NamedAttrMap, TensorInfo } from '@tensorflow/tfjs';
import { rawAccessFor } from './util';

/** Custom kernel names (not tfjs ones): fused training-mode batch norm and its gradient. */
export const BATCH_NORM_TRAIN = 'SupernetLabBatchNormTrain';
export const BATCH_NORM_GRAD = 'SupernetLabBatchNormGrad';

/**
 * Training-mode batch norm over every axis but the last (channels): writes y, the batch mean
 * and the biased batch variance. gamma/beta may be null (no affine transform).
 */
export function batchNormTrainInto(
  x: Float32Array,
  channels: number,
  gamma: Float32Array | null,
  beta: Float32Array | null,
  epsilon: number,
  y: Float32Array,
  mean: Float32Array,
  variance: Float32Array,
): void {
  const C = channels;
  const rows = x.length / C;
  const acc = new Float64Array(C);
  for (let r = 0, i = 0; r < rows; r++) for (let c = 0; c < C; c++, i++) acc[c] += x[i];
  const mu = new Float64Array(C);
  for (let c = 0; c < C; c++) mu[c] = acc[c] / rows;
  acc.fill(0);
  for (let r = 0, i = 0; r < rows; r++) {
    for (let c = 0; c < C; c++, i++) {
      const d = x[i] - mu[c];
      acc[c] += d * d;
    }
  }
  const scale = new Float32Array(C);
  const shift = new Float32Array(C);
  for (let c = 0; c < C; c++) {
    const v = acc[c] / rows;
    mean[c] = mu[c];
    variance[c] = v;
    const s = (gamma ? gamma[c] : 1) / Math.sqrt(v + epsilon);
    scale[c] = s;
    shift[c] = (beta ? beta[c] : 0) - mu[c] * s;
  }
  for (let r = 0, i = 0; r < rows; r++) {
    for (let c = 0; c < C; c++, i++) y[i] = x[i] * scale[c] + shift[c];
  }
}

/** Gradient of `batchNormTrainInto` (batch statistics differentiated through). */
export function batchNormGradInto(
  dy: Float32Array,
  x: Float32Array,
  mean: Float32Array,
  variance: Float32Array,
  gamma: Float32Array | null,
  epsilon: number,
  dx: Float32Array,
  dgamma: Float32Array,
  dbeta: Float32Array,
): void {
  const C = mean.length;
  const rows = x.length / C;
  const sdy = new Float64Array(C);
  const sdyx = new Float64Array(C);
  for (let r = 0, i = 0; r < rows; r++) {
    for (let c = 0; c < C; c++, i++) {
      const g = dy[i];
      sdy[c] += g;
      sdyx[c] += g * x[i];
    }
  }
  const k1 = new Float32Array(C);
  const k2 = new Float32Array(C);
  const k3 = new Float32Array(C);
  for (let c = 0; c < C; c++) {
    const inv = 1 / Math.sqrt(variance[c] + epsilon);
    const sXhat = (sdyx[c] - mean[c] * sdy[c]) * inv; // sum(dy * xhat)
    dbeta[c] = sdy[c];
    dgamma[c] = sXhat;
    const a = (gamma ? gamma[c] : 1) * inv;
    k1[c] = a;
    k2[c] = (-a * inv * sXhat) / rows;
    k3[c] = (a * inv * sXhat * mean[c] - a * sdy[c]) / rows;
  }
  for (let r = 0, i = 0; r < rows; r++) {
    for (let c = 0; c < C; c++, i++) dx[i] = k1[c] * dy[i] + k2[c] * x[i] + k3[c];
  }
}

function trainKernel(backendName: string): KernelFunc {
  return ({ inputs, backend, attrs }) => {
    const x = inputs.x as TensorInfo;
    const gamma = (inputs.gamma as TensorInfo | undefined) ?? null;
    const beta = (inputs.beta as TensorInfo | undefined) ?? null;
    const C = x.shape[x.shape.length - 1];
    const raw = rawAccessFor(backendName, backend);
    const y = raw.alloc(x.shape.slice());
    const mean = raw.alloc([C]);
    const variance = raw.alloc([C]);
    batchNormTrainInto(
      raw.view(x),
      C,
      gamma && raw.view(gamma),
      beta && raw.view(beta),
      (attrs as NamedAttrMap).epsilon as number,
      raw.view(y),
      raw.view(mean),
      raw.view(variance),
    );
    return [y, mean, variance];
  };
}

function gradKernel(backendName: string): KernelFunc {
  return ({ inputs, backend, attrs }) => {
    const dy = inputs.dy as TensorInfo;
    const x = inputs.x as TensorInfo;
    const mean = inputs.mean as TensorInfo;
    const variance = inputs.variance as TensorInfo;
    const gamma = (inputs.gamma as TensorInfo | undefined) ?? null;
    const C = mean.shape[0];
    const raw = rawAccessFor(backendName, backend);
    const dx = raw.alloc(x.shape.slice());
    const dgamma = raw.alloc([C]);
    const dbeta = raw.alloc([C]);
    batchNormGradInto(
      raw.view(dy),
      raw.view(x),
      raw.view(mean),
      raw.view(variance),
      gamma && raw.view(gamma),
      (attrs as NamedAttrMap).epsilon as number,
      raw.view(dx),
      raw.view(dgamma),
      raw.view(dbeta),
    );
    return [dx, dgamma, dbeta];
  };
}

export function batchNormKernels(backendName: string): KernelConfig[] {
  return [
    { kernelName: BATCH_NORM_TRAIN, backendName, kernelFunc: trainKernel(backendName) },
    { kernelName: BATCH_NORM_GRAD, backendName, kernelFunc: gradKernel(backendName) },
  ];
}
