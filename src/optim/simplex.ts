/**
 * Architecture weights as plain numbers: one row per edge, one column per candidate op.
 * DARTS keeps unconstrained logits alpha (mixing weights = row-wise softmax); GAEA keeps theta
 * directly on the product of per-edge probability simplices. Everything here is pure and exact in
 * float64; tensors only appear where a network consumes the mixing weights.
 */

/** Rows = edges, columns = candidate ops. */
export type ArchMatrix = number[][];

/** A matrix of the given shape filled with one value. */
export function filledMatrix(edges: number, ops: number, value: number): ArchMatrix {
  checkShape(edges, ops);
  return Array.from({ length: edges }, () => new Array<number>(ops).fill(value));
}

/** Every edge uniform over its ops: the usual GAEA start (and softmax of all-zero DARTS logits). */
export function uniformSimplex(edges: number, ops: number): ArchMatrix {
  return filledMatrix(edges, ops, 1 / ops);
}

function checkShape(edges: number, ops: number): void {
  if (!Number.isInteger(edges) || edges < 1)
    throw new Error(`edges must be a positive integer, got ${edges}`);
  if (!Number.isInteger(ops) || ops < 1)
    throw new Error(`ops must be a positive integer, got ${ops}`);
}

/** Throws unless `m` is a non-empty rectangular matrix of finite numbers. */
export function assertFiniteMatrix(m: ArchMatrix, name: string): void {
  if (!Array.isArray(m) || m.length === 0) throw new Error(`${name} must be a non-empty matrix`);
  const cols = m[0].length;
  if (cols === 0) throw new Error(`${name} must have at least one column`);
  m.forEach((row, e) => {
    if (row.length !== cols)
      throw new Error(`${name} row ${e} has ${row.length} entries, expected ${cols}`);
    row.forEach((v, o) => {
      if (!Number.isFinite(v)) throw new Error(`${name}[${e}][${o}] is not finite: ${v}`);
    });
  });
}

/** Throws unless both matrices have the same shape. */
export function assertSameShape(a: ArchMatrix, b: ArchMatrix, nameA: string, nameB: string): void {
  if (a.length !== b.length || a.some((row, e) => row.length !== b[e].length)) {
    throw new Error(
      `${nameB} has shape ${shapeOf(b)} but ${nameA} has shape ${shapeOf(a)}; they must match`,
    );
  }
}

function shapeOf(m: ArchMatrix): string {
  return `[${m.length} x ${m.map((r) => r.length).join('|')}]`;
}

/**
 * Throws unless every row is a probability vector: entries finite and >= 0, sum 1 within `tol`.
 */
export function assertOnSimplex(theta: ArchMatrix, name = 'theta', tol = 1e-9): void {
  assertFiniteMatrix(theta, name);
  theta.forEach((row, e) => {
    let sum = 0;
    row.forEach((v, o) => {
      if (v < 0) throw new Error(`${name}[${e}][${o}] is negative: ${v}`);
      sum += v;
    });
    if (Math.abs(sum - 1) > tol) throw new Error(`${name} row ${e} sums to ${sum}, not 1`);
  });
}

/** Row-wise softmax with max-shift (never overflows). */
export function softmaxRows(alpha: ArchMatrix): ArchMatrix {
  assertFiniteMatrix(alpha, 'alpha');
  return alpha.map((row) => {
    const max = Math.max(...row);
    const ex = row.map((v) => Math.exp(v - max));
    const sum = ex.reduce((a, b) => a + b, 0);
    return ex.map((v) => v / sum);
  });
}

/** Shannon entropy (natural log) of one probability vector; 0 log 0 = 0. */
export function entropy(p: readonly number[]): number {
  let h = 0;
  for (const v of p) if (v > 0) h -= v * Math.log(v);
  return h;
}

/** Mean entropy across the per-edge simplices: the sparsity measure of the GAEA paper (Fig. 4). */
export function meanEntropy(weights: ArchMatrix): number {
  assertOnSimplex(weights, 'weights', 1e-6);
  return weights.reduce((s, row) => s + entropy(row), 0) / weights.length;
}

/** Index of the largest entry in each row (first one on ties). */
export function argmaxRows(weights: ArchMatrix): number[] {
  assertFiniteMatrix(weights, 'weights');
  return weights.map((row) => {
    let best = 0;
    for (let o = 1; o < row.length; o++) if (row[o] > row[best]) best = o;
    return best;
  });
}

/** Deep copy (the optimizers never alias their callers' arrays). */
export function cloneMatrix(m: ArchMatrix): ArchMatrix {
  return m.map((row) => row.slice());
}
