/**
 * Notebook 09 and `supernet-lab study --frontier`: the budget frontier. The laptop study's
 * protocol (SPOS supernet on the laptop NB-201 skeleton, BN recalibration, the cells of the
 * shipped ground-truth table scored on the supernet, Spearman / Kendall against the table's mean
 * over seeds with bootstrap 95 % intervals, size bias rho(score, params)) repeated at growing
 * supernet budgets on the data this machine has (Fashion-MNIST):
 *
 *   images seen  the checkpoints of one run at power-of-two epochs (its cosine schedule is
 *                still running at the early ones);
 *   epochs       complete runs, each with its own cosine schedule annealed to the end;
 *   width        complete runs at other skeleton widths C, same epochs.
 *
 * It shows where the supernet's rank correlation crosses zero and how its size bias moves, with
 * seed 001's values as reference lines, and what a larger budget would need (images seen and
 * hours at the bench's measured throughput) to reach the seed's regime.
 */
import * as path from 'node:path';
import * as aq from 'arquero';
import type { ColumnTable } from 'arquero';
import { correlationSummary } from '../analysis/summary';
import { spearman } from '../analysis/correlation';
import { randomTopK, topK } from '../analysis/topk';
import { BadInputError } from '../errors';
import { seedTableCeiling, type SeedTableCeiling } from '../groundtruth/ceiling';
import { LAPTOP_TABLE_DIR, LAPTOP_TABLE_FILE, type CellTruth } from '../groundtruth/laptop';
import { formatNb201, parseNb201 } from '../spaces/nb201/arch';
import { powerOfTwoEpochs, TRAIN_DATASETS, type Scale, type TrainDataset } from '../core/scale';
import { supernetPreset, type SupernetHyper } from '../supernet/nb201/presets';
import { regimeSentences } from '../study/regime';
import { seedReference, type SeedReference } from '../study/seed-reference';
import { readTableTruth, type TableTruth } from '../study/table';
import { budgetFrontierFigures, type FrontierFigureInput } from './budget-frontier-figures';
import { TRAINING_SET_IMAGES } from '../sweep/estimate';
import {
  benchRate,
  budgetForValue,
  doublingTrend,
  hoursText,
  imagesText,
  trainingHours,
  zeroCrossing,
  type BenchRate,
  type DoublingTrend,
  type ZeroCrossing,
} from './budget-frontier-budget';
import {
  ensureEngine,
  resolveContext,
  type ExperimentContext,
  type ExperimentOptions,
} from './context';
import { fmt, mean, comparisonRows, type StudyResult } from './report';
import {
  ensureScores,
  ensureSupernet,
  runData,
  type SupernetRequest,
  type SupernetRun,
} from './runs';
import { submitScoredRuns } from './queue';

/** Environment variable naming another seed table for the notebook (default: the shipped one). */
export const FRONTIER_TABLE_ENV_VAR = 'SUPERNET_LAB_FRONTIER_TABLE';

/** How much work the frontier does at one scale. */
export interface FrontierSettings {
  /** Cells of the table scored (its first ones, in table order); null: every cell. */
  cells: number | null;
  /** The supernet preset the runs start from (its data, batch, LR, calibration). */
  preset: Scale;
  /** Changes to that preset for every run (e.g. more training images). */
  hyper: Partial<SupernetHyper>;
  /** Width C of the images and epochs series. */
  channels: number;
  /** Epochs of the images-seen run. */
  epochs: number;
  /** Its checkpoints that are scored (the last epoch always is); null: powers of two. */
  checkpoints: number[] | null;
  /** Complete runs at these epochs (the images run is the complete run at `epochs`). */
  epochRuns: number[];
  /** Widths C of the width series, each a complete run of `widthEpochs`. */
  widths: number[];
  widthEpochs: number;
  /** k of top-k and bootstrap resamples of every interval. */
  k: number;
  resamples: number;
}

