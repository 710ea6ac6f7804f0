/**
 * The regime a study is in, in words chosen from its numbers: the sign and size of each
 * correlation, whether its 95 % interval includes 0, how it compares with the ground truth's
 * noise ceiling, and what seed 001 reports at its own budget. Nothing here is a fixed verdict.
 */
import type { NoiseCeiling } from '../analysis/ceiling';
import type { SeedReference } from './seed-reference';

export interface Interval {
  low: number;
  high: number;
}

export interface RegimeInput {
  /** Supernet epochs behind the scores. */
  epoch: number;
  /** rho(score, ground truth) and its interval. */
  spearman: number;
  spearmanCI: Interval | null;
  /** Size bias rho(score, params) and its interval. */
  scoreParams: number;
  scoreParamsCI: Interval | null;
  /** rho(params, ground truth): what size alone predicts. */
  truthParams: number;
  ceiling: NoiseCeiling | null;
  reference: SeedReference | null;
}

const f = (x: number) => (Number.isFinite(x) ? x.toFixed(2) : String(x));
const ci = (i: Interval | null) => (i ? ` [${f(i.low)}, ${f(i.high)}]` : ' (no interval)');

/** -1: clearly below 0, 0: the interval includes 0 (or there is none and x is 0), 1: above. */
function sign(x: number, i: Interval | null): -1 | 0 | 1 {
  if (i) return i.high < 0 ? -1 : i.low > 0 ? 1 : 0;
  return x < 0 ? -1 : x > 0 ? 1 : 0;
}

function rankingSentence(r: RegimeInput): string {
  const budget = `at this budget (${r.epoch} supernet epoch${r.epoch === 1 ? '' : 's'})`;
  const rho = `rho = ${f(r.spearman)}${ci(r.spearmanCI)}`;
  const s = sign(r.spearman, r.spearmanCI);
  let text: string;
  if (s === 0) text = `${budget} the supernet ranks cells no better than chance: ${rho}`;
  else if (s < 0)
    text = `${budget} the supernet ranks cells in the reverse order of the ground truth: ${rho}`;
  else if (r.ceiling && r.spearmanCI && r.spearmanCI.high >= ceilingLow(r.ceiling)) {
    text =
      `${budget} the supernet ranks cells as well as the ground truth's noise allows: ${rho}, ` +
      `ceiling ${f(r.ceiling.meanOfSeeds.spearman)}`;
  } else if (r.ceiling) {
    text =
      `${budget} the supernet ranks cells better than chance but below the noise ceiling: ${rho}, ` +
      `ceiling ${f(r.ceiling.meanOfSeeds.spearman)} (${Math.round((100 * r.spearman) / r.ceiling.meanOfSeeds.spearman)} % of it)`;
  } else text = `${budget} the supernet ranks cells better than chance: ${rho}`;
  if (r.reference) {
    const ref = r.reference;
    const far = r.spearmanCI
      ? r.spearmanCI.high < ref.spearman.value
      : r.spearman < ref.spearman.value;
    text +=
      `; seed 001 reports rho ${f(ref.spearman.value)} at ${ref.epochs} epochs` +
      (far ? ', above this run' : ', within reach of this run');
  }
  return text;
}

function ceilingLow(c: NoiseCeiling): number {
  return c.meanOfSeeds.spearmanCI?.low ?? c.meanOfSeeds.spearman;
}

function sizeSentence(r: RegimeInput): string {
  const rho = `rho(score, params) = ${f(r.scoreParams)}${ci(r.scoreParamsCI)}`;
  const truth = `rho(ground truth, params) = ${f(r.truthParams)}`;
  const s = sign(r.scoreParams, r.scoreParamsCI);
  const ref = r.reference;
  const seed = (agrees: boolean) =>
    ref
      ? `; seed 001 reports ${agrees ? 'the same' : 'the opposite'} (weight sharing favours big models) at ${ref.epochs} epochs`
      : '';
  if (s === 0)
    return `no clear size preference: ${rho} (${truth})${ref ? `; seed 001 reports a preference for big models at ${ref.epochs} epochs` : ''}`;
  if (s < 0) {
    return `at this budget the supernet prefers small, parameter-free cells: ${rho} (${truth})${seed(ref?.sizeBias.sign === -1)}`;
  }
  return `the supernet prefers big cells: ${rho} (${truth})${seed(ref?.sizeBias.sign === 1)}`;
}

function ceilingSentence(c: NoiseCeiling | null): string {
  if (!c) {
    return 'no noise ceiling: the ground truth has one training per cell (the shipped laptop table has two seeds)';
  }
  const agree = `two trainings of the same cell agree at rho = ${f(c.spearman)}${ci(c.spearmanCI)} (${c.n} cells)`;
  const cap =
    `against the mean of ${c.meanOfSeeds.k.toFixed(1)} seeds no estimator can exceed about ` +
    `rho ${f(c.meanOfSeeds.spearman)}${ci(c.meanOfSeeds.spearmanCI)}`;
  const s = sign(c.spearman, c.spearmanCI);
  if (s <= 0)
    return `noise ceiling: ${agree}: the ground truth's budget does not separate cells, so no correlation against it means anything`;
  if (c.spearman < 0.5) return `noise ceiling: ${agree}, a noisy ground truth; ${cap}`;
  return `noise ceiling: ${agree}; ${cap}`;
}

/** Sentences: the ranking, the size bias, the noise ceiling. */
export function regimeSentences(input: RegimeInput): string[] {
  return [rankingSentence(input), sizeSentence(input), ceilingSentence(input.ceiling)];
}
