/**
 * The base supernet every weight-sharing notebook shares (01, 02, 04, 05, 06, 07): one SPOS run
 * on NB-201 with checkpoints at exponential epochs, the same uniformly sampled architectures
 * scored at every checkpoint, joined with the NAS-Bench-201 ground truth.
 */
import type { ColumnTable } from 'arquero';
import { numericColumn } from '../analysis/columns';
import { kendallTauB, spearman } from '../analysis/correlation';
import { joinWithGroundTruth } from '../analysis/runs';
import { randomTopK, topK } from '../analysis/topk';
import type { Nb201Arch } from '../spaces/nb201/definition';
import { sampleArchs } from '../train/pipeline';
import { formatNb201, parseNb201 } from '../spaces/nb201/arch';
import { NB201_SAMPLING } from '../spaces/nb201/codec';
import type { TrainDataset } from '../core/scale';
import {
  benchmarkTruth,
  resolveContext,
  type BenchmarkTruth,
  type ExperimentContext,
  type ExperimentOptions,
} from './context';
import { mean } from './report';
import { submitScores } from './queue';
import {
  baseHyper,
  ensureScores,
  ensureSupernet,
  nb201Settings,
  runData,
  scoreTable,
  type SupernetRequest,
  type SupernetRun,
} from './runs';

/** The architectures every whole-space supernet of the study scores (same list for all runs). */
export function studyArchs(count: number): Nb201Arch[] {
  return sampleArchs(NB201_SAMPLING, count, 'study').map((a) => parseNb201(a));
}

/** One scored checkpoint joined with ground truth. */
export interface ScoredEpoch {
  epoch: number;
  /** arch, accuracy (supernet, %), loss, truth (benchmark test accuracy, %), params. */
  table: ColumnTable;
}

export interface BaseStudy {
  ctx: ExperimentContext;
  run: SupernetRun;
  truth: BenchmarkTruth;
  archs: Nb201Arch[];
  epochs: ScoredEpoch[];
  /** Best ground truth among all valid cells of the space (seed Fig. 1's green line). */
  bestTruth: number;
  /** One line describing the scale and settings (for the comparison tables). */
  scaleText: string;
}

/** Ground truth of every valid cell (column values where `valid` is true). */
export function validTruthValues(truth: BenchmarkTruth, column = truth.column): number[] {
  const valid = truth.table.array('valid') as ArrayLike<boolean>;
  const values = truth.table.array(column) as ArrayLike<number>;
  const out: number[] = [];
  for (let i = 0; i < values.length; i++) if (valid[i]) out.push(Number(values[i]));
  return out;
}

/**
 * Joins a score table (arch, accuracy, loss) with the benchmark: adds `truth` (the benchmark's
 * test accuracy) and `params`. Every scored cell must be in the benchmark.
 */
export function joinTruth(scores: ColumnTable, truth: BenchmarkTruth): ColumnTable {
  const joined = joinWithGroundTruth(scores, truth.table, {
    columns: [truth.column, truth.params],
  });
  return joined.rename({ [truth.column]: 'truth', [truth.params]: 'params' });
}

/** Rank statistics of one scored table (columns accuracy and truth). */
export interface RankMetrics {
  n: number;
  spearman: number;
  kendall: number;
  /** Ground truth of the best-truth cell among the k best by supernet score (seed's top-k). */
  topK: number;
  topKArch: string;
  /** Exact expectation of the same with k cells drawn at random. */
  randomTopK: number;
  /** Mean supernet accuracy and mean ground truth of the scored cells. */
  meanAccuracy: number;
  meanTruth: number;
}

export function rankMetrics(table: ColumnTable, k: number): RankMetrics {
  const score = numericColumn(table, 'accuracy');
  const truth = numericColumn(table, 'truth');
  const archs = table.array('arch') as ArrayLike<string>;
  const kk = Math.min(k, score.length);
  const pick = topK({ score, valid: truth, test: truth }, kk);
  return {
    n: score.length,
    spearman: spearman(score, truth),
    kendall: kendallTauB(score, truth),
    topK: pick.test,
    topKArch: archs[pick.index],
    randomTopK: randomTopK(truth, truth, kk).mean,
    meanAccuracy: mean(score),
    meanTruth: mean(truth),
  };
}

/** The request of a whole-space SPOS supernet with the base settings (optionally changed). */
export function baseRequest(
  ctx: ExperimentContext,
  changes: {
    purpose?: string;
    dataset?: TrainDataset;
    seed?: number;
    hyper?: Record<string, unknown>;
  } = {},
): SupernetRequest {
  return {
    purpose: changes.purpose ?? 'base',
    dataset: changes.dataset ?? ctx.dataset,
    seed: changes.seed ?? ctx.seed,
    hyper: baseHyper(ctx, ctx.settings.base, changes.hyper ?? {}),
  };
}

/** 'laptop: cifar10-subset (2000 training images), C=8 N=1, 16 epochs, batch 64, 100 cells scored' */
export function describeRun(
  ctx: ExperimentContext,
  run: SupernetRun,
  cells: number,
  trainImages?: number,
): string {
  const c = run.config;
  return (
    `${ctx.scale}: ${c.dataset}${trainImages ? ` (${trainImages} training images)` : ''}, ` +
    `C=${nb201Settings(c).channels} N=${nb201Settings(c).cellsPerStage}, ${c.epochs} epochs, batch ${c.batchSize}, ${cells} cells scored`
  );
}

/**
 * Trains (or reuses) the base supernet and scores the study's cells at its checkpoints: every
 * kept checkpoint (`which: 'all'`, for correlation vs epochs) or only the last ('final').
 */
export async function baseStudy(
  options: ExperimentOptions | ExperimentContext = {},
  which: 'all' | 'final' = 'final',
): Promise<BaseStudy> {
  const ctx = resolveContext(options);
  const truth = benchmarkTruth(ctx.dataset);
  const run = await ensureSupernet(ctx, baseRequest(ctx));
  const archs = studyArchs(ctx.settings.scoredArchs);
  const final = run.config.epochs;
  const wanted =
    which === 'all'
      ? [...new Set([...ctx.settings.base.checkpointEpochs, final])].sort((a, b) => a - b)
      : [final];
  // With a queue, the scores of every checkpoint are computed at once on its workers.
  await submitScores(
    ctx,
    run.dir,
    wanted,
    archs.map((a) => formatNb201(a)),
  );
  const epochs: ScoredEpoch[] = [];
  for (const epoch of wanted) {
    const rows = await ensureScores(ctx, run, epoch, archs);
    epochs.push({ epoch, table: joinTruth(scoreTable(run, epoch, rows), truth) });
  }
  return {
    ctx,
    run,
    truth,
    archs,
    epochs,
    bestTruth: Math.max(...validTruthValues(truth)),
    scaleText: describeRun(ctx, run, archs.length, (await runData(ctx, run.config)).train.shape[0]),
  };
}