const FRONTIER: Record<Scale, FrontierSettings> = {
  smoke: {
    cells: 12,
    preset: 'smoke',
    hyper: {},
    channels: 4,
    epochs: 4,
    checkpoints: null,
    epochRuns: [2],
    widths: [2, 4],
    widthEpochs: 2,
    k: 3,
    resamples: 200,
  },
  // Sized for a shared 2-core machine (scoring ran ~5 s per cell at load 12-15; about 0.6 s on
  // idle cores): 5 checkpoints scored on 50 cells (the table's first 50, a uniform sample of
  // NB-201), 3 supernets; validation on 1000 held-out images per cell (the main job's 5000 would
  // make scoring 2.5x longer). More cells: settings.cells (null: all 200).
  laptop: {
    cells: 50,
    preset: 'laptop',
    hyper: { validImages: 1000 },
    channels: 8,
    epochs: 32,
    checkpoints: [2, 8, 32],
    epochRuns: [8],
    widths: [4, 8],
    widthEpochs: 8,
    k: 10,
    resamples: 1000,
  },
  // The seed's epoch budget on the laptop table's skeleton and all of its training images (a GPU job).
  paper: {
    cells: null,
    preset: 'laptop',
    hyper: { trainImages: null, batchSize: 256 },
    channels: 8,
    epochs: 1024,
    checkpoints: null,
    epochRuns: [16, 64, 256],
    widths: [8, 16, 32],
    widthEpochs: 256,
    k: 10,
    resamples: 1000,
  },
};

/** A copy of the frontier's settings at `scale`. */
export function frontierSettings(scale: Scale): FrontierSettings {
  return JSON.parse(JSON.stringify(FRONTIER[scale])) as FrontierSettings;
}

export type FrontierSeries = 'images' | 'epochs' | 'width';

/** One supernet run of the frontier and the checkpoints it is scored at. */
export interface FrontierRunPlan {
  channels: number;
  epochs: number;
  checkpoints: number[];
  /** Which series each scored checkpoint feeds. */
  series: Array<{ series: FrontierSeries; epoch: number }>;
}

/** The distinct runs of the frontier (runs shared by two series appear once). */
export function frontierPlan(s: FrontierSettings): FrontierRunPlan[] {
  const plans = new Map<string, FrontierRunPlan>();
  const add = (channels: number, epochs: number, checkpoints: number[], series: FrontierSeries) => {
    const key = `${channels}/${epochs}`;
    const plan = plans.get(key) ?? { channels, epochs, checkpoints: [], series: [] };
    plan.checkpoints = [...new Set([...plan.checkpoints, ...checkpoints])].sort((a, b) => a - b);
    const scored = series === 'images' ? checkpoints : [epochs];
    plan.series.push(...scored.map((epoch) => ({ series, epoch })));
    plans.set(key, plan);
  };
  const checkpoints = s.checkpoints ?? powerOfTwoEpochs(s.epochs);
  add(
    s.channels,
    s.epochs,
    [...new Set([...checkpoints, s.epochs])].sort((a, b) => a - b),
    'images',
  );
  for (const e of [...new Set([...s.epochRuns, s.epochs])].sort((a, b) => a - b)) {
    add(s.channels, e, [e], 'epochs');
  }
  for (const c of [...new Set(s.widths)].sort((a, b) => a - b)) {
    add(c, s.widthEpochs, [s.widthEpochs], 'width');
  }
  return [...plans.values()];
}

function checkSettings(s: FrontierSettings): void {
  const positive = (v: number, what: string) => {
    if (!Number.isInteger(v) || v < 1) {
      throw new BadInputError(`budget frontier: ${what} must be a positive integer, got ${v}`);
    }
  };
  positive(s.channels, 'channels');
  positive(s.epochs, 'epochs');
  positive(s.widthEpochs, 'widthEpochs');
  positive(s.k, 'k');
  positive(s.resamples, 'resamples');
  s.epochRuns.forEach((e) => positive(e, 'every epochRuns entry'));
  s.widths.forEach((c) => positive(c, 'every widths entry'));
  for (const e of s.checkpoints ?? []) {
    positive(e, 'every checkpoints entry');
    if (e > s.epochs) {
      throw new BadInputError(
        `budget frontier: checkpoint ${e} is past the run's ${s.epochs} epochs: list checkpoints <= epochs`,
      );
    }
  }
  if (s.cells !== null && (!Number.isInteger(s.cells) || s.cells < 3)) {
    throw new BadInputError(
      `budget frontier: cells must be an integer >= 3 or null, got ${s.cells}`,
    );
  }
}

