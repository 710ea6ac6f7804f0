import * as aq from 'arquero';
import type { ColumnTable } from 'arquero';
import { nb201EdgeOps } from '../../analysis/archops';
import { operatorBias, sizeBias } from '../../analysis/bias';
import { numericColumn, stringColumn } from '../../analysis/columns';
import { mutualCorrelation } from '../../analysis/mutual';
import { percentileRank } from '../../analysis/percentile';
import { provenanceOf } from '../../analysis/provenance';
import { alignRuns, joinWithGroundTruth, type RunFolder } from '../../analysis/runs';
import { prunedSpaces, summarizeByFactor } from '../../analysis/subspaces';
import { correlationSummary } from '../../analysis/summary';
import { topKFromTable } from '../../analysis/topk';
import { operatorBiasFigure, operatorRankFigure } from '../bias';
import { metricVsEpochsFigure, trainingCurvesFigure } from '../epochs';
import { factorFigure } from '../factor';
import { correlationHeatmap } from '../heatmap';
import { scoreVsTruthFigure } from '../scatter';
import { emptySection, mean, round, type ReportContext } from './context';
import type { GroundTruthSource, ReportSection, ReportTable } from './types';

/** Sparse Kendall tie threshold in accuracy points. */
const SPARSE_THRESHOLD = 0.1;

/** The joined table of one epoch with the names the ground-truth columns got. */
export interface JoinedEpoch {
  epoch: number;
  table: ColumnTable;
  valid: string;
  test: string;
  params?: string;
}

/** The supernet score and the epoch's ground-truth columns, as top-k takes them. */
export const topKCols = (j: JoinedEpoch) => ({ score: 'accuracy', valid: j.valid, test: j.test });

/** Joins one score table with ground truth, dropping (and reporting) architectures without it. */
export function joinEpoch(
  run: RunFolder,
  epoch: number,
  scores: ColumnTable,
  gt: GroundTruthSource,
  ctx: ReportContext,
): JoinedEpoch | null {
  const wanted = [...new Set([gt.valid, gt.test, ...(gt.params ? [gt.params] : [])])];
  const joined = joinWithGroundTruth(scores, gt.table, { columns: wanted, onMissing: 'drop' });
  const renamed = (c: string) => (scores.columnNames().includes(c) ? `${c}_gt` : c);
  const dropped = scores.numRows() - joined.numRows();
  if (dropped > 0) {
    ctx.warn(
      `${run.name} epoch ${epoch}: ${dropped} of ${scores.numRows()} scored architectures have no ` +
        `ground truth in ${gt.label}; metrics use the other ${joined.numRows()}`,
    );
  }
  if (joined.numRows() < 3) {
    ctx.warn(`${run.name} epoch ${epoch}: fewer than 3 architectures with ground truth, skipped`);
    return null;
  }
  return {
    epoch,
    table: joined,
    valid: renamed(gt.valid),
    test: renamed(gt.test),
    ...(gt.params ? { params: renamed(gt.params) } : {}),
  };
}

function pow2Factors(n: number, minSize: number): number[] {
  const out: number[] = [];
  for (let f = 1; Math.round(n / f) >= minSize; f *= 2) out.push(f);
  return out;
}

function isNb201(archs: string[]): boolean {
  try {
    archs.forEach((a) => nb201EdgeOps(a));
    return true;
  } catch {
    return false;
  }
}

