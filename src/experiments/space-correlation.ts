/**
 * Notebook 02 on a space other than NB-201 (seed 001 Fig. 1 and Fig. 8 on any space): correlation of the supernet ranking
 * with stand-alone ground truth as the training budget grows, for NAS-Bench-101, DARTS-CIFAR10,
 * ProxylessNAS or DARTS-PTB (NB-201 uses its benchmark table: `anySpaceCorrelationVsEpochs`
 * hands it to notebook 02's experiment). The supernet run folder is reused (and resumed) when
 * present; scores and ground truth are completed, never recomputed.
 */
import * as path from 'node:path';
import * as aq from 'arquero';
import { engineInfo } from '../engine/init';
import type { ColumnTable } from 'arquero';
import { kendallTauB, spearman } from '../analysis/correlation';
import { randomTopK, topK } from '../analysis/topk';
import { scoreVsTruthFigure } from '../plots/scatter';
import type { Scale } from '../core/scale';
import { listCheckpoints, readLog } from '../runs/folder';
import { createProgress } from '../train/progress';
import type { SpacePreset } from '../supernet/binding';
import { SPACE_NAMES, hasBenchmarkTable, spaceBinding } from '../supernet/registry';
import { loadRunData, runSetup, sampleArchs, trainRun } from '../train/pipeline';
import { runGroundTruth } from '../evaluate/groundtruth';
import { scoreRun } from '../evaluate/score-run';
import {
  benchmarkTruth,
  resolveContext,
  type ExperimentContext,
  type ExperimentOptions,
} from './context';
import {
  correlationVsEpochs,
  epochFigures,
  nonDecreasing,
  trainingFigure,
  trendRow,
  type CorrelationVsEpochsResult,
} from './correlation-epochs';
import { argmax, fmt, mean, signed, comparisonRows, type StudyResult } from './report';
import type { RankMetrics } from './base';
import { oneOf } from './scales';

/** Environment variable naming the notebooks' search space. */
export const SPACE_ENV_VAR = 'SUPERNET_LAB_SPACE';
/** The registry's spaces (src/supernet/registry.ts). */
export const STUDY_SPACES: readonly string[] = SPACE_NAMES;
export type StudySpace = string;

/** Checks a space name; the error names the input and the known spaces. */
export function parseSpace(value: string, what = 'space'): StudySpace {
  return oneOf(value, STUDY_SPACES, what, 'a search space');
}

/** SUPERNET_LAB_SPACE when set, else `fallback`. */
export function spaceFromEnv(fallback: StudySpace = 'nb201'): StudySpace {
  const v = process.env[SPACE_ENV_VAR];
  if (v === undefined || v.trim() === '') return fallback;
  return parseSpace(v.trim(), SPACE_ENV_VAR);
}

/**
 * For notebooks built on the whole NAS-Bench-201 table: throws a clear error for any other
 * space (their ground truth is the benchmark's 15625 trained cells, which no other space has).
 */
export function requireNb201(space: string, notebook: string): void {
  if (hasBenchmarkTable(space)) return;
  throw new Error(
    `${notebook} needs SPACE nb201, got ${JSON.stringify(space)}: it reads the whole NAS-Bench-201 ` +
      `table (every cell trained stand-alone), which exists for no other space. For ${space}, ` +
      `run notebook 02-correlation-vs-epochs (stand-alone ground truth of sampled architectures).`,
  );
}

/** The data a space's notebook study trains on at `scale` (NB-201: the context's dataset). */
export function spaceDataset(space: StudySpace, scale: Scale, nb201Dataset: string): string {
  if (hasBenchmarkTable(space)) return nb201Dataset;
  const d = spaceBinding(space).preset(scale).data;
  return d.kind === 'images' ? d.dataset : 'ptb';
}