/** One scored budget: rank statistics of the table's cells on one supernet checkpoint. */
export interface FrontierPoint {
  series: FrontierSeries;
  run: string;
  channels: number;
  /** Checkpoint scored, and the epochs of the run's cosine schedule. */
  epoch: number;
  scheduleEpochs: number;
  trainImages: number;
  /** epoch x trainImages. */
  imagesSeen: number;
  n: number;
  /** rho / tau-b of supernet score vs the table's mean validation accuracy, 95 % bootstrap. */
  spearman: number;
  spearmanLow: number;
  spearmanHigh: number;
  kendall: number;
  kendallLow: number;
  kendallHigh: number;
  /** Size bias: rho(supernet score, parameters), 95 % bootstrap. */
  sizeBias: number;
  sizeBiasLow: number;
  sizeBiasHigh: number;
  /** Test accuracy of the best-validation cell among the k best scores, and its random expectation. */
  topK: number;
  topKArch: string;
  randomTopK: number;
  /** Mean supernet validation accuracy of the scored cells (%). */
  meanScore: number;
  /** Mean training throughput of the run (images/s, from its log). */
  imagesPerSecond: number;
}

/** The statistics of one scored budget (everything of a point that does not name the run). */
export type PointStats = Omit<
  FrontierPoint,
  | 'series'
  | 'run'
  | 'channels'
  | 'epoch'
  | 'scheduleEpochs'
  | 'trainImages'
  | 'imagesSeen'
  | 'imagesPerSecond'
>;

/**
 * Rank statistics of supernet scores (`score[i]` belongs to `cells[i]`) against the cells' mean
 * validation accuracy; top-k selects by validation and reports test accuracy (seed App. A.2).
 */
export function pointStats(
  cells: readonly CellTruth[],
  score: readonly number[],
  options: { k: number; resamples: number; seed: number },
): PointStats {
  if (score.length !== cells.length) {
    throw new BadInputError(`budget frontier: ${score.length} scores for ${cells.length} cells`);
  }
  const val = cells.map((c) => c.val_accuracy);
  const test = cells.map((c) => c.test_accuracy);
  const params = cells.map((c) => c.params);
  const boot = { resamples: options.resamples, seed: options.seed };
  const truth = correlationSummary(score, val, boot);
  const size = correlationSummary(score, params, boot);
  const k = Math.min(options.k, cells.length);
  const pick = topK({ score, valid: val, test }, k);
  return {
    n: cells.length,
    spearman: truth.spearman,
    spearmanLow: truth.spearmanCI!.low,
    spearmanHigh: truth.spearmanCI!.high,
    kendall: truth.kendall,
    kendallLow: truth.kendallCI!.low,
    kendallHigh: truth.kendallCI!.high,
    sizeBias: size.spearman,
    sizeBiasLow: size.spearmanCI!.low,
    sizeBiasHigh: size.spearmanCI!.high,
    topK: pick.test,
    topKArch: cells[pick.index].arch,
    randomTopK: randomTopK(val, test, k).mean,
    meanScore: mean([...score]),
  };
}

/** What the seed's regime and a larger budget would cost. */
export interface FrontierNeeds {
  /** Images the seed's supernet saw: its epochs x the paper preset's training split. */
  seedImages: number;
  seedEpochs: number;
  seedTrainImages: number;
  /** Bench throughput of the seed's network (NB-201 C=16, N=5, 32x32); null without a bench. */
  seedRate: BenchRate | null;
  /**
   * Training throughput of the frontier's network: the bench's when it measured this network
   * (the laptop C=8 N=1 on 28x28), else the one the largest run logged.
   */
  frontierRate: { imagesPerSecond: number; source: string } | null;
  /** Trend of rho per doubling of images seen (images series), where there are 2+ budgets. */
  trend: DoublingTrend | null;
  /** Images seen where the trend reaches rho = 0 and the seed's rho (null: it does not rise). */
  zeroImages: number | null;
  seedRhoImages: number | null;
  /** The above in sentences (the CLI prints them, the notebook shows them). */
  lines: string[];
}

export interface BudgetFrontierResult extends StudyResult {
  scale: Scale;
  settings: FrontierSettings;
  /** The table (file, rows, mean over seeds) and the cells scored. */
  table: TableTruth;
  cells: CellTruth[];
  ceiling: SeedTableCeiling | null;
  reference: SeedReference | null;
  /** rho(table mean validation accuracy, params): what size alone predicts. */
  truthVsParams: number;
  points: FrontierPoint[];
  /** The points as an arquero table. */
  pointTable: ColumnTable;
  /** Zero crossing of rho along images seen (images series) and along complete runs. */
  crossing: { images: ZeroCrossing; epochs: ZeroCrossing };
  needs: FrontierNeeds;
  /** Regime sentences (src/study/regime) at the largest images-seen budget. */
  regime: string[];
}

