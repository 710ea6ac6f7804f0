/**
 * Notebook 01 (seed 000, the supernet tutorial) on NAS-Bench-201: what a supernet is (every op
 * on every edge; a sub-network is a mask over its weights), single-path training (one sampled
 * architecture per mini-batch), evaluating sub-networks with inherited weights (with and without
 * BatchNorm recalibration), Kendall tau against ground truth, and random vs evolutionary search
 * with the supernet as the evaluator.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as aq from 'arquero';
import type { ColumnTable } from 'arquero';
import { numericColumn } from '../analysis/columns';
import { kendallTauB, spearman } from '../analysis/correlation';
import { Rng } from '../engine/random';
import { loadNb201GroundTruth } from '../groundtruth/nb201';
import { axis, baseLayout, OKABE_ITO, ROLE_COLORS } from '../plots/theme';
import type { PlotlyFigure } from '../plots/types';
import { formatNb201, parseNb201 } from '../spaces/nb201/arch';
import { NB201_EDGES, NB201_OPS, type Nb201Arch } from '../spaces/nb201/definition';
import { nb201ValidOrdinals } from '../spaces/nb201/graph';
import { sampleNb201 } from '../spaces/nb201/sample';
import { scoreArch } from '../evaluate/score';
import { createStandalone, createSupernet } from '../supernet/network';
import { Sgd } from '../core/sgd';
import { trainStep } from '../train/step';
import { readScores, toCsv, writeTableAtomic, checkpointName } from '../runs/folder';
import { imageRunData, loadRunNetworks } from '../train/pipeline';
import { iterateBatches } from '../data/batches';
import { baseStudy, type BaseStudy } from './base';
import { ensureEngine, type ExperimentContext, type ExperimentOptions } from './context';
import { fmt, mean, pct, comparisonRows, type StudyResult } from './report';
import { nb201Settings, runData } from './runs';
import { fillSeed } from '../runs/config';
import { evolutionarySearch, randomSearch, type StrategyResult } from './search-strategies';

export interface SupernetAnatomy {
  edges: number;
  opsPerEdge: number;
  cells: number;
  validCells: number;
  supernetParams: number;
  /** Per example cell: parameters on its path in the supernet and in a stand-alone network. */
  examples: { arch: string; pathParams: number; standaloneParams: number }[];
}

/** Counts of the space and the supernet of the base settings; checks path = stand-alone size. */
export function supernetAnatomy(
  skeleton: { channels: number; cellsPerStage: number; inputChannels: number; classes: number },
  examples: readonly Nb201Arch[],
): SupernetAnatomy {
  const net = createSupernet(skeleton, { seed: 0 });
  try {
    const size = (name: string) =>
      net.variables.trainable.get(name)!.shape.reduce((a, b) => a * b, 1);
    return {
      edges: NB201_EDGES.length,
      opsPerEdge: NB201_OPS.length,
      cells: NB201_OPS.length ** NB201_EDGES.length,
      validCells: nb201ValidOrdinals().length,
      supernetParams: net.parameterCount(),
      examples: examples.map((arch) => {
        const alone = createStandalone(arch, skeleton, { seed: 0 });
        try {
          return {
            arch: formatNb201(arch),
            pathParams: net.pathNames(arch).trainable.reduce((s, n) => s + size(n), 0),
            standaloneParams: alone.parameterCount(),
          };
        } finally {
          alone.dispose();
        }
      }),
    };
  } finally {
    net.dispose();
  }
}

/** A few single-path training steps on a fresh supernet: which cell each mini-batch trained. */
export interface SposStep {
  step: number;
  arch: string;
  loss: number;
  /** Trainable tensors on the sampled path / in the whole supernet. */
  tensorsUpdated: number;
  tensorsTotal: number;
}

export interface BasicsResult extends StudyResult {
  study: BaseStudy;
  anatomy: SupernetAnatomy;
  sposSteps: SposStep[];
  /** Cells scored with the checkpoint's running BN statistics and after recalibration. */
  recalibration: ColumnTable;
  kendall: number;
  spearman: number;
  /** Repetitions of random and evolutionary search with the supernet as evaluator. */
  searches: { repetition: number; random: StrategyResult; evolution: StrategyResult }[];
  /** Ground truth of each search's pick, and the best ground truth among what it evaluated. */
  searchTable: ColumnTable;
  /** Seconds per supernet evaluation (BN recalibration + validation pass). */
  secondsPerEvaluation: number;
}