/** Where a space's correlation study takes its ground truth from, in one sentence or two. */
export function groundTruthNote(space: string, ctx: ExperimentContext): string {
  if (hasBenchmarkTable(space)) return benchmarkTruth(ctx.dataset).note;
  const p = spaceBinding(space).preset(ctx.scale);
  return (
    `${spaceBinding(space).title}: no benchmark table; the first ${p.study.groundTruthArchs} of the ` +
    `${p.study.scoredArchs} sampled architectures are trained stand-alone (${p.standalone.epochs} ` +
    `epochs, skeleton ${JSON.stringify(p.standaloneSkeleton.net)}) and their validation results are the ground truth; ` +
    'one training per architecture, so no noise ceiling (how well two trainings agree) is known for it.'
  );
}

/** Rank statistics of one checkpoint, ground truth in the metric's units. */
export interface SpaceEpochRow extends Omit<RankMetrics, 'meanAccuracy'> {
  epoch: number;
  /** Mean supernet metric over every scored architecture. */
  meanScore: number;
}

export interface SpaceCorrelationResult extends StudyResult {
  space: string;
  scale: Scale;
  preset: SpacePreset;
  /** 'accuracy' (%, higher is better) or 'perplexity' (lower is better). */
  metric: 'accuracy' | 'perplexity';
  k: number;
  rows: SpaceEpochRow[];
  table: ColumnTable;
  /** arch, score, truth, params per checkpoint (ground-truth architectures only). */
  joined: Array<{ epoch: number; table: ColumnTable }>;
  supernetDir: string;
  groundTruthDir: string;
}

export interface SpaceStudyOptions {
  /** Architectures scored on the supernet / trained stand-alone (default: the preset's). */
  scoredArchs?: number;
  groundTruthArchs?: number;
  /** PTB folder or image dataset source (default: the standard locations). */
  dataDir?: string;
}

/** What the seed reports for the correlation with ground truth on each space. */
const SEED_CORRELATION: Record<
  string,
  { text: string; check: ((peak: number, last: number) => boolean) | null; rule?: string }
> = {
  nb101: {
    text: 'Table 3: Corr-GT 0.618 after 1k epochs, 0.659 after 2k (NAS-Bench-101, SPOS)',
    check: (peak) => Math.abs(peak - 0.618) <= 0.15,
    rule: 'highest ρ within 0.15 of 0.618',
  },
  darts: {
    text: 'Sec. 2 / Fig. 1c: "on DARTS-CIFAR10, correlation achieves 0.54 when trained with 64 epochs, but later decreases to around 0.2"',
    check: (peak) => Math.abs(peak - 0.54) <= 0.15,
    rule: 'highest ρ within 0.15 of 0.54',
  },
  proxyless: {
    text: 'Fig. 8d: no correlation line on ProxylessNAS ("we could not get a fair number of ground truths")',
    check: null,
  },
  'darts-ptb': {
    text: 'Sec. 2 / Fig. 1e: "On PTB, the correlation can be even worse than 0"; Fig. 3: negative GT-correlation',
    check: (_peak, last) => last <= 0.2,
    rule: 'ρ at the longest budget ≤ 0.2 (weak or negative)',
  },
};

/**
 * Rank statistics of supernet scores against ground truth; `lowerIsBetter` for perplexity
 * (top-k then picks the lowest supernet perplexities and reports the lowest true one).
 */
export function spaceRankMetrics(
  archs: readonly string[],
  score: readonly number[],
  truth: readonly number[],
  k: number,
  lowerIsBetter: boolean,
): Omit<SpaceEpochRow, 'epoch' | 'meanScore'> {
  const sign = lowerIsBetter ? -1 : 1;
  const s = score.map((v) => sign * v);
  const t = truth.map((v) => sign * v);
  const kk = Math.min(k, s.length);
  const pick = topK({ score: s, valid: t, test: t }, kk);
  return {
    n: s.length,
    spearman: spearman([...score], [...truth]),
    kendall: kendallTauB([...score], [...truth]),
    topK: sign * pick.test,
    topKArch: archs[pick.index],
    randomTopK: sign * randomTopK(t, t, kk).mean,
    meanTruth: mean([...truth]),
  };
}