export interface FrontierOptions {
  /** Seed table (default: SUPERNET_LAB_FRONTIER_TABLE, else the shipped laptop table). */
  table?: string;
  /** Replace parts of the scale's frontier settings. */
  settings?: Partial<FrontierSettings>;
}

/** The table the frontier ranks against: the option, else the environment, else the shipped one. */
export function frontierTableFile(table?: string): string {
  const env = process.env[FRONTIER_TABLE_ENV_VAR];
  return path.resolve(
    table ??
      (env && env.trim() !== '' ? env.trim() : path.join(LAPTOP_TABLE_DIR, LAPTOP_TABLE_FILE)),
  );
}

/** The dataset a table was trained on (its budget.json), Fashion-MNIST when it does not say. */
function tableDataset(truth: TableTruth): TrainDataset {
  const d = truth.budget?.['dataset'];
  if (d === undefined) return 'fashion-mnist';
  if (typeof d !== 'string' || !(TRAIN_DATASETS as readonly string[]).includes(d)) {
    throw new BadInputError(
      `budget.json of ${truth.file}: dataset ${JSON.stringify(d)} is not a dataset (known: ${TRAIN_DATASETS.join(', ')})`,
    );
  }
  return d as TrainDataset;
}

function ceilingOf(
  truth: TableTruth,
  archs: readonly string[],
  seed: number,
): SeedTableCeiling | null {
  try {
    return seedTableCeiling(truth.rows, { archs, seed, resamples: 1000 });
  } catch (err) {
    // A table with fewer than two seeds per cell has no ceiling; say so rather than invent one.
    if (err instanceof BadInputError) return null;
    throw err;
  }
}

/**
 * Runs (or reuses) every supernet of the frontier, scores the table's cells at every planned
 * checkpoint and returns the points, figures, the seed comparison and the computed conclusion.
 */
