/**
 * The study's numbers: how well supernet scores rank architectures against stand-alone ground
 * truth (Spearman, Kendall tau-b), top-k and random top-k (seed 001, Appendix A.2), and the
 * parameter-count baseline.
 */
import { kendallTauB, randomTopK, spearman, topK } from '../analysis';
import { readGroundTruth, readScores, type GroundTruthRow, type ScoreRow } from '../runs/folder';

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
  /** Correlations against the ground-truth test accuracy instead of validation. */
  spearmanTest: number;
  kendallTest: number;
  /** Baseline: parameter count as the predictor. */
  spearmanParams: number;
  /** Size bias: Spearman of supernet scores vs parameter count (seed 001: sharing favours big models). */
  spearmanScoreParams: number;
  topK: TopKSummary[];
  /** The best architecture of the ground-truth sample (by validation accuracy). */
  best: { arch: string; val: number; test: number };
  /** Mean / min / max supernet score of the scored sample. */
  scores: { count: number; mean: number; min: number; max: number };
  groundTruth: { meanVal: number; minVal: number; maxVal: number };
}

export function summarize(
  scores: readonly ScoreRow[],
  truth: readonly GroundTruthRow[],
  epoch: number,
  ks: readonly number[],
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
  return {
    n,
    epoch,
    spearman: spearman(score, val),
    kendall: kendallTauB(score, val),
    spearmanTest: spearman(score, test),
    kendallTest: kendallTauB(score, test),
    spearmanParams: spearman(params, val),
    spearmanScoreParams: spearman(score, params),
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

export function summarizeFiles(
  scoresFile: string,
  groundTruthFile: string,
  epoch: number,
  ks: readonly number[],
) {
  return summarize(readScores(scoresFile), readGroundTruth(groundTruthFile), epoch, ks);
}

/** Human-readable summary lines. */
export function formatSummary(s: StudySummary): string {
  const f = (x: number, d = 3) => (Number.isFinite(x) ? x.toFixed(d) : String(x));
  const lines = [
    `Supernet scores (epoch ${s.epoch}) vs stand-alone ground truth, ${s.n} architectures:`,
    `  Spearman rho   ${f(s.spearman)}   (vs test accuracy ${f(s.spearmanTest)})`,
    `  Kendall tau-b  ${f(s.kendall)}   (vs test accuracy ${f(s.kendallTest)})`,
    `  baseline: Spearman of parameter count vs ground truth ${f(s.spearmanParams)}`,
    `  size bias: Spearman of supernet score vs parameter count ${f(s.spearmanScoreParams)}`,
  ];
  for (const t of s.topK) {
    lines.push(
      `  top-${t.k}: test ${f(t.test, 2)}%  (random top-${t.k}: ${f(t.randomMean, 2)}%)  ${t.arch}`,
    );
  }
  lines.push(
    `  best of the ground-truth sample: val ${f(s.best.val, 2)}%, test ${f(s.best.test, 2)}%  ${s.best.arch}`,
    `  supernet scores of ${s.scores.count} architectures: mean ${f(s.scores.mean, 2)}%, range ${f(s.scores.min, 2)}-${f(s.scores.max, 2)}%`,
    `  ground-truth validation accuracy: mean ${f(s.groundTruth.meanVal, 2)}%, range ${f(s.groundTruth.minVal, 2)}-${f(s.groundTruth.maxVal, 2)}%`,
  );
  return lines.join('\n');
}