/** The report section of one supernet run (with or without ground truth). */
export function supernetSection(
  run: RunFolder,
  gt: GroundTruthSource | null,
  ctx: ReportContext,
): { section: ReportSection; latest: JoinedEpoch | null } {
  const section = emptySection(`run-${run.name}`, `Supernet run ${run.name}`);
  const c = run.config;
  section.paragraphs.push(
    `kind ${c.kind ?? '?'}, space ${c.space ?? '?'}, dataset ${c.dataset ?? '?'}, scale ` +
      `${c.scale ?? '?'}, seed ${c.seed ?? '?'}, engine ${c.engine ?? '?'}; ${run.log.length} ` +
      `logged epochs; scores at epochs ${run.scores.map((s) => s.epoch).join(', ') || '(none)'}.`,
  );
  if (run.log.length > 0) {
    section.figures.push(
      ctx.figure(
        `${run.name}-training`,
        'Training curves',
        `Supernet training loss and accuracy per epoch (log.jsonl of ${run.name}).`,
        trainingCurvesFigure(aq.from(run.log), { run: run.name, title: `Training: ${run.name}` }),
      ),
    );
  }
  if (run.scores.length === 0) {
    section.paragraphs.push('No scores/epoch-NNNN.csv yet: nothing to rank.');
    return { section, latest: null };
  }
  if (!gt) {
    ctx.warn(
      `${run.name}: no ground truth (no groundtruth.csv, no ground-truth run of the same space ` +
        `and dataset, and no benchmark table for space ${c.space ?? '?'} / dataset ` +
        `${c.dataset ?? '?'}): rank statistics skipped`,
    );
    section.paragraphs.push('No ground truth for this run: only the training curves are shown.');
    return { section, latest: null };
  }
  section.paragraphs.push(
    `Ground truth: ${gt.label} (select by '${gt.valid}', report '${gt.test}').` +
      (gt.note ? ` Note: ${gt.note}.` : ''),
  );
  if (gt.ceiling) {
    const c = gt.ceiling;
    const m = c.meanOfSeeds;
    const interval = (i: { low: number; high: number } | null) =>
      i ? ` [${round(i.low)}, ${round(i.high)}]` : '';
    section.paragraphs.push(
      `Noise ceiling of this ground truth: two seeds of the same cells agree at Spearman ρ ` +
        `${round(c.spearman)}${interval(c.spearmanCI)} (Kendall τ ${round(c.kendall)}, ${c.n} cells); ` +
        `against the mean of ${m.k.toFixed(1)} seeds no estimator can exceed about ρ ` +
        `${round(m.spearman)}${interval(m.spearmanCI)} (Spearman-Brown, normal noise). Read the ` +
        `correlations below against it.`,
    );
    const prov = provenanceOf(gt.table, { valid: gt.valid });
    ctx.number('noise ceiling: seed vs seed Spearman', c.spearman, prov, { run: run.name });
    ctx.number('noise ceiling: against the mean of seeds', m.spearman, prov, { run: run.name });
  }
  const gtTestAll = numericColumn(gt.table, gt.test, { allowMissing: true }).filter(
    (v) => !Number.isNaN(v),
  );
  const bestGt = Math.max(...gtTestAll);
  const gtProv = provenanceOf(gt.table, { test: gt.test });
  ctx.number('best ground truth of the space', bestGt, gtProv, { run: run.name });

  const joinedEpochs: JoinedEpoch[] = [];
  for (const snap of run.scores) {
    const j = joinEpoch(run, snap.epoch, snap.table, gt, ctx);
    if (j) joinedEpochs.push(j);
  }
  if (joinedEpochs.length === 0) return { section, latest: null };

  const rows: Record<string, unknown>[] = [];
  const table: ReportTable = {
    caption:
      `Rank statistics per epoch: supernet accuracy vs '${gt.valid}' (${ctx.resamples} bootstrap ` +
      `resamples, 95% percentile intervals, seed ${ctx.seed}); top-${ctx.k} reports '${gt.test}' ` +
      `of the best-'${gt.valid}' architecture among the ${ctx.k} best by supernet accuracy; its ` +
      `percentile is among all ${gtTestAll.length} architectures of the ground truth; sparse τ ` +
      `counts ground-truth differences below ${SPARSE_THRESHOLD} points as ties.`,
    columns: [
      'epoch',
      'n',
      'Spearman ρ',
      'ρ 95% CI',
      'Kendall τ-b',
      'τ 95% CI',
      'sparse τ',
      `top-${ctx.k} (%)`,
      `top-${ctx.k} architecture`,
      'percentile',
      `random top-${ctx.k} (%)`,
      'mean supernet acc. (%)',
    ],
    rows: [],
  };
  for (const j of joinedEpochs) {
    const score = numericColumn(j.table, 'accuracy', { what: `${run.name} epoch ${j.epoch}` });
    const valid = numericColumn(j.table, j.valid);
    const s = correlationSummary(score, valid, {
      resamples: Math.max(ctx.resamples, 1),
      noIntervals: ctx.resamples === 0,
      seed: ctx.seed,
      sparseThreshold: SPARSE_THRESHOLD,
    });
    const k = Math.min(ctx.k, score.length);
    const tk = topKFromTable(j.table, topKCols(j), k);
    const pct = percentileRank(gtTestAll, tk.test);
    const prov = provenanceOf(j.table, topKCols(j));
    const where = { run: run.name, epoch: j.epoch };
    ctx.number('n', s.n, prov, where);
    ctx.number('spearman', s.spearman, prov, where);
    ctx.number('kendall', s.kendall, prov, where);
    if (s.spearmanCI) {
      ctx.number('spearmanCI.low', s.spearmanCI.low, prov, where);
      ctx.number('spearmanCI.high', s.spearmanCI.high, prov, where);
      ctx.number('kendallCI.low', s.kendallCI!.low, prov, where);
      ctx.number('kendallCI.high', s.kendallCI!.high, prov, where);
    }
    ctx.number('sparseKendall', s.sparseKendall!.tau, prov, where);
    ctx.number(`top${k}`, tk.test, prov, where);
    ctx.number(`top${k}.arch`, tk.arch, prov, where);
    ctx.number(
      `top${k}.percentile`,
      pct.percentile,
      { ...prov, sources: [...prov.sources] },
      where,
    );
    ctx.number(`randomTop${k}`, tk.randomTopK, prov, where);
    const meanAcc = mean(score);
    ctx.number('mean supernet accuracy', meanAcc, prov, where);
    const meanGt = mean(numericColumn(j.table, j.test));
    ctx.number('mean ground truth of the scored architectures', meanGt, prov, where);
    const ci = (c: { low: number; high: number } | null) =>
      c ? `[${round(c.low)}, ${round(c.high)}]` : null;
    table.rows.push([
      j.epoch,
      s.n,
      round(s.spearman),
      ci(s.spearmanCI),
      round(s.kendall),
      ci(s.kendallCI),
      round(s.sparseKendall!.tau),
      round(tk.test, 2),
      tk.arch,
      round(pct.percentile, 2),
      round(tk.randomTopK, 2),
      round(meanAcc, 2),
    ]);
    rows.push({
      epoch: j.epoch,
      spearman: s.spearman,
      kendall: s.kendall,
      topK: tk.test,
      randomTopK: tk.randomTopK,
      meanAccuracy: meanAcc,
      topKArch: tk.arch ?? '',
      meanGt,
    });
  }
  section.tables.push(table);
  const epochs = rows.map((r) => r.epoch as number);
  const latest = joinedEpochs[joinedEpochs.length - 1];
  section.figures.push(
    ctx.figure(
      `${run.name}-metrics-vs-epochs`,
      'Ranking quality vs epochs',
      `Spearman ρ and Kendall τ-b with ground truth (left), top-${ctx.k}, random top-${ctx.k} ` +
        `and mean supernet accuracy (right); green dash-dot: best ground truth of the space ` +
        `(${round(bestGt, 2)}%); dotted: mean ground truth of the scored architectures (seed Fig. 1, 8).`,
      metricVsEpochsFigure(aq.from(rows), {
        archColumn: 'topKArch',
        bestGroundTruth: bestGt,
        meanGroundTruth: rows[rows.length - 1].meanGt as number,
        k: ctx.k,
        logEpochs:
          epochs.length > 2 && epochs[0] > 0 && epochs[epochs.length - 1] / epochs[0] >= 16,
        title: `Ranking quality over training: ${run.name}`,
      }),
    ),
  );
  const last = rows[rows.length - 1];
  section.figures.push(
    ctx.figure(
      `${run.name}-scatter`,
      'Supernet vs ground truth',
      `Epoch ${latest.epoch}: one point per sampled architecture (hover names it).`,
      scoreVsTruthFigure(latest.table, {
        score: 'accuracy',
        truth: latest.test,
        xTitle: 'supernet accuracy after BN recalibration (%)',
        yTitle: `ground truth ${latest.test} (%)`,
        title: `Supernet vs ground truth, epoch ${latest.epoch}: ${run.name}`,
        note: `Spearman ρ = ${round(last.spearman as number)}, Kendall τ-b = ${round(last.kendall as number)}`,
      }),
    ),
  );
  const latestProv = provenanceOf(latest.table, { score: 'accuracy', truth: latest.test });
  const atLatest = { run: run.name, epoch: latest.epoch };
  const archs = stringColumn(latest.table, 'arch');
  if (archs.length >= 10 && isNb201(archs)) {
    const bias = operatorBias(latest.table, { score: 'accuracy', truth: latest.valid });
    section.figures.push(
      ctx.figure(
        `${run.name}-operator-bias`,
        'Operator bias',
        `Architectures grouped by the op on edge ${bias.mostBiased.edge}; most biased: ` +
          `${bias.mostBiased.op} (mean supernet rank − mean ground-truth rank = ` +
          `${round(bias.mostBiased.bias)}) (seed Fig. 4).`,
        operatorBiasFigure(bias, { title: `Operator bias: ${run.name}` }),
      ),
      ctx.figure(
        `${run.name}-operator-ranks`,
        'Ranks by op and edge',
        'Normalised supernet and ground-truth ranks (1 = best) of the architectures using each op on each edge.',
        operatorRankFigure(bias, { title: `Ranks by op and edge: ${run.name}` }),
      ),
    );
    const top = [...bias.cells].sort((a, b) => Math.abs(b.bias) - Math.abs(a.bias)).slice(0, 6);
    section.tables.push({
      caption: `Most biased (edge, op) cells at epoch ${latest.epoch}: normalised ranks, 1 = best.`,
      columns: ['edge', 'op', 'count', 'supernet rank', 'ground-truth rank', 'bias'],
      rows: top.map((c) => [
        c.edge,
        c.op,
        c.count,
        round(c.meanScoreRank),
        round(c.meanTruthRank),
        round(c.bias),
      ]),
    });
    for (const cell of top) {
      ctx.number(`operatorBias ${cell.edge} ${cell.op}`, cell.bias, latestProv, atLatest);
    }
  }
  if (latest.params) {
    const sb = sizeBias(latest.table, {
      score: 'accuracy',
      truth: latest.valid,
      params: latest.params,
    });
    const w = atLatest;
    ctx.number('sizeBias.scoreVsParams.spearman', sb.scoreVsParams.spearman, sb.provenance, w);
    ctx.number('sizeBias.truthVsParams.spearman', sb.truthVsParams.spearman, sb.provenance, w);
    section.paragraphs.push(
      `Size bias (epoch ${latest.epoch}): Spearman of supernet accuracy with params ` +
        `${round(sb.scoreVsParams.spearman)}, of ground truth with params ` +
        `${round(sb.truthVsParams.spearman)}, of supernet with ground truth ` +
        `${round(sb.scoreVsTruth.spearman)}` +
        (sb.favoursSize
          ? ' - the supernet agrees more with model size than with the ground truth.'
          : '.'),
    );
  }
  const n = latest.table.numRows();
  const factors = pow2Factors(n, Math.max(ctx.k, 3));
  if (factors.length >= 2) {
    for (const keepBy of ['truth', 'estimate'] as const) {
      const p = prunedSpaces(latest.table, topKCols(latest), { keepBy, factors, k: ctx.k });
      section.figures.push(
        ctx.figure(
          `${run.name}-pruned-by-${keepBy}`,
          `Pruned spaces (kept by ${keepBy === 'truth' ? 'ground truth' : 'supernet estimate'})`,
          `Keep the best 1/factor of the ${n} scored architectures by ` +
            `${keepBy === 'truth' ? `'${latest.valid}'` : 'supernet accuracy'}, then measure inside ` +
            `with the same scores (seed Fig. 5; a supernet re-trained on each pruned space is a new run).`,
          factorFigure(summarizeByFactor(p.rows), {
            kind: 'pruned',
            k: ctx.k,
            title: `Pruned by ${keepBy}: ${run.name}`,
          }),
        ),
      );
      for (const r of p.rows) {
        ctx.number(`pruned-by-${keepBy} ${r.factor}x spearman`, r.spearman, p.provenance, atLatest);
      }
    }
  }
  if (joinedEpochs.length >= 2) {
    const mutual = mutualWithinRun(run, joinedEpochs, ctx);
    if (mutual) section.figures.push(mutual);
  }
  return { section, latest };
}