export async function budgetFrontier(
  options: ExperimentOptions | ExperimentContext = {},
  frontier: FrontierOptions = {},
): Promise<BudgetFrontierResult> {
  const t0 = Date.now();
  const base = resolveContext(options);
  const settings = { ...frontierSettings(base.scale), ...(frontier.settings ?? {}) };
  checkSettings(settings);
  const truth = readTableTruth(frontierTableFile(frontier.table));
  const dataset = tableDataset(truth);
  // The supernets train on the table's dataset (a data source given for another one is not used).
  const ctx: ExperimentContext = {
    ...base,
    dataset,
    ...(base.dataset === dataset ? {} : { dataSource: undefined }),
  };
  const cells = settings.cells === null ? truth.cells : truth.cells.slice(0, settings.cells);
  if (cells.length < 3) {
    throw new BadInputError(
      `budget frontier: ${truth.file} has ${cells.length} cells; it needs at least 3`,
    );
  }
  const archs = cells.map((c) => parseNb201(c.arch));
  const archKeys = archs.map((a) => formatNb201(a));
  const ceiling = ceilingOf(
    truth,
    cells.map((c) => c.arch),
    ctx.seed,
  );
  const reference = seedReference('nb201');
  const truthVsParams = spearman(
    cells.map((c) => c.val_accuracy),
    cells.map((c) => c.params),
  );
  const engine = await ensureEngine();
  const plans = frontierPlan(settings);
  ctx.log(
    `budget frontier (${ctx.scale}): ${cells.length} cells of ${truth.file}, ${plans.length} supernet runs on ${dataset}, engine ${engine.name}`,
  );

  const points: FrontierPoint[] = [];
  const runs: SupernetRun[] = [];
  /** Scores of the cells per run and checkpoint (the scatter shows the largest budget's). */
  const scores = new Map<string, number[]>();
  const requestOf = (plan: (typeof plans)[number]): SupernetRequest => ({
    purpose: 'frontier',
    dataset,
    seed: ctx.seed,
    hyper: {
      ...supernetPreset(settings.preset),
      ...settings.hyper,
      channels: plan.channels,
      epochs: plan.epochs,
      checkpointEpochs: plan.checkpoints,
    },
  });
  // With a queue, every run of the frontier trains and scores the cells at once on its workers
  // (no-op without one).
  await submitScoredRuns(
    ctx,
    plans.map((plan) => ({
      request: requestOf(plan),
      epochs: [...new Set(plan.series.map((s) => s.epoch))],
    })),
    archKeys,
  );
  for (const plan of plans) {
    const run = await ensureSupernet(ctx, requestOf(plan));
    runs.push(run);
    const trainImages = (await runData(ctx, run.config)).train.shape[0];
    const throughput = mean(run.log.map((e) => e.imagesPerSecond));
    const stats = new Map<number, PointStats>();
    for (const { series, epoch } of plan.series) {
      let s = stats.get(epoch);
      if (!s) {
        const rows = await ensureScores(ctx, run, epoch, archs);
        const byArch = new Map(rows.map((r) => [r.arch, r.accuracy]));
        const score = archKeys.map((a) => byArch.get(a)!);
        scores.set(`${run.name}/${epoch}`, score);
        s = pointStats(cells, score, {
          k: settings.k,
          resamples: settings.resamples,
          seed: ctx.seed,
        });
        stats.set(epoch, s);
      }
      points.push({
        series,
        run: run.name,
        channels: plan.channels,
        epoch,
        scheduleEpochs: plan.epochs,
        trainImages,
        imagesSeen: epoch * trainImages,
        ...s,
        imagesPerSecond: throughput,
      });
    }
  }
  const order: FrontierSeries[] = ['images', 'epochs', 'width'];
  points.sort(
    (a, b) =>
      order.indexOf(a.series) - order.indexOf(b.series) ||
      a.channels - b.channels ||
      a.imagesSeen - b.imagesSeen,
  );
  const of = (series: FrontierSeries) => points.filter((p) => p.series === series);
  const budgetValues = (ps: FrontierPoint[]) =>
    ps.map((p) => ({ x: p.imagesSeen, y: p.spearman, low: p.spearmanLow, high: p.spearmanHigh }));
  const crossing = {
    images: zeroCrossing(budgetValues(of('images'))),
    epochs: zeroCrossing(budgetValues(of('epochs'))),
  };
  const images = of('images');
  const largest = images[images.length - 1];
  const shape = (await runData(ctx, runs[0].config)).train;
  const needs = frontierNeeds({
    images,
    reference,
    ceiling,
    engine: engine.name,
    net: {
      channels: settings.channels,
      cellsPerStage: supernetPreset(settings.preset).cellsPerStage,
      inputChannels: shape.shape[3],
      imageSize: shape.shape[1],
    },
  });
  const regime = regimeSentences({
    epoch: largest.epoch,
    spearman: largest.spearman,
    spearmanCI: { low: largest.spearmanLow, high: largest.spearmanHigh },
    scoreParams: largest.sizeBias,
    scoreParamsCI: { low: largest.sizeBiasLow, high: largest.sizeBiasHigh },
    truthParams: truthVsParams,
    ceiling,
    reference,
  });
  const figureInput: FrontierFigureInput = {
    points,
    reference,
    ceiling: ceiling ? ceiling.meanOfSeeds.spearman : null,
    truthVsParams,
    largest: aq.table({
      arch: cells.map((c) => c.arch),
      score: scores.get(`${largest.run}/${largest.epoch}`)!,
      truth: cells.map((c) => c.val_accuracy),
    }),
    largestLabel: `${largest.epoch} epochs of C=${largest.channels} (${imagesText(largest.imagesSeen)} images seen): ρ = ${ci(largest, 'spearman')}`,
  };
  const text = frontierText(
    ctx,
    settings,
    truth,
    cells,
    points,
    crossing,
    needs,
    regime,
    reference,
    ceiling,
  );
  return {
    title:
      'The budget frontier: where weight sharing starts to rank (seed 001, Fig. 1 at growing budgets)',
    ...text,
    figures: budgetFrontierFigures(figureInput),
    scale: ctx.scale,
    settings,
    table: truth,
    cells,
    ceiling,
    reference,
    truthVsParams,
    points,
    pointTable: aq.from(points),
    crossing,
    needs,
    regime,
    runs: [...new Set(runs.map((r) => r.name))],
    seconds: (Date.now() - t0) / 1000,
  };
}

