import { createRng } from '../../src/engine/random';

/** Independent O(n^2) Kendall tau-b straight from the definition (test oracle). */
export function naiveTauB(x: number[], y: number[], yTieThreshold?: number): number {
  let c = 0;
  let d = 0;
  let tx = 0;
  let ty = 0;
  const n = x.length;
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      const dx = x[i] - x[j];
      const dyRaw = y[i] - y[j];
      const yTie =
        yTieThreshold === undefined
          ? dyRaw === 0
          : dyRaw === 0 || Math.abs(dyRaw) < yTieThreshold * (1 - 1e-9);
      if (dx === 0) tx++;
      if (yTie) ty++;
      if (dx === 0 || yTie) continue;
      if (Math.sign(dx) === Math.sign(dyRaw)) c++;
      else d++;
    }
  }
  const p = (n * (n - 1)) / 2;
  return (c - d) / Math.sqrt((p - tx) * (p - ty));
}

/** Independent Spearman: Pearson correlation of midranks computed by counting (O(n^2)). */
export function naiveSpearman(x: number[], y: number[]): number {
  const rank = (v: number[]) =>
    v.map((a) => v.filter((b) => b < a).length + (v.filter((b) => b === a).length + 1) / 2);
  const rx = rank(x);
  const ry = rank(y);
  const mx = rx.reduce((s, v) => s + v, 0) / rx.length;
  const my = ry.reduce((s, v) => s + v, 0) / ry.length;
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  for (let i = 0; i < rx.length; i++) {
    sxy += (rx[i] - mx) * (ry[i] - my);
    sxx += (rx[i] - mx) ** 2;
    syy += (ry[i] - my) ** 2;
  }
  return sxy / Math.sqrt(sxx * syy);
}

/** Pairs of standard normals with correlation rho (Box-Muller, seeded). */
export function correlatedNormals(
  n: number,
  rho: number,
  seed: number,
): { x: number[]; y: number[] } {
  const rng = createRng(seed);
  const x: number[] = [];
  const y: number[] = [];
  for (let i = 0; i < n; i++) {
    const u1 = 1 - rng.next();
    const u2 = rng.next();
    const r = Math.sqrt(-2 * Math.log(u1));
    const z1 = r * Math.cos(2 * Math.PI * u2);
    const z2 = r * Math.sin(2 * Math.PI * u2);
    x.push(z1);
    y.push(rho * z1 + Math.sqrt(1 - rho * rho) * z2);
  }
  return { x, y };
}

/** Random integers in [0, m) - many ties. */
export function randomInts(n: number, m: number, seed: number): number[] {
  const rng = createRng(seed);
  return Array.from({ length: n }, () => rng.int(m));
}

export function close(actual: number, expected: number, tol = 1e-12): boolean {
  return Math.abs(actual - expected) <= tol;
}

/** An NB-201 architecture string with `op` on every edge except edge 3 (0->3) = `op03`. */
export function nb201(op: string, op03: string): string {
  return `|${op}~0|+|${op}~0|${op}~1|+|${op03}~0|${op}~1|${op}~2|`;
}
