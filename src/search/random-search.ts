/**
 * Random search over a discrete space with a supplied scorer (RS-WS scores candidates on a
 * trained supernet; the same routine works with any scorer, e.g. a benchmark table).
 * Candidates are drawn by the caller's seeded sampler; duplicates (by key) are skipped up to a
 * bounded number of redraws, so a small space cannot loop forever.
 */

export interface Scored<A> {
  arch: A;
  key: string;
  /** Higher is better (e.g. validation accuracy in percent). */
  score: number;
  /** Anything else the scorer measured (e.g. loss). */
  extra?: Record<string, number>;
}

export interface RandomSearchOptions<A> {
  /** Number of distinct candidates to score. */
  samples: number;
  /** Draws one candidate (seeded by the caller). */
  sample: () => A;
  /** Identity of a candidate (duplicates by key are scored once). */
  key: (arch: A) => string;
  /** Scores a candidate; higher is better. */
  score: (
    arch: A,
  ) => Promise<Scored<A>['score'] | { score: number; extra?: Record<string, number> }>;
  /** Called after each scored candidate (progress). */
  onScored?: (done: number, total: number, last: Scored<A>) => void;
  /** Redraws allowed per wanted candidate before giving up on uniqueness (default 100). */
  maxRedraws?: number;
}

export interface RandomSearchResult<A> {
  /** Every scored candidate, in the order drawn. */
  candidates: Scored<A>[];
  /** The candidates sorted by score, best first (ties keep draw order). */
  ranked: Scored<A>[];
  best: Scored<A>;
}

export async function randomSearch<A>(
  options: RandomSearchOptions<A>,
): Promise<RandomSearchResult<A>> {
  const { samples, sample, key, score } = options;
  if (!Number.isInteger(samples) || samples < 1) {
    throw new Error(`random search needs a positive integer number of samples, got ${samples}`);
  }
  const maxRedraws = options.maxRedraws ?? 100;
  const seen = new Set<string>();
  const candidates: Scored<A>[] = [];
  let redraws = 0;
  while (candidates.length < samples) {
    const arch = sample();
    const k = key(arch);
    if (seen.has(k)) {
      if (++redraws > maxRedraws * samples) break; // space (nearly) exhausted
      continue;
    }
    seen.add(k);
    const out = await score(arch);
    const s = typeof out === 'number' ? { score: out } : out;
    if (!Number.isFinite(s.score)) throw new Error(`score of ${k} is not finite: ${s.score}`);
    const scored: Scored<A> = {
      arch,
      key: k,
      score: s.score,
      ...(s.extra ? { extra: s.extra } : {}),
    };
    candidates.push(scored);
    options.onScored?.(candidates.length, samples, scored);
  }
  const ranked = candidates
    .map((c, i) => ({ c, i }))
    .sort((a, b) => b.c.score - a.c.score || a.i - b.i)
    .map(({ c }) => c);
  return { candidates, ranked, best: ranked[0] };
}
