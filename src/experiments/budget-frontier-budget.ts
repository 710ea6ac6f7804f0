/**
 * The budget arithmetic of the budget frontier (notebook 09): where a rank correlation crosses
 * zero along a budget axis, its trend per doubling of the budget, the training throughput this
 * machine measured in `supernet-lab bench` (kernels-data/bench/*.json), and from those what a
 * larger budget would cost in images seen and hours.
 */
import { displayPath } from '../analysis/provenance';
import type { Scale } from '../core/scale';
import { BadInputError } from '../errors';
import { defaultBenchFile, readThroughput, type Throughput } from '../sweep/estimate';

/** A point of a budget series: budget x (> 0) and a statistic y with its interval. */
export interface BudgetValue {
  x: number;
  y: number;
  low?: number;
  high?: number;
}

/** Where a statistic crosses zero along growing budgets. */
export type ZeroCrossing =
  /** Positive at every budget. */
  | { kind: 'positive'; firstClear: number | null }
  /** Not positive at any budget. */
  | { kind: 'never' }
  /** Positive at some budget, but not at the largest (`lastPositive`: the largest one it was). */
  | { kind: 'falls'; lastPositive: number }
  /**
   * Last sign change from <= 0 to > 0 between budgets `from` and `to`; `at` interpolates
   * linearly in log2(budget). `firstClear`: the smallest budget from which every interval lies
   * above 0 (null: none does).
   */
  | { kind: 'crosses'; from: number; to: number; at: number; firstClear: number | null };

function sortedByBudget(points: readonly BudgetValue[]): BudgetValue[] {
  for (const p of points) {
    if (!(p.x > 0) || !Number.isFinite(p.y)) {
      throw new BadInputError(
        `budget series: point (${p.x}, ${p.y}) needs a budget > 0 and a finite value`,
      );
    }
  }
  return [...points].sort((a, b) => a.x - b.x);
}

/** Smallest budget from which the interval's low end stays above 0 (null when none does). */
function firstClearlyPositive(points: readonly BudgetValue[]): number | null {
  let first: number | null = null;
  for (const p of points) {
    const clear = (p.low ?? p.y) > 0;
    if (clear && first === null) first = p.x;
    if (!clear) first = null;
  }
  return first;
}

/** Where the series turns positive for good: see ZeroCrossing. */
export function zeroCrossing(points: readonly BudgetValue[]): ZeroCrossing {
  const s = sortedByBudget(points);
  if (s.length === 0) throw new BadInputError('budget series: no points');
  const firstClear = firstClearlyPositive(s);
  if (s.every((p) => p.y > 0)) return { kind: 'positive', firstClear };
  const last = s[s.length - 1];
  if (last.y <= 0) {
    const positive = s.filter((p) => p.y > 0);
    return positive.length === 0
      ? { kind: 'never' }
      : { kind: 'falls', lastPositive: positive[positive.length - 1].x };
  }
  // The last step from <= 0 to > 0 (after it the series stays positive).
  let i = s.length - 1;
  while (s[i - 1].y > 0) i--;
  const a = s[i - 1];
  const b = s[i];
  const la = Math.log2(a.x);
  const lb = Math.log2(b.x);
  const at = 2 ** (la + ((0 - a.y) * (lb - la)) / (b.y - a.y));
  return { kind: 'crosses', from: a.x, to: b.x, at, firstClear };
}

/** Least-squares line of y on log2(x): the change per doubling of the budget. */
export interface DoublingTrend {
  /** Change of y per doubling of the budget. */
  slope: number;
  /** y at budget 1 (log2 x = 0). */
  intercept: number;
  points: number;
}

export function doublingTrend(points: readonly BudgetValue[]): DoublingTrend {
  const s = sortedByBudget(points);
  if (new Set(s.map((p) => p.x)).size < 2) {
    throw new BadInputError('budget trend: needs at least two different budgets');
  }
  const lx = s.map((p) => Math.log2(p.x));
  const mx = lx.reduce((a, b) => a + b, 0) / s.length;
  const my = s.reduce((a, p) => a + p.y, 0) / s.length;
  let sxy = 0;
  let sxx = 0;
  s.forEach((p, i) => {
    sxy += (lx[i] - mx) * (p.y - my);
    sxx += (lx[i] - mx) ** 2;
  });
  const slope = sxy / sxx;
  return { slope, intercept: my - slope * mx, points: s.length };
}

/** Budget at which the trend line reaches `y` (null when the trend does not rise). */
export function budgetForValue(trend: DoublingTrend, y: number): number | null {
  if (!(trend.slope > 0)) return null;
  return 2 ** ((y - trend.intercept) / trend.slope);
}

/** SPOS training throughput of one bench workload on one engine (`supernet-lab bench`). */
export interface BenchRate {
  /** The bench report (relative to the package when inside it). */
  file: string;
  /** Bench workload: nb201-c16-n5-cifar (the seed's network) or laptop-c8-n1-fmnist. */
  config: string;
  engine: string;
  imagesPerSecond: number;
}

/**
 * Training images per second of the bench workload of `scale` (src/sweep/estimate.ts: paper is
 * the seed's NB-201 C=16 N=5 network, laptop and smoke the laptop one) on `engine`, else on the
 * fastest engine the report measured; null when there is no bench report or no such row.
 */
export function benchRate(scale: Scale, engine: string, file?: string): BenchRate | null {
  let t: Throughput;
  try {
    t = readThroughput(file ?? defaultBenchFile(), scale);
  } catch (err) {
    if (err instanceof BadInputError) return null;
    throw err;
  }
  const ours = Object.entries(t.engines).filter(([e]) => e !== 'pytorch');
  const [name, rate] =
    ours.find(([e]) => e === engine) ?? [...ours].sort((a, b) => b[1].train - a[1].train)[0] ?? [];
  if (!name || !rate) return null;
  return {
    file: displayPath(t.benchFile),
    config: t.config,
    engine: name,
    imagesPerSecond: rate.train,
  };
}

/** Hours to train on `images` images at `imagesPerSecond`. */
export function trainingHours(images: number, imagesPerSecond: number): number {
  return images / imagesPerSecond / 3600;
}

/** '25.0M', '192k', '512' */
export function imagesText(n: number): string {
  if (n >= 1e6) return `${(n / 1e6).toFixed(n >= 1e7 ? 0 : 1)}M`;
  if (n >= 1e4) return `${Math.round(n / 1e3)}k`;
  return String(Math.round(n));
}

/** '49.7 h', '3.2 min', '2.1 days' */
export function hoursText(h: number): string {
  if (!Number.isFinite(h)) return '–';
  if (h < 1) return `${(h * 60).toFixed(1)} min`;
  if (h < 48) return `${h.toFixed(1)} h`;
  if (h < 24 * 365) return `${(h / 24).toFixed(1)} days`;
  return `${(h / 24 / 365).toFixed(1)} years`;
}
