import { DatasetError, type Dataset, type RawImages } from './types';

export interface Normalization {
  mean: readonly number[];
  std: readonly number[];
}

/** Per-channel mean and standard deviation (population) of raw pixels on the 0..1 scale. */
export function channelStats(raw: RawImages): Normalization {
  const c = raw.shape[3];
  const sum = new Float64Array(c);
  const sq = new Float64Array(c);
  const p = raw.pixels;
  for (let i = 0; i < p.length; i++) {
    const v = p[i] / 255;
    sum[i % c] += v;
    sq[i % c] += v * v;
  }
  const n = p.length / c;
  const mean = Array.from(sum, (s) => s / n);
  const std = Array.from(sq, (s, k) => Math.sqrt(Math.max(0, s / n - mean[k] * mean[k])));
  return { mean, std };
}

/** Float images normalised per channel: (pixel / 255 - mean) / std. */
export function toDataset(
  raw: RawImages,
  name: string,
  norm: Normalization,
  classNames: readonly string[],
): Dataset {
  const c = raw.shape[3];
  if (norm.mean.length !== c || norm.std.length !== c) {
    throw new DatasetError(
      `${name}: normalisation has ${norm.mean.length} channels, images have ${c}`,
    );
  }
  if (norm.std.some((s) => !(s > 0))) throw new DatasetError(`${name}: std must be positive`);
  // Lookup table per channel: 256 values each.
  const lut = new Float32Array(256 * c);
  for (let k = 0; k < c; k++) {
    for (let v = 0; v < 256; v++) lut[k * 256 + v] = (v / 255 - norm.mean[k]) / norm.std[k];
  }
  const images = new Float32Array(raw.pixels.length);
  const p = raw.pixels;
  for (let i = 0; i < p.length; i++) images[i] = lut[(i % c) * 256 + p[i]];
  const numClasses = classNames.length;
  for (let i = 0; i < raw.labels.length; i++) {
    const l = raw.labels[i];
    if (!(l >= 0 && l < numClasses)) {
      throw new DatasetError(
        `${raw.source}: label ${l} of image ${i} is outside [0, ${numClasses})`,
        raw.source,
      );
    }
  }
  return {
    name,
    images,
    labels: raw.labels,
    shape: raw.shape,
    numClasses,
    classNames,
    mean: [...norm.mean],
    std: [...norm.std],
    source: raw.source,
  };
}