/** Runs `steps` SPOS steps on a fresh supernet with the base run's data and skeleton. */
async function sposDemo(
  ctx: ExperimentContext,
  study: BaseStudy,
  steps: number,
): Promise<SposStep[]> {
  const c = study.run.config;
  const data = await runData(ctx, c);
  const { channels, cellsPerStage } = nb201Settings(c);
  const net = createSupernet(
    { channels, cellsPerStage, inputChannels: data.inputChannels, classes: data.classes },
    { seed: c.seed },
  );
  const sgd = new Sgd({
    momentum: c.momentum,
    nesterov: c.nesterov ?? false,
    weightDecay: c.weightDecay,
    clipNorm: c.clipNorm,
  });
  try {
    sgd.initBuffers(net.variables.trainable);
    const sampler = new Rng(fillSeed(c.seeds.sampler, { epoch: 1 }));
    const out: SposStep[] = [];
    let step = 0;
    for (const batch of iterateBatches(data.train, {
      batchSize: c.batchSize,
      seed: `experiments/spos-demo/${c.seed}`,
      epoch: 1,
      dropLast: true,
    })) {
      if (step >= steps) break;
      const arch = sampleNb201(sampler);
      const r = trainStep(net, arch, batch.images, batch.labels, batch.shape, sgd, c.lr);
      out.push({
        step: ++step,
        arch: formatNb201(arch),
        loss: r.loss,
        tensorsUpdated: net.pathNames(arch).trainable.length,
        tensorsTotal: net.variables.trainable.size,
      });
    }
    return out;
  } finally {
    sgd.dispose();
    net.dispose();
  }
}

function evaluationsFile(runDir: string, epoch: number): string {
  return path.join(runDir, 'search-evaluations', `${checkpointName(epoch)}.csv`);
}

function traceFigure(
  searches: BasicsResult['searches'],
  truthOf: (arch: string) => number,
  best: number,
  truthLabel: string,
): PlotlyFigure {
  const data: Record<string, unknown>[] = [];
  const add = (key: 'random' | 'evolution', color: string, label: string) => {
    searches.forEach((s, i) => {
      const t = s[key].trace;
      data.push({
        type: 'scatter',
        mode: 'lines',
        name: label,
        legendgroup: key,
        showlegend: i === 0,
        x: t.map((p) => p.evaluations),
        y: t.map((p) => truthOf(p.bestArch)),
        text: t.map((p) => p.bestArch),
        line: { color, width: 2, shape: 'hv' },
        hovertemplate: `${label} (repetition ${i + 1})<br>%{x} evaluations: %{y:.2f}%<br>%{text}<extra></extra>`,
      });
    });
  };
  add('random', ROLE_COLORS.random, 'random search');
  add('evolution', ROLE_COLORS.weightSharing, 'evolutionary search');
  const maxX = Math.max(
    ...searches.flatMap((s) => [s.random.trace.length, s.evolution.trace.length]),
  );
  data.push({
    type: 'scatter',
    mode: 'lines',
    name: 'best valid cell of NB-201',
    x: [1, maxX],
    y: [best, best],
    line: { color: ROLE_COLORS.bestGroundTruth, dash: 'dashdot', width: 2 },
    hovertemplate: `best ${best.toFixed(2)}%<extra></extra>`,
  });
  return {
    data,
    layout: baseLayout('Searching with the supernet as evaluator', {
      xaxis: axis('distinct cells evaluated on the supernet'),
      yaxis: axis(`${truthLabel} of the best-so-far cell (%)`),
    }),
  };
}

function recalibrationFigure(table: ColumnTable): PlotlyFigure {
  const archs = table.array('arch') as string[];
  const labels = archs.map((_, i) => `cell ${i + 1}`);
  return {
    data: [
      {
        type: 'bar',
        name: 'running BN statistics of the checkpoint',
        x: labels,
        y: numericColumn(table, 'withoutRecalibration'),
        marker: { color: ROLE_COLORS.muted },
        text: archs,
        hovertemplate: '%{text}<br>%{y:.2f}%<extra>no recalibration</extra>',
      },
      {
        type: 'bar',
        name: 'BN recalibrated on training images',
        x: labels,
        y: numericColumn(table, 'withRecalibration'),
        marker: { color: OKABE_ITO.blue },
        text: archs,
        hovertemplate: '%{text}<br>%{y:.2f}%<extra>recalibrated</extra>',
      },
    ],
    layout: baseLayout('Inherited weights: validation accuracy with and without BN recalibration', {
      barmode: 'group',
      xaxis: axis('sub-network'),
      yaxis: axis('supernet validation accuracy (%)'),
    }),
  };
}

