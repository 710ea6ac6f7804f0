/** The seeded sample of training examples that recalibrates BatchNorm before scoring. */
import { Rng } from '../engine/random';

export interface CalibrationOptions {
  /** B: number of calibration batches (Table 2: 25). 0 keeps the current statistics. */
  batches: number;
  /** S: examples per calibration batch (Table 2: 400). */
  batchSize: number;
}

/**
 * The indices of B batches of S images drawn from `count` images with a seeded generator:
 * without replacement while the set lasts (reshuffled when B*S exceeds it).
 */
export function calibrationIndices(
  count: number,
  options: CalibrationOptions,
  seed: number | string,
): Int32Array[] {
  if (!(count > 0)) throw new Error('calibration needs a non-empty training set');
  const rng = new Rng(`bn-calibration/${seed}`);
  const order = Array.from({ length: count }, (_, i) => i);
  let pos = count;
  const batches: Int32Array[] = [];
  for (let b = 0; b < options.batches; b++) {
    const batch = new Int32Array(options.batchSize);
    for (let i = 0; i < options.batchSize; i++) {
      if (pos >= count) {
        rng.shuffle(order);
        pos = 0;
      }
      batch[i] = order[pos++];
    }
    batches.push(batch);
  }
  return batches;
}
