import type { ColumnTable } from 'arquero';
import { mean, sampleStd } from './bootstrap';
import { AnalysisInputError, numericColumn, requireColumns, stringColumn } from './columns';
import { provenanceOf, type Provenance } from './provenance';
import { createRng, sampleWithoutReplacement } from './random';
import { forEachTieRun } from './ranks';

/**
 * Paired per-architecture values. `score` ranks architectures (supernet estimate, higher is
 * better); `valid` picks the winner among the chosen ones (ground truth on the validation
 * split); `test` is what gets reported (ground truth on the test split).
 */
export interface TopKArrays {
  score: ArrayLike<number>;
  valid: ArrayLike<number>;
  test: ArrayLike<number>;
}

export interface TopKPick {
  k: number;
  /** Architectures considered. */
  n: number;
  /** Row of the reported architecture. */
  index: number;
  score: number;
  valid: number;
  /** The reported number: test ground truth of the best-validation architecture in the top k. */
  test: number;
  /** Rows of the k best by score, best first. */
  chosen: number[];
  /** Architectures outside the top k whose score equals the k-th score (ties at the cut). */
  tiedAtCut: number;
}

function checkArrays(a: TopKArrays, what: string): number {
  const n = a.score.length;
  if (a.valid.length !== n || a.test.length !== n) {
    throw new AnalysisInputError(
      `${what}: score, valid and test differ in length (${n}, ${a.valid.length}, ${a.test.length})`,
    );
  }
  for (const [name, arr] of Object.entries(a) as [string, ArrayLike<number>][]) {
    for (let i = 0; i < n; i++) {
      if (!Number.isFinite(arr[i])) {
        throw new AnalysisInputError(`${what}: ${name}[${i}] is not a finite number (${arr[i]})`);
      }
    }
  }
  return n;
}

function checkK(k: number, n: number, what: string): void {
  if (!Number.isInteger(k) || k < 1 || k > n) {
    throw new AnalysisInputError(`${what}: k must be an integer in [1, ${n}], got ${k}`);
  }
}

/**
 * Top-k as seed 001 (Appendix A.2) defines it: take the k architectures with the best supernet
 * score, look up their ground truth, and report the test accuracy of the one with the best
 * validation ground truth. Ties in score at the cut are broken by row order (earlier rows
 * first, reported in `tiedAtCut`); ties in validation by the higher score, then row order.
 */
export function topK(a: TopKArrays, k: number): TopKPick {
  const n = checkArrays(a, 'topK');
  checkK(k, n, 'topK');
  const order = Array.from({ length: n }, (_, i) => i).sort(
    (i, j) => a.score[j] - a.score[i] || i - j,
  );
  const chosen = order.slice(0, k);
  const cut = a.score[chosen[k - 1]];
  let tiedAtCut = 0;
  for (let p = k; p < n; p++) if (a.score[order[p]] === cut) tiedAtCut++;
  let best = chosen[0];
  for (const i of chosen) if (a.valid[i] > a.valid[best]) best = i;
  return {
    k,
    n,
    index: best,
    score: a.score[best],
    valid: a.valid[best],
    test: a.test[best],
    chosen,
    tiedAtCut,
  };
}

export interface RandomTopK {
  k: number;
  n: number;
  /** Exact expectation of the reported test value. */
  mean: number;
  /** Exact standard deviation of the reported test value. */
  std: number;
  /** Exact 5% and 95% quantiles of the reported test value. */
  q05: number;
  q95: number;
  /** Probability that each row is the reported one (sums to 1). */
  probability: Float64Array;
}

/** C(f, k) / C(n, k): probability that k draws without replacement all fall in f given items. */
function allWithin(f: number, n: number, k: number): number {
  if (f < k) return 0;
  let p = 1;
  for (let i = 0; i < k; i++) p *= (f - i) / (n - i);
  return p;
}

/**
 * Random top-k, exactly: draw k of the n architectures uniformly without replacement, report the
 * test value of the one with the best validation value. Order statistics give the distribution
 * in closed form: with validation values sorted ascending into tie groups and F_g the number of
 * architectures up to group g, P(best drawn group = g) = [C(F_g,k) - C(F_{g-1},k)] / C(n,k);
 * within a tie group every member is equally likely (ties broken uniformly at random).
 */
export function randomTopK(
  valid: ArrayLike<number>,
  test: ArrayLike<number>,
  k: number,
): RandomTopK {
  const n = checkArrays({ score: valid, valid, test }, 'randomTopK');
  checkK(k, n, 'randomTopK');
  const order = Array.from({ length: n }, (_, i) => i).sort((i, j) => valid[i] - valid[j]);
  const probability = new Float64Array(n);
  let prevAll = 0;
  forEachTieRun(
    (p) => valid[order[p]],
    0,
    n,
    (i, j) => {
      const all = allWithin(j + 1, n, k);
      const pGroup = all - prevAll;
      prevAll = all;
      for (let m = i; m <= j; m++) probability[order[m]] = pGroup / (j - i + 1);
    },
  );
  let mean = 0;
  for (let i = 0; i < n; i++) mean += probability[i] * test[i];
  let variance = 0;
  for (let i = 0; i < n; i++) variance += probability[i] * (test[i] - mean) ** 2;
  const byTest = Array.from({ length: n }, (_, i) => i).sort((i, j) => test[i] - test[j]);
  const quantile = (q: number) => {
    let c = 0;
    for (const i of byTest) {
      c += probability[i];
      if (c >= q - 1e-12) return test[i];
    }
    return test[byTest[n - 1]];
  };
  return {
    k,
    n,
    mean,
    std: Math.sqrt(variance),
    q05: quantile(0.05),
    q95: quantile(0.95),
    probability,
  };
}