function mutualWithinRun(run: RunFolder, epochs: JoinedEpoch[], ctx: ReportContext) {
  const latest = epochs[epochs.length - 1];
  const entries = epochs.map((e) => ({
    label: `ep ${e.epoch}`,
    table: e.table,
    column: 'accuracy',
  }));
  entries.push({ label: 'GT', table: latest.table, column: latest.valid });
  if (latest.params) entries.push({ label: 'P', table: latest.table, column: latest.params });
  const aligned = alignRuns(entries, { mode: 'intersect' });
  if (aligned.numRows() < 3) {
    ctx.warn(`${run.name}: epochs share fewer than 3 architectures; no mutual correlation`);
    return null;
  }
  const labels = entries.map((e) => e.label);
  const m = mutualCorrelation(aligned, labels);
  ctx.number(`mutual correlation (${labels.join(', ')})`, JSON.stringify(m.matrix), m.provenance, {
    run: run.name,
  });
  return ctx.figure(
    `${run.name}-mutual`,
    'Mutual correlation across budgets',
    `Spearman ρ between the rankings of the supernet after different epochs, ground truth (GT)` +
      `${latest.params ? ' and parameter count (P)' : ''}, over the ${aligned.numRows()} ` +
      `architectures scored at every epoch (seed Fig. 3).`,
    correlationHeatmap(m, { title: `Mutual correlation: ${run.name}` }),
  );
}
