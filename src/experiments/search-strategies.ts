/**
 * Search strategies that use a cheap evaluator (seed 000's two-stage pipeline: train the supernet
 * once, then search with supernet accuracy as the proxy): random search and the evolutionary
 * search of the tutorial (keep the best `parents` of the population, refill it with mutated
 * copies of random parents). Both count distinct evaluated architectures against the budget and
 * record the best-so-far after every evaluation.
 */
import { formatNb201 } from '../spaces/nb201/arch';
import type { Nb201Arch } from '../spaces/nb201/definition';
import { mutateNb201, sampleNb201 } from '../spaces/nb201/sample';
import type { RandomSource } from '../spaces/types';

/** Best-so-far after the n-th distinct evaluation. */
export interface TracePoint {
  evaluations: number;
  bestScore: number;
  bestArch: string;
}

export interface StrategyResult {
  strategy: 'random' | 'evolution';
  /** The architecture with the best evaluator score, and that score. */
  bestArch: string;
  bestScore: number;
  /** Every distinct architecture evaluated, in order, with its score. */
  evaluated: { arch: string; score: number }[];
  trace: TracePoint[];
}

/** Counts distinct evaluations and keeps the trace. */
class Budgeted {
  readonly seen = new Map<string, number>();
  readonly evaluated: { arch: string; score: number }[] = [];
  readonly trace: TracePoint[] = [];
  constructor(
    private readonly evaluate: (arch: Nb201Arch) => number,
    readonly budget: number,
  ) {
    if (!Number.isInteger(budget) || budget < 1) {
      throw new Error(`search budget must be a positive integer, got ${budget}`);
    }
  }
  get used(): number {
    return this.evaluated.length;
  }
  get exhausted(): boolean {
    return this.used >= this.budget;
  }
  score(arch: Nb201Arch): number {
    const key = formatNb201(arch);
    const hit = this.seen.get(key);
    if (hit !== undefined) return hit;
    const s = this.evaluate(arch);
    if (!Number.isFinite(s)) throw new Error(`the evaluator returned ${s} for ${key}`);
    this.seen.set(key, s);
    this.evaluated.push({ arch: key, score: s });
    const prev = this.trace[this.trace.length - 1];
    this.trace.push(
      !prev || s > prev.bestScore
        ? { evaluations: this.used, bestScore: s, bestArch: key }
        : { ...prev, evaluations: this.used },
    );
    return s;
  }
  result(strategy: StrategyResult['strategy']): StrategyResult {
    const last = this.trace[this.trace.length - 1];
    return {
      strategy,
      bestArch: last.bestArch,
      bestScore: last.bestScore,
      evaluated: this.evaluated,
      trace: this.trace,
    };
  }
}

/** Uniformly sampled valid cells, the best by the evaluator after `budget` distinct ones. */
export function randomSearch(
  evaluate: (arch: Nb201Arch) => number,
  budget: number,
  rng: RandomSource,
): StrategyResult {
  const b = new Budgeted(evaluate, budget);
  let draws = 0;
  while (!b.exhausted) {
    b.score(sampleNb201(rng));
    if (++draws > budget * 1000) throw new Error('random search could not find new cells');
  }
  return b.result('random');
}

export interface EvolutionOptions {
  budget: number;
  /** Population size (the tutorial's population_size). */
  population: number;
  /** Best individuals kept as parents each generation (the tutorial's top_k). */
  parents: number;
}

/**
 * Evolutionary search as in seed 000: a random initial population; each generation keeps the
 * `parents` best and fills the population with one-edge mutations of randomly chosen parents
 * (mutations that give an already evaluated cell are redrawn a few times). Stops when `budget`
 * distinct cells have been evaluated.
 */
export function evolutionarySearch(
  evaluate: (arch: Nb201Arch) => number,
  options: EvolutionOptions,
  rng: RandomSource,
): StrategyResult {
  const { population, parents } = options;
  if (!Number.isInteger(population) || population < 2) {
    throw new Error(`population must be an integer >= 2, got ${population}`);
  }
  if (!Number.isInteger(parents) || parents < 1 || parents >= population) {
    throw new Error(`parents must be an integer in [1, population), got ${parents}`);
  }
  const b = new Budgeted(evaluate, options.budget);
  let pop: Nb201Arch[] = [];
  while (pop.length < population && !b.exhausted) {
    const a = sampleNb201(rng);
    if (b.seen.has(formatNb201(a))) continue;
    b.score(a);
    pop.push(a);
  }
  while (!b.exhausted) {
    const ranked = [...pop].sort((x, y) => b.score(y) - b.score(x));
    const kept = ranked.slice(0, parents);
    const children: Nb201Arch[] = [];
    while (kept.length + children.length < population && !b.exhausted) {
      const parent = kept[Math.min(kept.length - 1, Math.floor(rng.next() * kept.length))];
      let child = mutateNb201(parent, rng);
      for (let tries = 0; tries < 20 && b.seen.has(formatNb201(child)); tries++) {
        child = mutateNb201(tries % 2 === 0 ? child : parent, rng);
      }
      // A neighbourhood already explored: a fresh random cell keeps the budget moving.
      for (let tries = 0; tries < 1000 && b.seen.has(formatNb201(child)); tries++) {
        child = sampleNb201(rng);
      }
      b.score(child);
      children.push(child);
    }
    pop = [...kept, ...children];
  }
  return b.result('evolution');
}
