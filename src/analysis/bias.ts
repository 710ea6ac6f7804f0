import * as aq from 'arquero';
import type { ColumnTable } from 'arquero';
import { mean, quantileSorted } from './bootstrap';
import { AnalysisInputError, numericColumn, requireColumns, stringColumn } from './columns';
import { kendallTauB, spearman } from './correlation';
import { NB201_EDGE_LABELS, nb201EdgeOps } from './archops';
import { provenanceOf, type Provenance } from './provenance';
import { normalizedRanks } from './ranks';

export interface Spread {
  mean: number;
  median: number;
  q25: number;
  q75: number;
  min: number;
  max: number;
}

export function spread(values: readonly number[]): Spread {
  const s = [...values].sort((a, b) => a - b);
  return {
    mean: mean(s),
    median: quantileSorted(s, 0.5),
    q25: quantileSorted(s, 0.25),
    q75: quantileSorted(s, 0.75),
    min: s[0],
    max: s[s.length - 1],
  };
}

export interface OperatorBiasOptions {
  /** Architecture column (default 'arch'). */
  arch?: string;
  /** Supernet estimate column (higher is better). */
  score: string;
  /** Ground-truth column (higher is better). */
  truth: string;
  /** Ops per edge of an architecture (default: NAS-Bench-201 strings). */
  edgeOps?: (arch: string) => readonly string[];
  /** Edge names (default: NAS-Bench-201 '0-1', '0-2', ...; else 'edge 0', 'edge 1', ...). */
  edgeLabels?: readonly string[];
  /** Share of best architectures for `topShare*` (default 0.1 = top 10%). */
  topFraction?: number;
}

export interface OperatorBiasCell {
  edge: string;
  op: string;
  /** Architectures that use `op` on `edge`. */
  count: number;
  /** Mean normalised rank (0 worst .. 1 best) of these architectures by supernet score. */
  meanScoreRank: number;
  /** The same by ground truth. */
  meanTruthRank: number;
  /** meanScoreRank - meanTruthRank: > 0 when the supernet favours the op more than it deserves. */
  bias: number;
  /** Share of the top `topFraction` by score / by truth that use this op here. */
  topShareScore: number;
  topShareTruth: number;
  score: Spread;
  truth: Spread;
}

export interface OperatorBias {
  edges: string[];
  ops: string[];
  cells: OperatorBiasCell[];
  /** The cell with the largest |bias| (seed Fig. 4 highlights it). */
  mostBiased: OperatorBiasCell;
  /** One row per (architecture, edge): arch, edge, op, score, truth, scoreRank, truthRank. */
  long: ColumnTable;
  provenance: Provenance;
}

/**
 * How supernet rank and ground truth distribute among the architectures that use each op on
 * each edge (seed 001 Fig. 4): per (edge, op) the mean normalised rank under both rankings,
 * their difference (bias), score/truth spreads and shares among the top architectures.
 */
