import { drawIndex, pickOne } from '../choices';
import type { RandomSource } from '../types';
import {
  DARTS_CELL_INPUTS,
  DARTS_CELL_OPS,
  DARTS_CELL_TYPES,
  DARTS_NODES,
  DARTS_SLOTS,
  type DartsEdge,
  type DartsGenotype,
} from './definition';
import { assertDartsGenotype } from './genotype';

/** Genotypes per cell: prod over nodes of n(n-1) * 7^2 (n = earlier vertices). */
export function dartsCellCount(): bigint {
  let c = 1n;
  const k = BigInt(DARTS_CELL_OPS.length);
  for (let node = 0; node < DARTS_NODES; node++) {
    const n = BigInt(node + DARTS_CELL_INPUTS);
    c *= n * (n - 1n) * k * k;
  }
  return c;
}

/** Size of the space (both cells): 275647219316498534400 ~ 2.76e20, the seed's number. */
export function dartsCount(): bigint {
  return dartsCellCount() ** 2n;
}

function sampleCell(rng: RandomSource): DartsEdge[] {
  const edges: DartsEdge[] = [];
  for (let node = 0; node < DARTS_NODES; node++) {
    const n = node + DARTS_CELL_INPUTS;
    const a = drawIndex(rng, n);
    let b = drawIndex(rng, n - 1);
    if (b >= a) b++;
    edges.push({ op: pickOne(rng, DARTS_CELL_OPS), input: a });
    edges.push({ op: pickOne(rng, DARTS_CELL_OPS), input: b });
  }
  return edges;
}

/**
 * A genotype drawn uniformly from the space (every ordered choice equally likely): per node, a
 * first input uniform over the earlier vertices, a second uniform over the others, ops uniform
 * over the 7. 32 draws from `rng`.
 */
export function sampleDarts(rng: RandomSource): DartsGenotype {
  return { normal: sampleCell(rng), reduce: sampleCell(rng) };
}

/**
 * Every genotype that differs from `g` in one decision: the op of one slot (6 others) or the
 * input of one slot (any earlier vertex other than the two the node reads now). 120 in all.
 */
export function dartsNeighbours(g: DartsGenotype): DartsGenotype[] {
  assertDartsGenotype(g);
  const out: DartsGenotype[] = [];
  for (const cell of DARTS_CELL_TYPES) {
    g[cell].forEach((edge, e) => {
      const node = Math.floor(e / DARTS_SLOTS);
      const other = g[cell][e % 2 === 0 ? e + 1 : e - 1];
      const replace = (next: DartsEdge) => {
        const edges = [...g[cell]];
        edges[e] = next;
        out.push({ ...g, [cell]: edges });
      };
      for (const op of DARTS_CELL_OPS) if (op !== edge.op) replace({ op, input: edge.input });
      for (let input = 0; input < node + DARTS_CELL_INPUTS; input++) {
        if (input !== edge.input && input !== other.input) replace({ op: edge.op, input });
      }
    });
  }
  return out;
}

/** Mutation for evolution: one of the 120 one-decision neighbours, uniformly. One draw. */
export function mutateDarts(g: DartsGenotype, rng: RandomSource): DartsGenotype {
  return pickOne(rng, dartsNeighbours(g));
}