export interface SimulatedRandomTopK {
  k: number;
  n: number;
  repetitions: number;
  seed: number;
  mean: number;
  std: number;
  /** 95% normal-approximation interval of the mean. */
  meanCI: { low: number; high: number; level: 0.95 };
}

/** Random top-k by repetition (seeded): an independent check of `randomTopK`'s expectation. */
export function simulateRandomTopK(
  valid: ArrayLike<number>,
  test: ArrayLike<number>,
  k: number,
  options: { repetitions?: number; seed?: number } = {},
): SimulatedRandomTopK {
  const n = checkArrays({ score: valid, valid, test }, 'simulateRandomTopK');
  checkK(k, n, 'simulateRandomTopK');
  const repetitions = options.repetitions ?? 1000;
  const seed = options.seed ?? 0;
  const rng = createRng(seed);
  const values: number[] = [];
  for (let r = 0; r < repetitions; r++) {
    const drawn = sampleWithoutReplacement(n, k, rng);
    let best = drawn[0];
    for (const i of drawn) if (valid[i] > valid[best]) best = i;
    // uniform among ties in validation
    const tied = drawn.filter((i) => valid[i] === valid[best]);
    values.push(test[tied.length > 1 ? tied[rng.int(tied.length)] : best]);
  }
  const m = mean(values);
  const std = sampleStd(values, m);
  const half = (1.959963984540054 * std) / Math.sqrt(repetitions);
  const meanCI = { low: m - half, high: m + half, level: 0.95 } as const;
  return { k, n, repetitions, seed, mean: m, std, meanCI };
}

/** Column names for the table versions. `valid` defaults to `test` when the table has none. */
export interface TopKColumns {
  score: string;
  test: string;
  valid?: string;
  arch?: string;
}

export interface TableTopK extends TopKPick {
  arch: string | null;
  randomTopK: number;
  randomTopKStd: number;
  provenance: Provenance;
}

/** A table's score, valid and test columns as arrays. */
export function topKArrays(
  table: ColumnTable,
  cols: TopKColumns,
): Record<keyof TopKArrays, number[]> {
  const valid = cols.valid ?? cols.test;
  requireColumns(table, [cols.score, cols.test, valid]);
  return {
    score: numericColumn(table, cols.score),
    valid: numericColumn(table, valid),
    test: numericColumn(table, cols.test),
  };
}

/** The given rows of paired arrays, in the order given. */
export function pickRows(
  a: TopKArrays,
  rows: readonly number[],
): Record<keyof TopKArrays, number[]> {
  const pick = (v: ArrayLike<number>) => rows.map((i) => v[i]);
  return { score: pick(a.score), valid: pick(a.valid), test: pick(a.test) };
}

function readTopKColumns(table: ColumnTable, cols: TopKColumns) {
  const valid = cols.valid ?? cols.test;
  const arrays = topKArrays(table, cols);
  const arch = cols.arch ?? (table.columnNames().includes('arch') ? 'arch' : undefined);
  return {
    arrays,
    archs: arch ? stringColumn(table, arch) : null,
    columns: { score: cols.score, valid, test: cols.test, ...(arch ? { arch } : {}) },
  };
}

/** top-k and exact random top-k on every row of a table (one row per architecture). */
export function topKFromTable(table: ColumnTable, cols: TopKColumns, k: number): TableTopK {
  const { arrays, archs, columns } = readTopKColumns(table, cols);
  const pick = topK(arrays, k);
  const rnd = randomTopK(arrays.valid, arrays.test, k);
  return {
    ...pick,
    arch: archs ? archs[pick.index] : null,
    randomTopK: rnd.mean,
    randomTopKStd: rnd.std,
    provenance: provenanceOf(table, columns),
  };
}

export interface SampledTopK {
  k: number;
  sampleSize: number;
  repetitions: number;
  seed: number;
  /** Per repetition: reported test value of top-k and the exact random top-k expectation. */
  runs: { topK: number; randomTopK: number; arch: string | null }[];
  topK: { mean: number; min: number; max: number };
  randomTopK: { mean: number; min: number; max: number };
  provenance: Provenance;
}

/**
 * The seed's full protocol: sample `sampleSize` architectures (1000 for the NAS-Bench spaces)
 * without replacement, then top-k and random top-k inside the sample; repeated with a seeded
 * generator. When the table has at most `sampleSize` rows every row is used once.
 */
export function sampledTopK(
  table: ColumnTable,
  cols: TopKColumns,
  options: { k: number; sampleSize?: number; repetitions?: number; seed?: number },
): SampledTopK {
  const { arrays, archs, columns } = readTopKColumns(table, cols);
  const n = arrays.score.length;
  const sampleSize = Math.min(options.sampleSize ?? 1000, n);
  const repetitions = sampleSize === n ? 1 : (options.repetitions ?? 1);
  const seed = options.seed ?? 0;
  const rng = createRng(seed);
  const runs: SampledTopK['runs'] = [];
  for (let r = 0; r < repetitions; r++) {
    const rows =
      sampleSize === n ? [...Array(n).keys()] : sampleWithoutReplacement(n, sampleSize, rng);
    const sub = pickRows(arrays, rows);
    const pick = topK(sub, options.k);
    runs.push({
      topK: pick.test,
      randomTopK: randomTopK(sub.valid, sub.test, options.k).mean,
      arch: archs ? archs[rows[pick.index]] : null,
    });
  }
  const stats = (v: number[]) => ({ mean: mean(v), min: Math.min(...v), max: Math.max(...v) });
  return {
    k: options.k,
    sampleSize,
    repetitions,
    seed,
    runs,
    topK: stats(runs.map((r) => r.topK)),
    randomTopK: stats(runs.map((r) => r.randomTopK)),
    provenance: provenanceOf(table, columns),
  };
}
