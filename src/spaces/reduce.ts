/**
 * What a reduced search space (seed 001 Fig. 2 and 5) needs to know about a space, for every
 * space alike: how many architectures its uniform sampler draws from, whether it can list them
 * (enumerate: NB-201's 15284 valid cells, NB-101's 95985), and the size of 1/factor of it.
 */
import type { SearchSpace } from './types';

/** A reduced space of a space too large to list is drawn cell by cell: at most this many. */
export const MAX_DRAWN_CELLS = 1_000_000;

/** Throws unless `factor` is a number >= 1. */
export function checkFactor(factor: number): void {
  if (!(Number.isFinite(factor) && factor >= 1)) {
    throw new Error(`subspace factor must be a number >= 1, got ${factor}`);
  }
}

/** Architectures the uniform sampler draws from: the valid ones (else every encodable one). */
export function samplerSize(space: SearchSpace<unknown, unknown>): bigint {
  const c = space.counts();
  return c.valid ?? c.total;
}

/** Architectures of 1/factor of the space: round(size / factor), at least 1. */
export function reducedSize(space: SearchSpace<unknown, unknown>, factor: number): number {
  checkFactor(factor);
  return Math.max(1, Math.round(Number(samplerSize(space)) / factor));
}

const listed = new WeakMap<object, readonly unknown[]>();

/**
 * The valid architectures of a space that can list them (it has `enumerate`), in the space's
 * own order: what its uniform sampler draws from. Null for a space too large to list.
 */
export function listedCells<A>(space: SearchSpace<A, unknown>): readonly A[] | null {
  if (!space.enumerate) return null;
  let cells = listed.get(space) as readonly A[] | undefined;
  if (!cells) {
    const out: A[] = [];
    for (const a of space.enumerate()) if (space.isValid(a)) out.push(a);
    cells = out;
    listed.set(space, cells);
  }
  return cells;
}
