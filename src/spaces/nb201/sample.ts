import { pickOne } from '../choices';
import type { RandomSource } from '../types';
import { NB201_OPS, type Nb201Arch } from './definition';
import { assertNb201Arch, nb201FromOrdinal } from './arch';
import { isValidNb201, nb201ValidOrdinals } from './graph';

/** A valid cell drawn uniformly from the 15284 valid ones (one draw from `rng`). */
export function sampleNb201(rng: RandomSource): Nb201Arch {
  const valid = nb201ValidOrdinals();
  return nb201FromOrdinal(pickOne(rng, valid));
}

/** Every valid cell that differs from `arch` on exactly one edge. */
export function nb201Neighbours(arch: Nb201Arch): Nb201Arch[] {
  assertNb201Arch(arch);
  const out: Nb201Arch[] = [];
  arch.forEach((op, k) => {
    for (const other of NB201_OPS) {
      if (other === op) continue;
      const next = [...arch];
      next[k] = other;
      if (isValidNb201(next)) out.push(next);
    }
  });
  return out;
}

/**
 * Mutation as in regularized evolution on NAS-Bench-201: change the op of one edge. Draws
 * uniformly among the valid one-edge neighbours (there is always at least one: setting edge
 * 0->3 to a non-`none` op connects the cell). One draw from `rng`.
 */
export function mutateNb201(arch: Nb201Arch, rng: RandomSource): Nb201Arch {
  return pickOne(rng, nb201Neighbours(arch));
}