export function operatorBias(table: ColumnTable, options: OperatorBiasOptions): OperatorBias {
  const archCol = options.arch ?? 'arch';
  requireColumns(table, [archCol, options.score, options.truth]);
  const archs = stringColumn(table, archCol);
  const score = numericColumn(table, options.score, { idColumn: archCol });
  const truth = numericColumn(table, options.truth, { idColumn: archCol });
  const n = archs.length;
  if (n < 2) throw new AnalysisInputError(`operatorBias needs at least 2 architectures, got ${n}`);
  const decode = options.edgeOps ?? nb201EdgeOps;
  const opsOf = archs.map((a) => decode(a));
  const nEdges = opsOf[0].length;
  opsOf.forEach((o, i) => {
    if (o.length !== nEdges) {
      throw new AnalysisInputError(
        `operatorBias: architecture '${archs[i]}' has ${o.length} edges, expected ${nEdges}`,
      );
    }
  });
  const edges = options.edgeLabels
    ? [...options.edgeLabels]
    : nEdges === NB201_EDGE_LABELS.length && !options.edgeOps
      ? [...NB201_EDGE_LABELS]
      : Array.from({ length: nEdges }, (_, e) => `edge ${e}`);
  if (edges.length !== nEdges) {
    throw new AnalysisInputError(`operatorBias: ${edges.length} edge labels for ${nEdges} edges`);
  }
  const scoreRank = normalizedRanks(score);
  const truthRank = normalizedRanks(truth);
  const topFraction = options.topFraction ?? 0.1;
  const topN = Math.max(1, Math.round(n * topFraction));
  const topBy = (v: number[]) =>
    new Set(
      Array.from({ length: n }, (_, i) => i)
        .sort((a, b) => v[b] - v[a] || a - b)
        .slice(0, topN),
    );
  const topScore = topBy(score);
  const topTruth = topBy(truth);
  const ops = [...new Set(opsOf.flat())].sort();
  const cells: OperatorBiasCell[] = [];
  for (let e = 0; e < nEdges; e++) {
    for (const op of ops) {
      const rows = opsOf.flatMap((o, i) => (o[e] === op ? [i] : []));
      if (rows.length === 0) continue;
      const meanScoreRank = mean(rows.map((i) => scoreRank[i]));
      const meanTruthRank = mean(rows.map((i) => truthRank[i]));
      cells.push({
        edge: edges[e],
        op,
        count: rows.length,
        meanScoreRank,
        meanTruthRank,
        bias: meanScoreRank - meanTruthRank,
        topShareScore: rows.filter((i) => topScore.has(i)).length / topN,
        topShareTruth: rows.filter((i) => topTruth.has(i)).length / topN,
        score: spread(rows.map((i) => score[i])),
        truth: spread(rows.map((i) => truth[i])),
      });
    }
  }
  const mostBiased = cells.reduce((a, b) => (Math.abs(b.bias) > Math.abs(a.bias) ? b : a));
  const long = aq.table({
    arch: archs.flatMap((a) => edges.map(() => a)),
    edge: archs.flatMap(() => edges),
    op: opsOf.flat(),
    score: score.flatMap((v) => edges.map(() => v)),
    truth: truth.flatMap((v) => edges.map(() => v)),
    scoreRank: scoreRank.flatMap((v) => edges.map(() => v)),
    truthRank: truthRank.flatMap((v) => edges.map(() => v)),
  });
  return {
    edges,
    ops,
    cells,
    mostBiased,
    long,
    provenance: provenanceOf(table, { arch: archCol, score: options.score, truth: options.truth }),
  };
}

export interface PairCorrelation {
  spearman: number;
  kendall: number;
}

export interface SizeBias {
  n: number;
  scoreVsTruth: PairCorrelation;
  scoreVsParams: PairCorrelation;
  truthVsParams: PairCorrelation;
  /**
   * True when the supernet ranking agrees more with model size than with the ground truth:
   * "weight sharing learns to find big models rather than good ones" (seed 001, Sec. 2).
   */
  favoursSize: boolean;
  provenance: Provenance;
}

/** Model-size bias: rank correlation of supernet score and ground truth with params (or FLOPs). */
export function sizeBias(
  table: ColumnTable,
  options: { score: string; truth: string; params: string },
): SizeBias {
  requireColumns(table, [options.score, options.truth, options.params]);
  const s = numericColumn(table, options.score);
  const t = numericColumn(table, options.truth);
  const p = numericColumn(table, options.params);
  const pair = (a: number[], b: number[]): PairCorrelation => ({
    spearman: spearman(a, b),
    kendall: kendallTauB(a, b),
  });
  const scoreVsTruth = pair(s, t);
  const scoreVsParams = pair(s, p);
  return {
    n: s.length,
    scoreVsTruth,
    scoreVsParams,
    truthVsParams: pair(t, p),
    favoursSize: scoreVsParams.spearman > scoreVsTruth.spearman,
    provenance: provenanceOf(table, { ...options }),
  };
}
