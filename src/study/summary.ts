/**
 * The study's numbers: how well supernet scores rank architectures against stand-alone ground
 * truth (Spearman, Kendall tau-b, with bootstrap 95 % intervals), top-k and random top-k (seed
 * 001, Appendix A.2), the parameter-count baseline and size bias, the ground truth's noise
 * ceiling when it has two seeds per cell, and the regime those numbers put the study in.
 */
import { correlationSummary, kendallTauB, randomTopK, spearman, topK } from '../analysis';
import type { ConfidenceInterval } from '../analysis/bootstrap';
import type { NoiseCeiling } from '../analysis/ceiling';
import { readGroundTruth, readScores, type GroundTruthRow, type ScoreRow } from '../runs/folder';
import { regimeSentences } from './regime';
import type { SeedReference } from './seed-reference';

export interface TopKSummary {
  k: number;
  /** Test accuracy of the best-validation architecture among the k best supernet scores. */
  test: number;
  arch: string;
  /** Expected value of the same procedure with k architectures drawn at random. */
  randomMean: number;
}

export interface StudySummary {
  /** Architectures with both a supernet score and ground truth. */
  n: number;
  epoch: number;
  spearman: number;
  kendall: number;
  /** Bootstrap 95 % intervals (null below 3 architectures). */
  spearmanCI: ConfidenceInterval | null;
  kendallCI: ConfidenceInterval | null;
  /** Correlations against the ground-truth test accuracy instead of validation. */
  spearmanTest: number;
  kendallTest: number;
  /** Baseline: parameter count as the predictor. */
  spearmanParams: number;
  /** Size bias: Spearman of supernet scores vs parameter count (seed 001: sharing favours big models). */
  spearmanScoreParams: number;
  spearmanScoreParamsCI: ConfidenceInterval | null;
  /** The ground truth's noise ceiling (null: one training per cell). */
  ceiling: NoiseCeiling | null;
  /** The regime in words, from the numbers above (src/study/regime.ts). */
  regime: string[];
  topK: TopKSummary[];
  /** The best architecture of the ground-truth sample (by validation accuracy). */
  best: { arch: string; val: number; test: number };
  /** Mean / min / max supernet score of the scored sample. */
  scores: { count: number; mean: number; min: number; max: number };
  groundTruth: { meanVal: number; minVal: number; maxVal: number };
}

export interface SummaryOptions {
  /** Noise ceiling of the ground truth over the compared cells. */
  ceiling?: NoiseCeiling | null;
  /** Seed 001's values for this space (src/study/seed-reference.ts). */
  reference?: SeedReference | null;
  /** Bootstrap resamples (default 1000) and seed (default 0) of the intervals. */
  resamples?: number;
  seed?: number;
}

export function summarize(
  scores: readonly ScoreRow[],
  truth: readonly GroundTruthRow[],
  epoch: number,
  ks: readonly number[],
  options: SummaryOptions = {},
): StudySummary {
  const byArch = new Map(scores.map((s) => [s.arch, s]));
  const joined = truth.filter((t) => byArch.has(t.arch));
  const n = joined.length;
  if (n < 2) {
    throw new Error(`need at least 2 architectures with both a score and ground truth, got ${n}`);
  }
  const score = joined.map((t) => byArch.get(t.arch)!.accuracy);
  const val = joined.map((t) => t.val_accuracy);
  const test = joined.map((t) => t.test_accuracy);
  const params = joined.map((t) => t.params);
  const topKs = ks
    .filter((k) => k <= n)
    .map((k) => {
      const pick = topK({ score, valid: val, test }, k);
      return {
        k,
        test: pick.test,
        arch: joined[pick.index].arch,
        randomMean: randomTopK(val, test, k).mean,
      };
    });
  let bestIdx = 0;
  joined.forEach((t, i) => {
    if (t.val_accuracy > joined[bestIdx].val_accuracy) bestIdx = i;
  });
  const acc = scores.map((s) => s.accuracy);
  const bootstrap = {
    resamples: options.resamples ?? 1000,
    seed: options.seed ?? 0,
    noIntervals: n < 3,
  };
  const vsVal = correlate(score, val, bootstrap);
  const vsTest = correlate(score, test, { ...bootstrap, noIntervals: true });
  const size = correlate(score, params, bootstrap);
  const spearmanParams = spearman(params, val);
  const ceiling = options.ceiling ?? null;
  return {
    n,
    epoch,
    spearman: vsVal.spearman,
    kendall: vsVal.kendall,
    spearmanCI: vsVal.spearmanCI,
    kendallCI: vsVal.kendallCI,
    spearmanTest: vsTest.spearman,
    kendallTest: vsTest.kendall,
    spearmanParams,
    spearmanScoreParams: size.spearman,
    spearmanScoreParamsCI: size.spearmanCI,
    ceiling,
    regime: regimeSentences({
      epoch,
      spearman: vsVal.spearman,
      spearmanCI: vsVal.spearmanCI,
      scoreParams: size.spearman,
      scoreParamsCI: size.spearmanCI,
      truthParams: spearmanParams,
      ceiling,
      reference: options.reference ?? null,
    }),
    topK: topKs,
    best: {
      arch: joined[bestIdx].arch,
      val: joined[bestIdx].val_accuracy,
      test: joined[bestIdx].test_accuracy,
    },
    scores: {
      count: acc.length,
      mean: acc.reduce((a, b) => a + b, 0) / acc.length,
      min: Math.min(...acc),
      max: Math.max(...acc),
    },
    groundTruth: {
      meanVal: val.reduce((a, b) => a + b, 0) / n,
      minVal: Math.min(...val),
      maxVal: Math.max(...val),
    },
  };
}

