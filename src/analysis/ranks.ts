/**
 * Ranks 1..n (1 = smallest); tied values share the average of the ranks they span ("midranks"),
 * the convention Spearman's rho and Kendall's tau-b are defined with.
 */
export function averageRanks(values: ArrayLike<number>): number[] {
  const n = values.length;
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => values[a] - values[b]);
  const ranks = new Array<number>(n);
  let i = 0;
  while (i < n) {
    let j = i;
    while (j + 1 < n && values[order[j + 1]] === values[order[i]]) j++;
    const rank = (i + j) / 2 + 1;
    for (let k = i; k <= j; k++) ranks[order[k]] = rank;
    i = j + 1;
  }
  return ranks;
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

/** Number of pairs tied within groups of equal values: sum over groups of t(t-1)/2. */
export function tiedPairs(values: ArrayLike<number>): number {
  const sorted = Float64Array.from(values).sort();
  let pairs = 0;
  let i = 0;
  while (i < sorted.length) {
    let j = i;
    while (j + 1 < sorted.length && sorted[j + 1] === sorted[i]) j++;
    const t = j - i + 1;
    pairs += (t * (t - 1)) / 2;
    i = j + 1;
  }
  return pairs;
}