/** The seed's budget, the bench's throughput, and where this frontier's trend would get to. */
export function frontierNeeds(input: {
  images: readonly FrontierPoint[];
  reference: SeedReference | null;
  ceiling: SeedTableCeiling | null;
  engine: string;
  net: { channels: number; cellsPerStage: number; inputChannels: number; imageSize: number };
  /** Bench report (default: the newest in kernels-data/bench). */
  benchFile?: string;
}): FrontierNeeds {
  const paper = supernetPreset('paper');
  const laptop = supernetPreset('laptop');
  const seedEpochs = input.reference?.epochs ?? paper.epochs;
  // The seed's NB-201 supernets train on CIFAR-100 (App. A); the paper preset's split of it.
  const cifar = TRAINING_SET_IMAGES['cifar100'];
  const seedTrainImages = Math.round(cifar * (1 - paper.validFraction));
  const seedImages = seedEpochs * seedTrainImages;
  const seedRate = benchRate('paper', input.engine, input.benchFile);
  const last = input.images[input.images.length - 1];
  // The bench's laptop workload is the laptop skeleton on Fashion-MNIST (src/sweep/estimate.ts).
  const benchNet =
    input.net.channels === laptop.channels &&
    input.net.cellsPerStage === laptop.cellsPerStage &&
    input.net.inputChannels === 1 &&
    input.net.imageSize === 28;
  const bench = benchNet ? benchRate('laptop', input.engine, input.benchFile) : null;
  const frontierRate = bench
    ? {
        imagesPerSecond: bench.imagesPerSecond,
        source: `the bench's ${bench.engine} rate (${bench.file})`,
      }
    : last && last.imagesPerSecond > 0
      ? { imagesPerSecond: last.imagesPerSecond, source: 'the rate its largest run logged' }
      : null;
  const pts = input.images.map((p) => ({ x: p.imagesSeen, y: p.spearman }));
  const trend = new Set(pts.map((p) => p.x)).size >= 2 ? doublingTrend(pts) : null;
  const seedRho = input.reference?.spearman.value ?? null;
  const zeroImages = trend ? budgetForValue(trend, 0) : null;
  const seedRhoImages = trend && seedRho !== null ? budgetForValue(trend, seedRho) : null;
  const hours = (images: number) =>
    frontierRate ? hoursText(trainingHours(images, frontierRate.imagesPerSecond)) : 'unknown hours';
  const rate = (r: { imagesPerSecond: number }) => `${r.imagesPerSecond.toFixed(0)} images/s`;
  const lines: string[] = [];
  lines.push(
    `The seed's regime: ${seedEpochs} epochs (seed 001 App. A) × ${imagesText(seedTrainImages)} training images ` +
      `(the paper preset's split of the ${imagesText(cifar)} CIFAR-100 training images) = ${imagesText(seedImages)} images seen ` +
      `by a C=${paper.channels} N=${paper.cellsPerStage} supernet on 32×32 images: ` +
      (seedRate
        ? `${hoursText(trainingHours(seedImages, seedRate.imagesPerSecond))} on this machine at the bench's ${rate(seedRate)} ` +
          `(${seedRate.engine}; ${seedRate.file}).`
        : 'no bench report measured that network here, so no hours.'),
  );
  if (last) {
    lines.push(
      `This frontier's largest budget saw ${imagesText(last.imagesSeen)} images (${last.epoch} epochs × ${imagesText(last.trainImages)}), ` +
        `${(seedImages / last.imagesSeen).toFixed(0)}× fewer; the same ${imagesText(seedImages)} images on its C=${input.net.channels} ` +
        `N=${input.net.cellsPerStage} network are ${Math.ceil(seedImages / last.trainImages)} epochs of its ${imagesText(last.trainImages)} images, ` +
        `${hours(seedImages)}${frontierRate ? ` at ${rate(frontierRate)}, ${frontierRate.source}` : ''}.`,
    );
  }
  if (trend && last) {
    const per = `ρ changes by ${trend.slope >= 0 ? '+' : ''}${trend.slope.toFixed(3)} per doubling of images seen (least squares over ${trend.points} checkpoints)`;
    if (!(trend.slope > 0)) {
      lines.push(
        `${per}: it does not rise with images seen here, so more images alone do not lead to the seed's regime at this width.`,
      );
    } else {
      const at = (images: number | null, what: string) =>
        images === null
          ? ''
          : images <= last.imagesSeen
            ? ` The trend line is at ${what} already within the budgets measured.`
            : ` If the trend held, ${what} would come at ${imagesText(images)} images seen ` +
              `(${Math.ceil(images / last.trainImages)} epochs of ${imagesText(last.trainImages)}, ${hours(images)}).`;
      const cap =
        input.ceiling && seedRho !== null && input.ceiling.meanOfSeeds.spearman < seedRho
          ? ` Against this table no estimator can exceed ρ ≈ ${fmt(input.ceiling.meanOfSeeds.spearman, 2)} (its noise ceiling), below the seed's ${fmt(seedRho, 2)}: the seed's value is out of reach against it.`
          : '';
      lines.push(
        `${per}.` +
          at(zeroImages, 'ρ = 0') +
          (seedRho !== null ? at(seedRhoImages, `the seed's ρ = ${fmt(seedRho, 2)}`) : '') +
          cap +
          ' A straight line in log(images) is a rough guide only: the seed itself finds that longer training does not guarantee a better ranking.',
      );
    }
  }
  return {
    seedImages,
    seedEpochs,
    seedTrainImages,
    seedRate,
    frontierRate,
    trend,
    zeroImages,
    seedRhoImages,
    lines,
  };
}