/**
 * Correlation vs budget on one of the other spaces: supernet with checkpoints (space runner,
 * run folder reused) -> sampled architectures scored at every kept checkpoint -> stand-alone
 * ground truth of the first `groundTruthArchs` of them -> Spearman / Kendall / top-k per
 * checkpoint, figures, and the "seed reports / we measure / scale" table with a conclusion.
 */
export async function spaceCorrelationVsEpochs(
  space: string,
  options: ExperimentOptions | ExperimentContext = {},
  study: SpaceStudyOptions = {},
): Promise<SpaceCorrelationResult> {
  const t0 = Date.now();
  parseSpace(space, 'spaceCorrelationVsEpochs: space');
  const ctx = resolveContext(options);
  const preset = spaceBinding(space).preset(ctx.scale);
  const dataset = preset.data.kind === 'images' ? preset.data.dataset : 'ptb';
  const name = `${space}-${dataset}-${ctx.scale}-seed${ctx.seed}`;
  const supernetDir = path.join(ctx.runsDir, `supernet-${name}`);
  const groundTruthDir = path.join(ctx.runsDir, `groundtruth-${name}`);
  const progress = createProgress({ bar: false, stream: lineStream(ctx.log) });
  const data = await loadRunData(space, preset.data, preset.skeleton.net, {
    dataDir: study.dataDir,
  });
  const setup = runSetup(preset, data);
  const metric = setup.spec.metric ?? 'accuracy';
  const lower = metric === 'perplexity';
  ctx.log(`${space} (${ctx.scale}): ${data.summary}; supernet ${supernetDir}`);
  const trained = await trainRun({
    runDir: supernetDir,
    config: {
      ...preset.supernet,
      kind: 'supernet',
      space,
      scale: ctx.scale,
      dataset,
      skeleton: preset.skeleton,
      data: preset.data,
      seed: ctx.seed,
      sampler: 'uniform',
      engine: engineInfo()?.name ?? 'unknown',
    },
    data,
    progress,
  });
  ctx.log(
    trained.epochsRun === 0
      ? `reused the finished supernet (${trained.epochsDone} epochs)`
      : `trained ${trained.epochsRun} epoch(s) in ${trained.seconds.toFixed(0)} s`,
  );
  const scored = study.scoredArchs ?? preset.study.scoredArchs;
  const gtCount = Math.min(study.groundTruthArchs ?? preset.study.groundTruthArchs, scored);
  if (gtCount < 3) throw new Error(`need at least 3 ground-truth architectures, got ${gtCount}`);
  const archs = sampleArchs(setup.spec, scored, ctx.seed);
  const gtArchs = archs.slice(0, gtCount);
  const epochs = listCheckpoints(supernetDir);
  const scores = new Map<number, Map<string, number>>();
  for (const epoch of epochs) {
    const r = scoreRun({ runDir: supernetDir, epoch, archs, data, progress });
    scores.set(
      epoch,
      new Map(r.rows.map((row) => [row.arch, lower ? Math.exp(row.loss) : row.accuracy])),
    );
    ctx.log(`scored ${archs.length} architectures at epoch ${epoch} (${r.scored} new)`);
  }
  const gtSettings = preset.standaloneData ?? preset.data;
  const gtData =
    preset.data.kind === 'ptb' || preset.standaloneData
      ? await loadRunData(space, gtSettings, preset.standaloneSkeleton.net, {
          dataDir: study.dataDir,
        })
      : data;
  const gt = runGroundTruth({
    runDir: groundTruthDir,
    config: {
      ...preset.standalone,
      kind: 'groundtruth',
      space,
      scale: ctx.scale,
      dataset,
      skeleton: preset.standaloneSkeleton,
      data: gtSettings,
      seed: ctx.seed,
      sampler: 'uniform',
      engine: engineInfo()?.name ?? 'unknown',
      archs: gtArchs,
    },
    data: gtData,
    progress,
  });
  ctx.log(`ground truth: ${gt.rows.length} architectures (${gt.trained} trained now)`);
  const truth = gt.rows.map((r) =>
    lower ? Math.exp(gt.losses.get(r.arch) ?? NaN) : r.val_accuracy,
  );
  const params = gt.rows.map((r) => r.params);
  const k = Math.min(preset.study.topK[preset.study.topK.length - 1], gtCount - 1);
  const joined: Array<{ epoch: number; table: ColumnTable }> = [];
  const rows: SpaceEpochRow[] = epochs.map((epoch) => {
    const byArch = scores.get(epoch)!;
    const score = gtArchs.map((a) => byArch.get(a)!);
    joined.push({
      epoch,
      table: aq.table({ arch: [...gtArchs], score, truth, params }),
    });
    return {
      epoch,
      ...spaceRankMetrics(gtArchs, score, truth, k, lower),
      meanScore: mean(archs.map((a) => byArch.get(a)!)),
    };
  });
  const table = aq.from(rows);
  return {
    ...studyText(space, ctx, preset, metric, k, rows, joined, supernetDir, archs.length),
    space,
    scale: ctx.scale,
    preset,
    metric,
    k,
    rows,
    table,
    joined,
    supernetDir,
    groundTruthDir,
    runs: [path.basename(supernetDir), path.basename(groundTruthDir)],
    seconds: (Date.now() - t0) / 1000,
  };
}

