import type { ColumnTable } from 'arquero';
import { mean } from './bootstrap';
import { AnalysisInputError } from './columns';
import { kendallTauB, spearman } from './correlation';
import { provenanceOf, sourcesOf, mergeSources, type Provenance } from './provenance';
import { createRng, sampleWithoutReplacement } from './random';
import { pickRows, randomTopK, topK, topKArrays, type TopKArrays, type TopKColumns } from './topk';

/** Metrics of one (sub)space: the numbers of seed 001 Fig. 2 and Fig. 5. */
export interface SubspaceMetrics {
  /** Space size divided by subspace size (1 = whole table). */
  factor: number;
  size: number;
  spearman: number;
  kendall: number;
  /** top-k test value (supernet-guided). */
  topK: number;
  /** exact random top-k expectation. */
  randomTopK: number;
  /** best test value in the subspace. */
  best: number;
}

function metricsOf(
  c: TopKArrays,
  rows: readonly number[],
  k: number,
  factor: number,
): SubspaceMetrics {
  const sub = pickRows(c, rows);
  const kk = Math.min(k, rows.length);
  return {
    factor,
    size: rows.length,
    spearman: rows.length >= 2 ? spearman(sub.score, sub.valid) : NaN,
    kendall: rows.length >= 2 ? kendallTauB(sub.score, sub.valid) : NaN,
    topK: topK(sub, kk).test,
    randomTopK: randomTopK(sub.valid, sub.test, kk).mean,
    best: Math.max(...sub.test),
  };
}

function checkFactors(factors: readonly number[]): void {
  for (const f of factors) {
    if (!(f >= 1) || !Number.isFinite(f)) {
      throw new AnalysisInputError(`subspace factors must be numbers >= 1, got ${f}`);
    }
  }
}

/** Correlation and top-k of every row of a table (factor 1). */
export function spaceMetrics(
  table: ColumnTable,
  cols: TopKColumns,
  k = 10,
): SubspaceMetrics & { provenance: Provenance } {
  const c = topKArrays(table, cols);
  return {
    ...metricsOf(c, [...c.score.keys()], k, 1),
    provenance: provenanceOf(table, { ...cols } as Record<string, string>),
  };
}

export interface PrunedSpaces {
  keepBy: 'truth' | 'estimate';
  k: number;
  rows: SubspaceMetrics[];
  /** Factors left out because the pruned space would hold fewer than 3 architectures. */
  skipped: number[];
  provenance: Provenance;
}

/**
 * Pruned search spaces (seed 001 Sec. 3, Fig. 5): keep the best 1/factor of the architectures,
 * ranked by validation ground truth (`keepBy: 'truth'`, the paper's oracle pruning) or by the
 * supernet estimate (`'estimate'`, what a practitioner can do), and re-measure correlation and
 * top-k inside. Uses the given scores; a supernet re-trained on the pruned space is a new run
 * whose table can be measured with `spaceMetrics`.
 */
export function prunedSpaces(
  table: ColumnTable,
  cols: TopKColumns,
  options: { keepBy?: 'truth' | 'estimate'; factors?: readonly number[]; k?: number } = {},
): PrunedSpaces {
  const keepBy = options.keepBy ?? 'truth';
  const factors = options.factors ?? [1, 2, 4, 8, 16, 32, 64, 128];
  const k = options.k ?? 10;
  checkFactors(factors);
  const c = topKArrays(table, cols);
  const n = c.score.length;
  const key = keepBy === 'truth' ? c.valid : c.score;
  const order = [...Array(n).keys()].sort((a, b) => key[b] - key[a] || a - b);
  const rows: SubspaceMetrics[] = [];
  const skipped: number[] = [];
  for (const f of factors) {
    const size = Math.round(n / f);
    if (size < 3) {
      skipped.push(f);
      continue;
    }
    rows.push(metricsOf(c, order.slice(0, size), k, f));
  }
  return {
    keepBy,
    k,
    rows,
    skipped,
    provenance: provenanceOf(table, { ...cols, keepBy } as Record<string, string>),
  };
}

/** min / mean / max of a metric across repetitions or runs at one factor. */
export interface Band {
  min: number;
  mean: number;
  max: number;
}

