/**
 * Notebook 04 (seed 001 Fig. 3 and Fig. 7): do supernets agree with each other more than with
 * the ground truth? Mutual Spearman correlation of the rankings of the same cells by the base
 * supernet after different budgets (Fig. 3), by supernets of different seeds and settings
 * (Fig. 7: the second-seed run, trained here when missing, plus whatever trick runs of notebook
 * 07 already exist), the parameter count (P) and the ground truth (GT).
 */
import type { ColumnTable } from 'arquero';
import { spearman } from '../analysis/correlation';
import { mutualCorrelation, type CorrelationMatrix } from '../analysis/mutual';
import { alignRuns } from '../analysis/runs';
import { correlationHeatmap } from '../plots/heatmap';
import { formatNb201 } from '../spaces/nb201/arch';
import {
  baseRequest,
  baseStudy,
  joinTruth,
  studyArchs,
  validTruthValues,
  type BaseStudy,
} from './base';
import { resolveContext, type ExperimentContext, type ExperimentOptions } from './context';
import { fmt, mean, comparisonRows, type StudyResult } from './report';
import { ensureSupernet } from './runs';
import { submitScoredRuns } from './queue';
import { existingTrickRuns, finalScores } from './tricks';

export interface MutualSummary {
  /** Mean ρ over pairs of supernet rankings. */
  supernetPairs: number;
  /** Mean ρ of each supernet ranking with GT. */
  supernetVsTruth: number;
  /** Mean ρ of each supernet ranking with P. */
  supernetVsParams: number;
  truthVsParams: number;
  pairs: number;
}

/** Summary of a matrix whose last two labels are 'GT' and 'P'. */
export function summarizeMutual(m: CorrelationMatrix): MutualSummary {
  const gt = m.labels.indexOf('GT');
  const p = m.labels.indexOf('P');
  const nets = m.labels.map((_, i) => i).filter((i) => i !== gt && i !== p);
  const pairs: number[] = [];
  for (let a = 0; a < nets.length; a++) {
    for (let b = a + 1; b < nets.length; b++) pairs.push(m.matrix[nets[a]][nets[b]]);
  }
  return {
    supernetPairs: mean(pairs),
    supernetVsTruth: mean(nets.map((i) => m.matrix[i][gt])),
    supernetVsParams: mean(nets.map((i) => m.matrix[i][p])),
    truthVsParams: m.matrix[gt][p],
    pairs: pairs.length,
  };
}

export interface ConsistentBiasResult extends StudyResult {
  base: BaseStudy;
  budgets: CorrelationMatrix;
  runs7: CorrelationMatrix;
  budgetSummary: MutualSummary;
  runsSummary: MutualSummary;
  /** Spearman of ground truth with params over every valid cell of the benchmark. */
  truthVsParamsAllCells: number;
}

function matrixOf(
  entries: { label: string; table: ColumnTable; column: string }[],
): CorrelationMatrix {
  return mutualCorrelation(
    alignRuns(entries),
    entries.map((e) => e.label),
  );
}