/** correlationSummary, or plain rho / tau-b below its 3 pairs (no intervals there). */
function correlate(
  x: number[],
  y: number[],
  options: { resamples: number; seed: number; noIntervals: boolean },
) {
  if (x.length >= 3) return correlationSummary(x, y, options);
  return {
    spearman: spearman(x, y),
    kendall: kendallTauB(x, y),
    spearmanCI: null,
    kendallCI: null,
  };
}

export function summarizeFiles(
  scoresFile: string,
  groundTruthFile: string,
  epoch: number,
  ks: readonly number[],
  options: SummaryOptions = {},
) {
  return summarize(readScores(scoresFile), readGroundTruth(groundTruthFile), epoch, ks, options);
}

/** Human-readable summary lines. */
export function formatSummary(s: StudySummary, truthLabel?: string): string {
  const f = (x: number, d = 3) => (Number.isFinite(x) ? x.toFixed(d) : String(x));
  const ci = (i: { low: number; high: number } | null) =>
    i ? `  95% CI [${f(i.low)}, ${f(i.high)}]` : '';
  const lines = [
    `Supernet scores (epoch ${s.epoch}) vs ${truthLabel ?? 'stand-alone ground truth'}, ${s.n} architectures:`,
    `  Spearman rho   ${f(s.spearman)}${ci(s.spearmanCI)}   (vs test accuracy ${f(s.spearmanTest)})`,
    `  Kendall tau-b  ${f(s.kendall)}${ci(s.kendallCI)}   (vs test accuracy ${f(s.kendallTest)})`,
  ];
  const c = s.ceiling;
  if (c) {
    lines.push(
      `  noise ceiling: seed vs seed Spearman ${f(c.spearman)}${ci(c.spearmanCI)}, Kendall ${f(c.kendall)} (${c.n} cells);`,
      `    best possible against the mean of ${c.meanOfSeeds.k.toFixed(1)} seeds: Spearman ${f(c.meanOfSeeds.spearman)}${ci(c.meanOfSeeds.spearmanCI)}, Kendall ${f(c.meanOfSeeds.kendall)}`,
    );
  } else {
    lines.push('  noise ceiling: unknown (one stand-alone training per architecture)');
  }
  lines.push(
    `  baseline: Spearman of parameter count vs ground truth ${f(s.spearmanParams)}`,
    `  size bias: Spearman of supernet score vs parameter count ${f(s.spearmanScoreParams)}${ci(s.spearmanScoreParamsCI)}`,
  );
  for (const t of s.topK) {
    lines.push(
      `  top-${t.k}: test ${f(t.test, 2)}%  (random top-${t.k}: ${f(t.randomMean, 2)}%)  ${t.arch}`,
    );
  }
  lines.push(
    `  best ground truth of the ${s.n} compared: val ${f(s.best.val, 2)}%, test ${f(s.best.test, 2)}%  ${s.best.arch}`,
    `  supernet scores of ${s.scores.count} architectures: mean ${f(s.scores.mean, 2)}%, range ${f(s.scores.min, 2)}-${f(s.scores.max, 2)}%`,
    `  ground-truth validation accuracy: mean ${f(s.groundTruth.meanVal, 2)}%, range ${f(s.groundTruth.minVal, 2)}-${f(s.groundTruth.maxVal, 2)}%`,
    'Regime:',
    ...s.regime.map((r) => `  - ${r}`),
  );
  return lines.join('\n');
}