/**
 * Notebook 01: see the module comment. Reuses the base supernet (trained here when missing);
 * search evaluations are cached in <run>/search-evaluations/ (never mixed into scores/, whose
 * uniformly sampled cells the correlation statistics rely on).
 */
export async function weightSharingBasics(
  options: ExperimentOptions | ExperimentContext = {},
): Promise<BasicsResult> {
  const t0 = Date.now();
  const study = await baseStudy(options, 'final');
  const { ctx, truth, run } = study;
  await ensureEngine();
  const final = study.epochs[study.epochs.length - 1];
  const c = run.config;
  const shape = await runData(ctx, c);
  const skeleton = {
    ...nb201Settings(c),
    inputChannels: shape.inputChannels,
    classes: shape.classes,
  };
  const exampleArchs = [
    parseNb201(
      '|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|skip_connect~0|nor_conv_3x3~1|nor_conv_3x3~2|',
    ),
    parseNb201('|skip_connect~0|+|none~0|skip_connect~1|+|none~0|none~1|skip_connect~2|'),
    parseNb201(
      '|avg_pool_3x3~0|+|nor_conv_1x1~0|skip_connect~1|+|nor_conv_1x1~0|skip_connect~1|avg_pool_3x3~2|',
    ),
  ];
  const anatomy = supernetAnatomy(skeleton, exampleArchs);
  const sposSteps = await sposDemo(ctx, study, 5);

  // Scoring: the same cells with the checkpoint's running BN statistics and recalibrated.
  const data = imageRunData(shape);
  const source = data.source();
  const nDemo = Math.min(8, study.archs.length);
  const demoArchs = study.archs.slice(0, nDemo);
  const recalibrated = numericColumn(final.table, 'accuracy').slice(0, nDemo);
  const truthCol = numericColumn(final.table, 'truth');
  const noCalibration = { batches: 0, batchSize: 1, seed: 'none' };
  const plain = loadRunNetworks(run.dir, data, final.epoch);
  let without: number[];
  try {
    without = demoArchs.map(
      (arch) => scoreArch(plain.nets[0], arch, source, noCalibration, c.evalBatchSize).accuracy,
    );
  } finally {
    plain.dispose();
  }
  const recalibration = aq.table({
    arch: demoArchs.map((a) => formatNb201(a)),
    withoutRecalibration: without,
    withRecalibration: recalibrated,
    truth: truthCol.slice(0, nDemo),
  });

  // Rank agreement on the uniformly sampled cells.
  const score = numericColumn(final.table, 'accuracy');
  const kendall = kendallTauB(score, truthCol);
  const rho = spearman(score, truthCol);

  // Search with the supernet as evaluator (cached evaluations, shared by both strategies).
  const cacheFile = evaluationsFile(run.dir, final.epoch);
  const cache = new Map<string, number>();
  for (const r of readScores(path.join(run.dir, 'scores', `${checkpointName(final.epoch)}.csv`))) {
    cache.set(r.arch, r.accuracy);
  }
  const extra = new Map<string, { accuracy: number; loss: number }>();
  if (fs.existsSync(cacheFile)) {
    for (const r of readScores(cacheFile)) {
      cache.set(r.arch, r.accuracy);
      extra.set(r.arch, { accuracy: r.accuracy, loss: r.loss });
    }
  }
  const loaded = loadRunNetworks(run.dir, data, final.epoch);
  const net = loaded.nets[0];
  const calibration = {
    batches: c.calibrationBatches,
    batchSize: c.calibrationBatchSize,
    seed: c.seeds.calibration,
  };
  let evalSeconds = 0;
  let evalCount = 0;
  const evaluate = (arch: Nb201Arch): number => {
    const key = formatNb201(arch);
    const hit = cache.get(key);
    if (hit !== undefined) return hit;
    const e0 = Date.now();
    const r = scoreArch(net, arch, source, calibration, c.evalBatchSize);
    evalSeconds += (Date.now() - e0) / 1000;
    evalCount++;
    cache.set(key, r.accuracy);
    extra.set(key, { accuracy: r.accuracy, loss: r.loss });
    return r.accuracy;
  };
  // The cost of one evaluation (BN recalibration + validation), timed on a fresh call even when
  // every searched cell turns out to be cached already.
  {
    const e0 = Date.now();
    scoreArch(net, demoArchs[0], source, calibration, c.evalBatchSize);
    evalSeconds += (Date.now() - e0) / 1000;
    evalCount++;
  }
  const { budget, population, parents, repetitions } = ctx.settings.basics;
  const searches: BasicsResult['searches'] = [];
  try {
    for (let rep = 0; rep < repetitions; rep++) {
      const random = randomSearch(evaluate, budget, new Rng(`experiments/basics/random/${rep}`));
      const evolution = evolutionarySearch(
        evaluate,
        { budget, population, parents },
        new Rng(`experiments/basics/evolution/${rep}`),
      );
      searches.push({ repetition: rep + 1, random, evolution });
    }
  } finally {
    loaded.dispose();
    if (extra.size > 0) {
      fs.mkdirSync(path.dirname(cacheFile), { recursive: true });
      writeTableAtomic(
        cacheFile,
        toCsv(
          ['arch', 'accuracy', 'loss'],
          [...extra.entries()].map(([a, v]) => [a, v.accuracy, v.loss]),
        ),
      );
    }
  }
  ctx.log(
    `searches: ${evalCount - 1} new supernet evaluations (${(evalSeconds / evalCount).toFixed(2)} s each)`,
  );
  const gtTable = loadNb201GroundTruth();
  const gtArchs = gtTable.array('arch') as ArrayLike<string>;
  const gtValues = gtTable.array(truth.column) as ArrayLike<number>;
  const gtIndex = new Map<string, number>();
  for (let i = 0; i < gtArchs.length; i++) gtIndex.set(gtArchs[i], Number(gtValues[i]));
  const truthOf = (arch: string) => gtIndex.get(arch) ?? NaN;
  const rows = searches.flatMap((s) =>
    (['random', 'evolution'] as const).map((k) => {
      const r = s[k];
      return {
        strategy: k,
        repetition: s.repetition,
        evaluations: r.evaluated.length,
        pick: r.bestArch,
        supernetAccuracy: r.bestScore,
        truth: truthOf(r.bestArch),
        bestTruthEvaluated: Math.max(...r.evaluated.map((e) => truthOf(e.arch))),
      };
    }),
  );
  const searchTable = aq.from(rows);
  const meanOf = (k: 'random' | 'evolution') =>
    mean(rows.filter((r) => r.strategy === k).map((r) => r.truth));
  const randomMean = meanOf('random');
  const evoMean = meanOf('evolution');
  const secondsPerEvaluation = evalCount > 0 ? evalSeconds / evalCount : NaN;

  // The supernet's favourite among the scored cells vs the ground truth ranking.
  const bestScored = score.indexOf(Math.max(...score));
  const truthRankOfPick = 1 + truthCol.filter((v) => v > truthCol[bestScored]).length;
  const trainSeconds = run.log.reduce((s, e) => s + e.seconds, 0);
  const scale = study.scaleText;
  const comparison = comparisonRows(scale, [
    {
      quantity: 'A sub-network is a mask over the supernet weights',
      seed: '"For architecture a, the subnet weights are w_a = M_a ⊙ W"',
      measured: `supernet ${anatomy.supernetParams} parameters; each example cell's path holds exactly its stand-alone parameter count (${anatomy.examples.map((e) => `${e.pathParams} = ${e.standaloneParams}`).join(', ')})`,
      scale: `${ctx.scale}: C=${nb201Settings(c).channels} N=${nb201Settings(c).cellsPerStage}`,
      agrees: anatomy.examples.every((e) => e.pathParams === e.standaloneParams),
      rule: 'path size equals stand-alone size',
    },
    {
      quantity: 'Cost of evaluating a sub-network',
      seed: '"Once the supernet is trained, any architecture can be evaluated … evaluation takes seconds instead of hours"',
      measured: Number.isFinite(secondsPerEvaluation)
        ? `${secondsPerEvaluation.toFixed(2)} s per cell (BN recalibration + validation) after ${trainSeconds.toFixed(0)} s of supernet training for all ${anatomy.validCells} valid cells`
        : `every searched cell was already scored (cached); supernet training took ${trainSeconds.toFixed(0)} s for all ${anatomy.validCells} valid cells`,
      agrees: Number.isFinite(secondsPerEvaluation) ? secondsPerEvaluation < 60 : null,
      rule: 'under a minute per cell',
    },
    {
      quantity: 'Kendall τ, supernet vs ground truth (NB-201)',
      seed: 'Table "Study / Search Space / Kendall τ": Zela et al. 2020, NAS-Bench-201, ~0.5-0.7, "moderate correlation; depends on training"',
      measured: `τ-b = ${fmt(kendall)} (Spearman ρ = ${fmt(rho)}) over ${score.length} uniformly sampled cells`,
      agrees: kendall >= 0.5 && kendall <= 0.7,
      rule: 'τ in [0.5, 0.7]',
    },
    {
      quantity: 'Is the supernet favourite the best cell?',
      seed: '"The best architecture by supernet evaluation may not be best when trained standalone"',
      measured: `the best-scored of ${score.length} cells ranks #${truthRankOfPick} by ${truth.label}`,
    },
    {
      quantity: 'Random vs evolutionary search on the supernet',
      seed: 'Two-stage pipeline: "applies any search strategy (random, evolution, RL) using supernet performance as a proxy"',
      measured: `${budget} evaluations each, ${repetitions} repetitions: random picks ${pct(randomMean)}, evolution ${pct(evoMean)} mean ${truth.label}; best valid cell ${pct(study.bestTruth)}`,
    },
  ]);
  const recalGain = mean(recalibrated) - mean(without);
  const conclusion = [
    `The supernet holds ${anatomy.supernetParams} parameters for ${anatomy.validCells} valid cells; a cell's path in it has exactly as many parameters as the cell trained alone, so a sub-network is a mask over shared weights.`,
    `Each SPOS step trains one sampled cell: in the demo, ${sposSteps.length} steps updated ${Math.min(...sposSteps.map((s) => s.tensorsUpdated))}-${Math.max(...sposSteps.map((s) => s.tensorsUpdated))} of the supernet's ${sposSteps[0]?.tensorsTotal ?? 0} weight tensors each.`,
    `With inherited weights, recalibrating BatchNorm on training images changed the mean validation accuracy of ${nDemo} cells from ${pct(mean(without))} to ${pct(mean(recalibrated))} (${recalGain >= 0 ? '+' : ''}${recalGain.toFixed(2)} points).`,
    `Over ${score.length} uniformly sampled cells the supernet's ranking has Kendall τ-b ${fmt(kendall)} with ${truth.label}` +
      (kendall >= 0.5 && kendall <= 0.7
        ? ", inside the tutorial's 0.5-0.7 range for NAS-Bench-201."
        : `, ${kendall < 0.5 ? 'below' : 'above'} the tutorial's 0.5-0.7 range for NAS-Bench-201 (a smaller supernet and budget than the studies it cites).`),
    `With ${budget} supernet evaluations, ${evoMean > randomMean ? 'evolutionary search found better cells than random search' : evoMean < randomMean ? 'random search found better cells than evolutionary search' : 'random and evolutionary search did equally well'} (mean ${truth.label} of the pick: evolution ${pct(evoMean)}, random ${pct(randomMean)}, over ${repetitions} repetitions); the best valid cell reaches ${pct(study.bestTruth)}.`,
  ];
  return {
    title: 'Weight-sharing basics (seed 000)',
    study,
    anatomy,
    sposSteps,
    recalibration,
    kendall,
    spearman: rho,
    searches,
    searchTable,
    secondsPerEvaluation,
    figures: [
      {
        id: 'basics-bn-recalibration',
        title: 'BN recalibration',
        caption:
          'Validation accuracy of sub-networks with inherited weights, before and after BatchNorm recalibration.',
        figure: recalibrationFigure(recalibration),
      },
      {
        id: 'basics-search-traces',
        title: 'Random vs evolutionary search on the supernet',
        caption: `Ground truth (${truth.label}) of the best-so-far cell (by supernet accuracy) vs evaluations; one line per repetition.`,
        figure: traceFigure(searches, truthOf, study.bestTruth, truth.label),
      },
    ],
    comparison,
    conclusion,
    runs: [run.name],
    seconds: (Date.now() - t0) / 1000,
  };
}