function crossingText(c: ZeroCrossing, axis: string): string {
  const clear = (x: number | null) =>
    x === null
      ? 'no budget has its whole 95 % interval above 0'
      : `its 95 % interval lies above 0 from ${imagesText(x)} images seen on`;
  switch (c.kind) {
    case 'positive':
      return `ρ is above 0 at every budget of the ${axis} (${clear(c.firstClear)})`;
    case 'never':
      return `ρ stays at or below 0 at every budget of the ${axis}: it does not cross zero within the budgets measured`;
    case 'falls':
      return (
        `ρ is above 0 at some budgets of the ${axis} (the largest ${imagesText(c.lastPositive)} images seen) ` +
        'but at or below 0 at the largest: it does not cross zero for good within the budgets measured'
      );
    case 'crosses':
      return (
        `ρ crosses zero between ${imagesText(c.from)} and ${imagesText(c.to)} images seen on the ${axis} ` +
        `(≈ ${imagesText(c.at)} by log-linear interpolation; ${clear(c.firstClear)})`
      );
  }
}

const ci = (p: FrontierPoint, key: 'spearman' | 'sizeBias' | 'kendall') =>
  `${fmt(p[key], 2)} [${fmt(p[`${key}Low`], 2)}, ${fmt(p[`${key}High`], 2)}]`;