export async function consistentBias(
  options: ExperimentOptions | ExperimentContext = {},
): Promise<ConsistentBiasResult> {
  const t0 = Date.now();
  const ctx = resolveContext(options);
  const seedRequest = baseRequest(ctx, { purpose: 'seed', seed: ctx.settings.tricks.otherSeed });
  // With a queue, both supernets train, and are scored, at once on its workers (a no-op
  // without one): the base supernet at every checkpoint, the seed run at its last epoch.
  const baseReq = baseRequest(ctx);
  await submitScoredRuns(
    ctx,
    [
      { request: baseReq, epochs: baseReq.hyper.checkpointEpochs.concat(baseReq.hyper.epochs) },
      { request: seedRequest, epochs: [seedRequest.hyper.epochs] },
    ],
    studyArchs(ctx.settings.scoredArchs).map((a) => formatNb201(a)),
  );
  const base = await baseStudy(ctx, 'all');
  const { truth } = base;
  const final = base.epochs[base.epochs.length - 1].table;

  // Fig. 3: one supernet, different budgets.
  const budgetEntries = base.epochs.map((e) => ({
    label: `${e.epoch} ep`,
    table: e.table,
    column: 'accuracy',
  }));
  budgetEntries.push({ label: 'P', table: final, column: 'params' });
  budgetEntries.push({ label: 'GT', table: final, column: 'truth' });
  const budgets = matrixOf(budgetEntries);

  // Fig. 7: different seeds (and tricks already trained by notebook 07).
  const seedRun = await ensureSupernet(ctx, seedRequest);
  const runEntries = [
    { label: `seed ${ctx.seed}`, table: final, column: 'accuracy' },
    {
      label: `seed ${ctx.settings.tricks.otherSeed}`,
      table: joinTruth(await finalScores(ctx, seedRun), truth),
      column: 'accuracy',
    },
  ];
  const others = (await existingTrickRuns(ctx)).filter((o) => o.id !== 'seed');
  for (const o of others) {
    runEntries.push({
      label: o.label,
      table: joinTruth(await finalScores(ctx, o.run), truth),
      column: 'accuracy',
    });
  }
  runEntries.push({ label: 'P', table: final, column: 'params' });
  runEntries.push({ label: 'GT', table: final, column: 'truth' });
  const runs7 = matrixOf(runEntries);
  const budgetSummary = summarizeMutual(budgets);
  const runsSummary = summarizeMutual(runs7);
  const allTruth = validTruthValues(truth);
  const allParams = validTruthValues(truth, truth.params);
  const truthVsParamsAllCells = spearman(allTruth, allParams);
  const scale = base.scaleText;
  const consistent = budgetSummary.supernetPairs > budgetSummary.supernetVsTruth;
  const consistentRuns = runsSummary.supernetPairs > runsSummary.supernetVsTruth;
  const comparison = comparisonRows(scale, [
    {
      quantity: 'Supernets after different budgets agree with each other',
      seed: 'Fig. 3 / Sec. 2: "despite trained with different epochs, supernets are highly-agreeable when ranking architectures, even though they can be unanimously wrong"',
      measured: `mean ρ between budgets ${fmt(budgetSummary.supernetPairs)} (${budgetSummary.pairs} pairs) vs mean ρ with GT ${fmt(budgetSummary.supernetVsTruth)}`,
      agrees: consistent,
      rule: 'supernets agree more with each other than with GT',
    },
    {
      quantity: 'Supernets of different seeds / settings agree with each other',
      seed: 'App. C / Fig. 7: "almost all weight sharing methods are correlated with each other, implying that the bias of weight sharing is consistent"; Table 3 Corr-BL 0.915-0.984 (NB-201)',
      measured: `mean ρ between ${runEntries.length - 2} supernets ${fmt(runsSummary.supernetPairs)} vs mean ρ with GT ${fmt(runsSummary.supernetVsTruth)}`,
      agrees: consistentRuns,
      rule: 'supernets agree more with each other than with GT',
    },
    {
      quantity: 'Ground truth vs parameter count',
      seed: 'Sec. 2: model size "can be a fairly good performance estimator baseline" (GT-Param ρ 0.67 on NB-101; NB-201 spans 0.1M to 1.3M parameters)',
      measured: `ρ(GT, P) = ${fmt(budgetSummary.truthVsParams)} on the ${final.numRows()} scored cells, ${fmt(truthVsParamsAllCells)} over all ${allTruth.length} valid cells`,
      scale: `${scale}; the all-cells value is the benchmark itself`,
      agrees: truthVsParamsAllCells > 0.4,
      rule: 'ρ(GT, P) > 0.4 over all cells',
    },
    {
      quantity: 'Supernet vs parameter count',
      seed: 'Sec. 2: "Sometimes, weight sharing even has a higher correlation with model size than its correlation with ground truth"',
      measured: `mean ρ(supernet, P) ${fmt(budgetSummary.supernetVsParams)} vs mean ρ(supernet, GT) ${fmt(budgetSummary.supernetVsTruth)}`,
    },
  ]);
  const conclusion = [
    `Across the ${base.epochs.length} budgets of one supernet, rankings agree with each other at mean ρ ${fmt(budgetSummary.supernetPairs)}, while they agree with the ground truth at mean ρ ${fmt(budgetSummary.supernetVsTruth)}: ${consistent ? "the supernets share a ranking that is not the ground truth's, the consistent bias the seed describes" : 'at this scale the budgets agree with each other less than with the ground truth, so this run does not show the consistent bias'}.`,
    `Supernets with different seeds${others.length ? ' and settings' : ''} agree at mean ρ ${fmt(runsSummary.supernetPairs)} (with GT: ${fmt(runsSummary.supernetVsTruth)}).`,
    `Parameter count alone ranks the scored cells at ρ ${fmt(budgetSummary.truthVsParams)} with the ground truth (all valid cells: ${fmt(truthVsParamsAllCells)}), ${budgetSummary.truthVsParams > budgetSummary.supernetVsTruth ? 'better than' : 'not better than'} the average supernet (${fmt(budgetSummary.supernetVsTruth)}); the supernets correlate with size at mean ρ ${fmt(budgetSummary.supernetVsParams)}.`,
  ];
  return {
    title: 'Consistent bias: mutual correlation (seed 001 Fig. 3 and Fig. 7)',
    base,
    budgets,
    runs7,
    budgetSummary,
    runsSummary,
    truthVsParamsAllCells,
    figures: [
      {
        id: 'fig3-mutual-correlation-budgets',
        title: 'Fig. 3: mutual correlation across budgets',
        caption:
          'Spearman ρ between the rankings of the same cells by the base supernet after each budget, the parameter count (P) and the ground truth (GT).',
        figure: correlationHeatmap(budgets, {
          title: 'Fig. 3: budgets, P and GT',
        }),
      },
      {
        id: 'fig7-mutual-correlation-seeds',
        title: 'Fig. 7: mutual correlation across seeds and settings',
        caption:
          'Spearman ρ between final-epoch rankings of supernets with different seeds (and the settings of notebook 07 that exist), P and GT.',
        figure: correlationHeatmap(runs7, {
          title: 'Fig. 7: seeds/settings, P, GT',
        }),
      },
    ],
    comparison,
    conclusion,
    runs: [base.run.name, seedRun.name, ...others.map((o) => o.run.name)],
    seconds: (Date.now() - t0) / 1000,
  };
}