export interface FactorSummary {
  factor: number;
  size: number;
  count: number;
  spearman: Band;
  kendall: Band;
  topK: Band;
  randomTopK: Band;
  best: Band;
}

export function band(values: readonly number[]): Band {
  const v = values.filter((x) => !Number.isNaN(x));
  if (v.length === 0) return { min: NaN, mean: NaN, max: NaN };
  return { min: Math.min(...v), mean: mean(v), max: Math.max(...v) };
}

/** Groups per-run metrics by factor into min/mean/max bands (Fig. 2 and 5 error regions). */
export function summarizeByFactor(rows: readonly SubspaceMetrics[]): FactorSummary[] {
  const factors = [...new Set(rows.map((r) => r.factor))].sort((a, b) => a - b);
  return factors.map((factor) => {
    const g = rows.filter((r) => r.factor === factor);
    return {
      factor,
      size: Math.round(mean(g.map((r) => r.size))),
      count: g.length,
      spearman: band(g.map((r) => r.spearman)),
      kendall: band(g.map((r) => r.kendall)),
      topK: band(g.map((r) => r.topK)),
      randomTopK: band(g.map((r) => r.randomTopK)),
      best: band(g.map((r) => r.best)),
    };
  });
}

/** Rows of a uniformly random subspace 1/factor the size of an n-row space (seeded). */
export function randomSubspace(n: number, factor: number, seed: number): number[] {
  checkFactors([factor]);
  const size = Math.max(1, Math.round(n / factor));
  return sampleWithoutReplacement(n, size, createRng(seed)).sort((a, b) => a - b);
}

export interface DownscaledSpaces {
  k: number;
  repetitions: number;
  seed: number;
  /** One row per (factor, repetition). */
  runs: (SubspaceMetrics & { repetition: number })[];
  summary: FactorSummary[];
  provenance: Provenance;
}

/**
 * Randomly down-scaled spaces (seed 001 Fig. 2, sharing density): for each factor keep a random
 * 1/factor of the architectures, `repetitions` times, and measure correlation / top-k with the
 * given scores. This isolates the sampling effect; the paper's experiment re-trains a supernet on
 * each down-scaled space - pass those runs' tables to `scaledSpaceSummary`.
 */
export function downscaledSpaces(
  table: ColumnTable,
  cols: TopKColumns,
  options: { factors?: readonly number[]; repetitions?: number; seed?: number; k?: number } = {},
): DownscaledSpaces {
  const factors = options.factors ?? [1, 2, 4, 8, 16, 32, 64];
  const repetitions = options.repetitions ?? 3;
  const seed = options.seed ?? 0;
  const k = options.k ?? 10;
  checkFactors(factors);
  const c = topKArrays(table, cols);
  const n = c.score.length;
  const runs: DownscaledSpaces['runs'] = [];
  factors.forEach((f, fi) => {
    if (Math.round(n / f) < 3) return;
    for (let r = 0; r < repetitions; r++) {
      const rows = randomSubspace(n, f, seed + 7919 * fi + r);
      runs.push({ ...metricsOf(c, rows, k, f), repetition: r });
    }
  });
  return {
    k,
    repetitions,
    seed,
    runs,
    summary: summarizeByFactor(runs),
    provenance: provenanceOf(table, { ...cols } as Record<string, string>),
  };
}

/**
 * Metrics of supernets trained on different (down-scaled or pruned) spaces: one entry per run,
 * each with its factor and its own joined table; summarised into min/mean/max per factor.
 */
export function scaledSpaceSummary(
  entries: readonly { factor: number; table: ColumnTable }[],
  cols: TopKColumns,
  k = 10,
): { runs: SubspaceMetrics[]; summary: FactorSummary[]; provenance: Provenance } {
  const runs = entries.map((e) => {
    const c = topKArrays(e.table, cols);
    return metricsOf(c, [...c.score.keys()], k, e.factor);
  });
  return {
    runs,
    summary: summarizeByFactor(runs),
    provenance: {
      sources: mergeSources(...entries.map((e) => sourcesOf(e.table))),
      columns: { ...cols } as Record<string, string>,
    },
  };
}