function frontierText(
  ctx: ExperimentContext,
  s: FrontierSettings,
  truth: TableTruth,
  cells: CellTruth[],
  points: FrontierPoint[],
  crossing: { images: ZeroCrossing; epochs: ZeroCrossing },
  needs: FrontierNeeds,
  regime: string[],
  reference: SeedReference | null,
  ceiling: SeedTableCeiling | null,
): Pick<StudyResult, 'comparison' | 'conclusion'> {
  const of = (series: FrontierSeries) => points.filter((p) => p.series === series);
  const images = of('images');
  const epochs = of('epochs');
  const widths = of('width');
  const first = images[0];
  const last = images[images.length - 1];
  const preset = { ...supernetPreset(s.preset), ...s.hyper };
  const scale =
    `${ctx.scale}: ${ctx.dataset}, ${truth.file} (${cells.length} cells, mean over seeds), supernet C=${s.channels} N=${preset.cellsPerStage}, ` +
    `${imagesText(last.trainImages)} training images, batch ${preset.batchSize}, LR ${preset.lr} cosine, BN calibration ${preset.calibrationBatches} × ${preset.calibrationBatchSize}`;
  const seedRho = reference?.spearman.value ?? null;
  const list = (
    ps: FrontierPoint[],
    label: (p: FrontierPoint) => string,
    key: 'spearman' | 'sizeBias',
  ) => ps.map((p) => `${label(p)}: ${fmt(p[key], 2)}`).join(', ');
  const ceilingText = ceiling
    ? `noise ceiling of the table ρ ≈ ${fmt(ceiling.meanOfSeeds.spearman, 2)} (seeds agree at ${fmt(ceiling.spearman, 2)} over ${ceiling.n} cells)`
    : 'no noise ceiling (the table has one seed per cell)';
  const comparison = comparisonRows(scale, [
    {
      quantity: 'Spearman ρ at the largest budget (images seen)',
      seed: reference ? reference.spearman.where : 'no NB-201 value in the seed text',
      measured: `ρ = ${ci(last, 'spearman')}, Kendall τ-b ${ci(last, 'kendall')} after ${last.epoch} epochs (${imagesText(last.imagesSeen)} images seen); ${ceilingText}`,
      agrees: seedRho === null ? null : last.spearmanLow <= seedRho && seedRho <= last.spearmanHigh,
      rule: "the seed's ρ inside the 95 % interval",
    },
    {
      quantity: 'Where ρ crosses zero',
      seed: `Sec. 2: "a longer training does not guarantee a better ranking model"; the seed's budgets (${reference?.epochs ?? 1000} epochs) are all in the positive regime`,
      measured: `${crossingText(crossing.images, 'checkpoints of one run')}; ${crossingText(crossing.epochs, 'complete runs')}`,
      rule: 'n/a: the seed reports no budget with ρ below 0 on NB-201',
    },
    {
      quantity: 'Size bias ρ(score, params) along the budget',
      seed: reference ? reference.sizeBias.where : 'Sec. 2: "Weight sharing favors big models"',
      measured:
        `${list(images, (p) => `${p.epoch} ep`, 'sizeBias')} (checkpoints); largest budget ${ci(last, 'sizeBias')}; ` +
        `the table's own ρ(ground truth, params) = ${fmt(
          spearman(
            cells.map((c) => c.val_accuracy),
            cells.map((c) => c.params),
          ),
          2,
        )}`,
      agrees: reference
        ? reference.sizeBias.sign > 0
          ? last.sizeBiasLow > 0
          : last.sizeBiasHigh < 0
        : null,
      rule: "the largest budget's interval on the seed's side of 0",
    },
    {
      quantity: 'Complete schedules vs checkpoints of one run',
      seed: 'Sec. 2 / Fig. 1: the seed varies epochs exponentially; longer is not always better',
      measured: `complete runs ${list(epochs, (p) => `${p.scheduleEpochs} ep`, 'spearman')}; checkpoints ${list(images, (p) => `${p.epoch} ep`, 'spearman')}`,
    },
    {
      quantity: `Width C of the supernet (${s.widthEpochs} epochs each)`,
      seed: 'Table 2: the seed trains the benchmark skeleton C=16, N=5',
      measured: `ρ ${list(widths, (p) => `C=${p.channels}`, 'spearman')}; size bias ${list(widths, (p) => `C=${p.channels}`, 'sizeBias')}`,
    },
    {
      quantity: "Budget to the seed's regime",
      seed: `${reference?.epochs ?? 1000} epochs, batch 256, C=16 N=5 (Table 2, App. A)`,
      measured: needs.lines.join(' '),
    },
  ]);
  const moved = last.sizeBias - first.sizeBias;
  const conclusion = [
    `Checkpoints of one run: ${crossingText(crossing.images, 'checkpoints of one run')}; ρ went from ${ci(first, 'spearman')} after ${first.epoch} epoch${first.epoch === 1 ? '' : 's'} to ${ci(last, 'spearman')} after ${last.epoch}.`,
    `Complete runs: ${crossingText(crossing.epochs, 'complete runs')}.`,
    `The size bias ρ(score, params) moved from ${fmt(first.sizeBias, 2)} to ${fmt(last.sizeBias, 2)} (${moved >= 0 ? '+' : ''}${fmt(moved, 2)}) as images seen grew ${(last.imagesSeen / first.imagesSeen).toFixed(0)}×.`,
    ...(widths.length >= 2
      ? [
          `Across widths C=${widths.map((p) => p.channels).join(', ')} at ${s.widthEpochs} epochs ρ was ${widths.map((p) => fmt(p.spearman, 2)).join(', ')} and the size bias ${widths.map((p) => fmt(p.sizeBias, 2)).join(', ')}.`,
        ]
      : []),
    ...regime.map((r) => `${r[0].toUpperCase()}${r.slice(1)}.`),
    ...needs.lines,
    `${points.length} budgets, ${cells.length} cells each; every interval is a 95 % percentile bootstrap over cells (${s.resamples} resamples).`,
  ];
  return { comparison, conclusion };
}
