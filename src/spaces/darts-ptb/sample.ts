import { drawIndex, pickOne } from '../choices';
import type { RandomSource } from '../types';
import {
  DARTS_PTB_ACTIVATIONS,
  DARTS_PTB_NODES,
  type DartsPtbGenotype,
  type DartsPtbNode,
} from './definition';
import { assertDartsPtbGenotype } from './genotype';

/** Size of the space with `nodes` nodes: prod_{i=1..nodes} 4i (2642411520 for 8). */
export function dartsPtbCount(nodes = DARTS_PTB_NODES): bigint {
  let c = 1n;
  const k = BigInt(DARTS_PTB_ACTIVATIONS.length);
  for (let i = 1; i <= nodes; i++) c *= k * BigInt(i);
  return c;
}

/**
 * Isomorphism classes (distinct canonical forms) of cells with `nodes` nodes: the forests of
 * `nodes` activation-labelled rooted trees hanging off vertex 0, counted up to isomorphism with
 * the Euler transform (t_n = 4 f_{n-1}, f = Euler transform of t): 9,345,761 for 8 nodes. The
 * tests re-derive small cases by enumerating every cell and counting distinct canonical forms.
 */
export function dartsPtbUniqueCount(nodes = DARTS_PTB_NODES): bigint {
  const k = BigInt(DARTS_PTB_ACTIVATIONS.length);
  const t: bigint[] = [0n]; // t[n]: labelled rooted trees with n nodes
  const f: bigint[] = [1n]; // f[n]: forests of such trees with n nodes in all
  for (let n = 1; n <= nodes; n++) {
    t.push(k * f[n - 1]);
    // Euler transform: n f_n = sum_{j=1..n} c_j f_{n-j}, c_j = sum_{d | j} d t_d
    let s = 0n;
    for (let j = 1; j <= n; j++) {
      let c = 0n;
      for (let d = 1; d <= j; d++) if (j % d === 0) c += BigInt(d) * t[d];
      s += c * f[n - j];
    }
    f.push(s / BigInt(n));
  }
  return f[nodes];
}

/** A genotype drawn uniformly: node i's predecessor uniform over 0..i-1, activation over 4. */
export function sampleDartsPtb(rng: RandomSource): DartsPtbGenotype {
  const recurrent: DartsPtbNode[] = [];
  for (let i = 1; i <= DARTS_PTB_NODES; i++) {
    recurrent.push({
      op: pickOne(rng, DARTS_PTB_ACTIVATIONS),
      input: drawIndex(rng, i),
    });
  }
  return { recurrent };
}

/** Every genotype that differs from `g` in one node's activation or predecessor (52 in all). */
export function dartsPtbNeighbours(g: DartsPtbGenotype): DartsPtbGenotype[] {
  assertDartsPtbGenotype(g);
  const out: DartsPtbGenotype[] = [];
  g.recurrent.forEach((node, i) => {
    const replace = (next: DartsPtbNode) => {
      const recurrent = [...g.recurrent];
      recurrent[i] = next;
      out.push({ recurrent });
    };
    for (const op of DARTS_PTB_ACTIVATIONS) if (op !== node.op) replace({ op, input: node.input });
    for (let input = 0; input <= i; input++)
      if (input !== node.input) replace({ op: node.op, input });
  });
  return out;
}

/** Mutation for evolution: one of the 52 one-decision neighbours, uniformly. One draw. */
export function mutateDartsPtb(g: DartsPtbGenotype, rng: RandomSource): DartsPtbGenotype {
  return pickOne(rng, dartsPtbNeighbours(g));
}
