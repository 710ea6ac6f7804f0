/**
 * Ranks 1..n (1 = smallest); tied values share the average of the ranks they span ("midranks"),
 * the convention Spearman's rho and Kendall's tau-b are defined with.
 */
export function averageRanks(values: ArrayLike<number>): number[] {
  const n = values.length;
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => values[a] - values[b]);
  const ranks = new Array<number>(n);
  forEachTieRun(
    (k) => values[order[k]],
    0,
    n,
    (i, j) => {
      const rank = (i + j) / 2 + 1;
      for (let k = i; k <= j; k++) ranks[order[k]] = rank;
    },
  );
  return ranks;
}

/**
 * Calls `run(i, j)` for each maximal run i..j of positions in [from, to) whose `key` is equal
 * (positions in sorted order, so equal keys are adjacent).
 */
export function forEachTieRun(
  key: (position: number) => number,
  from: number,
  to: number,
  run: (i: number, j: number) => void,
): void {
  for (let i = from; i < to; ) {
    let j = i;
    while (j + 1 < to && key(j + 1) === key(i)) j++;
    run(i, j);
    i = j + 1;
  }
}

/** Pairs tied within the runs of equal `key` over positions [from, to): sum of t(t-1)/2. */
export function tiedPairsInRuns(
  key: (position: number) => number,
  from: number,
  to: number,
): number {
  let pairs = 0;
  forEachTieRun(key, from, to, (i, j) => {
    const t = j - i + 1;
    pairs += (t * (t - 1)) / 2;
  });
  return pairs;
}

/**
 * Normalised rank in [0, 1]: 0 = lowest value, 1 = highest (midranks for ties). With
 * `higherIsBetter` (default) 1 is the best architecture.
 */
export function normalizedRanks(values: ArrayLike<number>, higherIsBetter = true): number[] {
  const n = values.length;
  if (n === 1) return [0.5];
  return averageRanks(values).map((r) => {
    const u = (r - 1) / (n - 1);
    return higherIsBetter ? u : 1 - u;
  });
}