/** A writable stream that sends whole lines to `log` (progress lines in notebooks). */
function lineStream(log: (line: string) => void): NodeJS.WritableStream {
  let buf = '';
  return {
    write(chunk: string | Uint8Array) {
      buf += typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8');
      let i: number;
      while ((i = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, i).replace(/\r?\x1b\[2K/g, '');
        if (line.trim() !== '') log(line);
        buf = buf.slice(i + 1);
      }
      return true;
    },
  } as unknown as NodeJS.WritableStream;
}

function studyText(
  space: string,
  ctx: ExperimentContext,
  preset: SpacePreset,
  metric: 'accuracy' | 'perplexity',
  k: number,
  rows: SpaceEpochRow[],
  joined: Array<{ epoch: number; table: ColumnTable }>,
  supernetDir: string,
  scoredCount: number,
): Pick<StudyResult, 'title' | 'figures' | 'comparison' | 'conclusion'> {
  const label = spaceBinding(space).title;
  const lower = metric === 'perplexity';
  const unit = (v: number, d = 2) => (lower ? fmt(v, d) : `${fmt(v, d)}%`);
  const metricName = lower ? 'validation perplexity' : 'validation accuracy';
  const first = rows[0];
  const last = rows[rows.length - 1];
  const sp = rows.map((r) => r.spearman);
  const finite = sp.map((v) => (Number.isFinite(v) ? v : -Infinity));
  const peak = rows[argmax(finite)];
  const { fig1, fig8 } = epochFigures(rows, {
    k,
    what: `${label}, ${ctx.scale}`,
    accuracyTitle: `stand-alone ${metricName}${lower ? '' : ' (%)'}`,
    mean: {
      column: 'meanScore',
      label: `mean supernet ${metricName}`,
      metric,
      title: metricName,
    },
  });
  const latest = joined[joined.length - 1];
  const scatter = scoreVsTruthFigure(latest.table, {
    score: 'score',
    truth: 'truth',
    xTitle: `supernet ${metricName} after ${lower ? 'inheriting weights' : 'BN recalibration (%)'}`,
    yTitle: `stand-alone ${metricName}${lower ? '' : ' (%)'}`,
    title: `Supernet vs stand-alone ground truth after ${latest.epoch} epochs (${label})`,
    note: `Spearman ρ = ${fmt(last.spearman)}, Kendall τ-b = ${fmt(last.kendall)}`,
  });

  const means = rows.map((r) => (lower ? -r.meanScore : r.meanScore));
  const tolerance = lower ? 0.02 * Math.abs(first.meanScore) : 0.5;
  const steady = nonDecreasing(means, tolerance);
  const monotoneSp = nonDecreasing(finite);
  const peakIsLast = peak.epoch === last.epoch;
  const gain = lower ? last.randomTopK - last.topK : last.topK - last.randomTopK;
  const p = preset.supernet;
  const scale =
    `${ctx.scale}: ${preset.data.kind === 'images' ? preset.data.dataset : 'PTB'}, ` +
    `${JSON.stringify(preset.skeleton.net)}, ${p.epochs} epochs, batch ${p.batchSize}, LR ${p.lr}; ` +
    `${scoredCount} scored, ${last.n} trained stand-alone (${preset.standalone.epochs} epochs)`;
  const latestTable = latest.table;
  const latestScores = Array.from(latestTable.array('score') as ArrayLike<number>);
  const latestParams = Array.from(latestTable.array('params') as ArrayLike<number>);
  const sizeRho = spearman(latestScores, latestParams);
  const sameSize = new Set(latestParams).size === 1;
  const seedCorr = SEED_CORRELATION[space];
  const trend = monotoneSp
    ? 'never decreased'
    : peakIsLast
      ? 'highest at the last checkpoint, but not monotone'
      : `fell by ${fmt(peak.spearman - last.spearman)} from its peak after ${peak.epoch}`;
  const comparison = comparisonRows(scale, [
    {
      quantity: `Spearman ρ with stand-alone ground truth (${label})`,
      seed: seedCorr.text,
      measured: `ρ = ${fmt(last.spearman)} after ${last.epoch} epochs; highest ${fmt(peak.spearman)} after ${peak.epoch} (${last.n} architectures)`,
      agrees: seedCorr.check ? seedCorr.check(peak.spearman, last.spearman) : null,
      rule: seedCorr.check ? seedCorr.rule : 'the seed gives no number for this space',
    },
    trendRow(rows, trend, scale),
    {
      quantity: `top-${k} vs random top-${k} (longest budget)`,
      seed: 'Sec. 2: "on search spaces where correlation is greater than 0.4, weight-sharing NAS still outperforms random search by a clear margin on top-k"',
      measured: `top-${k} ${unit(last.topK)} vs random ${unit(last.randomTopK)} (${signed(gain, 2)} ${lower ? 'perplexity better' : 'points'}); ρ = ${fmt(last.spearman)}`,
      agrees: last.spearman > 0.4 ? gain > 0 : null,
      rule: 'top-k better than random when ρ > 0.4; n/a otherwise',
    },
    {
      quantity: `Average supernet ${metric} vs epochs`,
      seed: 'App. D / Fig. 8: "extended training will boost supernet performance on all five search spaces … There is no sign of over-fitting"',
      measured: `mean supernet ${metric} ${rows.map((r) => `${r.epoch}: ${unit(r.meanScore, 1)}`).join(', ')}`,
      agrees: steady,
      rule: lower
        ? 'perplexity never rises by more than 2% of the first value'
        : 'never drops by more than 0.5 points',
    },
    {
      quantity: 'Supernet preference for model size',
      seed: 'Sec. 3: "Weight sharing favors big models"',
      measured: sameSize
        ? 'every architecture of this space has the same parameter count'
        : `ρ(supernet ${metric}, parameters) = ${fmt(sizeRho)} after ${last.epoch} epochs`,
      agrees: sameSize || !Number.isFinite(sizeRho) ? null : lower ? sizeRho < 0 : sizeRho > 0,
      rule: sameSize ? 'n/a: equal sizes' : 'supernet scores rise with parameters',
    },
  ]);
  const better = (a: number, b: number) => (lower ? a < b : a > b);
  const conclusion = [
    `On ${label} (${ctx.scale} scale), Spearman ρ between supernet and stand-alone ${metricName} went from ${fmt(first.spearman)} after ${first.epoch} epoch${first.epoch === 1 ? '' : 's'} to ${fmt(last.spearman)} after ${last.epoch}; the highest value, ${fmt(peak.spearman)}, came after ${peak.epoch}.`,
    monotoneSp
      ? 'The ranking improved (or held) with every checkpoint in this run, so it does not show the seed\'s "longer is not better" effect; one small run can neither confirm nor refute it.'
      : peakIsLast
        ? 'The correlation ended at its highest value but did not rise at every checkpoint: more training did not improve the ranking at every step, the seed\'s "no guarantee".'
        : `The correlation peaked after ${peak.epoch} epochs and fell by ${fmt(peak.spearman - last.spearman)} by the last checkpoint: longer training did not give a better ranking here, as the seed warns.`,
    `After ${last.epoch} epochs the supernet's top-${k} pick reaches ${unit(last.topK)} stand-alone, ${better(last.topK, last.randomTopK) ? 'better than' : last.topK === last.randomTopK ? 'the same as' : 'worse than'} the ${unit(last.randomTopK)} expected from ${k} random architectures of the same sample.`,
    `Mean supernet ${metric} ${steady ? 'improved steadily' : 'did not improve steadily'} from ${unit(first.meanScore)} to ${unit(last.meanScore)}; the architectures trained stand-alone average ${unit(last.meanTruth)}.`,
    sameSize
      ? 'All architectures have the same size here, so no size bias can show.'
      : `The supernet's scores correlate with parameter count at ρ ${fmt(sizeRho)}: it ${(lower ? -sizeRho : sizeRho) > 0.1 ? 'favours bigger architectures, as the seed finds' : (lower ? -sizeRho : sizeRho) < -0.1 ? 'favours smaller architectures' : 'is nearly indifferent to size'}.`,
    ctx.scale === 'paper'
      ? "These are the seed's settings (Table 2); differences from the seed come from the data (no ImageNet, CIFAR-10 instead for ProxylessNAS) and the simplified stand-alone training."
      : `At the ${ctx.scale} scale the networks, data and budgets are tiny, so disagreement with the seed says nothing about the paper-scale result; rerun with SUPERNET_LAB_SCALE=paper on a GPU for that.`,
  ];
  return {
    title: `Correlation vs epochs on ${label} (seed 001 Fig. 1 and Fig. 8)`,
    figures: [
      {
        id: `fig1-${space}-correlation-vs-epochs`,
        title: `Fig. 1 (${label}): correlation, top-k and random top-k vs epochs`,
        caption: `Spearman ρ and Kendall τ-b (left) and the stand-alone ${metricName} of the top-${k} pick and of random top-${k} (right) per kept checkpoint.`,
        figure: fig1,
      },
      {
        id: `fig8-${space}-metric-vs-epochs`,
        title: `Fig. 8 (${label}): average supernet ${metric} vs epochs`,
        caption: `Mean supernet ${metricName} of the scored architectures; dotted: mean stand-alone ${metricName} of the ground-truth sample.`,
        figure: fig8,
      },
      trainingFigure(
        `${space}-supernet-training-curves`,
        path.basename(supernetDir),
        readLog(supernetDir),
      ),
      {
        id: `${space}-supernet-vs-groundtruth`,
        title: 'Supernet vs stand-alone ground truth',
        caption: `One point per architecture trained stand-alone, after ${latest.epoch} epochs of the supernet.`,
        figure: scatter,
      },
    ],
    comparison,
    conclusion,
  };
}

/**
 * The correlation-vs-epochs study for any space: NB-201 through notebook 02's experiment (its
 * benchmark table is the ground truth), every other space through `spaceCorrelationVsEpochs`.
 */
export async function anySpaceCorrelationVsEpochs(
  space: StudySpace,
  options: ExperimentOptions | ExperimentContext = {},
  study: SpaceStudyOptions = {},
): Promise<CorrelationVsEpochsResult | SpaceCorrelationResult> {
  const s = parseSpace(space);
  if (hasBenchmarkTable(s)) return correlationVsEpochs(options);
  return spaceCorrelationVsEpochs(s, options, study);
}
