import { allPermutations } from '../choices';
import { ArchError, checkWith } from '../types';
import {
  DARTS_CELL_INPUTS,
  DARTS_CELL_OPS,
  DARTS_CELL_TYPES,
  DARTS_NODES,
  DARTS_OPS,
  DARTS_SLOTS,
  type DartsEdge,
  type DartsGenotype,
} from './definition';
import { genotypeFields, pyIntList, pyOpIndexPairs } from './pyliteral';

const EDGES = DARTS_NODES * DARTS_SLOTS;
const FIELDS = ['normal', 'normal_concat', 'reduce', 'reduce_concat'];
const CONCAT = Array.from({ length: DARTS_NODES }, (_, i) => i + DARTS_CELL_INPUTS);

/**
 * Why a cell's edge list is not a genotype of this space, or undefined when it is. Checks: 8
 * edges; known ops other than `none`; node i's inputs are earlier vertices (< i + 2) and differ.
 */
function cellProblem(cell: string, edges: readonly { op: string; input: number }[]) {
  if (edges.length !== EDGES)
    return `${cell} cell needs ${EDGES} edges (2 per node), got ${edges.length}`;
  for (let e = 0; e < EDGES; e++) {
    const { op, input } = edges[e];
    const node = Math.floor(e / DARTS_SLOTS);
    const where = `${cell} cell, node ${node} (vertex ${node + DARTS_CELL_INPUTS})`;
    if (op === 'none') {
      return `${where}: 'none' is a candidate of the continuous relaxation only, not of a discrete genotype`;
    }
    if (!(DARTS_CELL_OPS as readonly string[]).includes(op)) {
      return `${where}: unknown op ${JSON.stringify(op)} (expected one of ${DARTS_CELL_OPS.join(', ')})`;
    }
    if (!Number.isInteger(input) || input < 0 || input >= node + DARTS_CELL_INPUTS) {
      return `${where}: input ${input} is not an earlier vertex (0..${node + DARTS_CELL_INPUTS - 1})`;
    }
  }
  for (let node = 0; node < DARTS_NODES; node++) {
    if (edges[2 * node].input === edges[2 * node + 1].input) {
      return `${cell} cell, node ${node}: both slots read vertex ${edges[2 * node].input}; the two inputs of a node must differ`;
    }
  }
  return undefined;
}

function fail(text: string, why: string): never {
  throw new ArchError(`invalid DARTS genotype ${JSON.stringify(text)}: ${why}`, text);
}

/**
 * Parses DARTS's genotype string, e.g. the published DARTS (2nd order) cell
 * `Genotype(normal=[('sep_conv_3x3', 0), ('sep_conv_3x3', 1), ...], normal_concat=[2, 3, 4, 5],
 * reduce=[...], reduce_concat=[2, 3, 4, 5])`. The concat fields may be lists or `range(2, 6)`
 * and may be left out; they must name vertices 2..5. Throws ArchError quoting the text.
 */
export function parseDarts(text: string): DartsGenotype {
  const kwargs = genotypeFields(text, { known: FIELDS, shown: DARTS_CELL_TYPES }, fail);
  const cells: Record<string, DartsEdge[]> = {};
  for (const cell of DARTS_CELL_TYPES) {
    const field = kwargs[cell];
    if (!field) fail(text, `missing field ${cell}=[...]`);
    const pairs = pyOpIndexPairs(field);
    if (!pairs) fail(text, `${cell} must be a list of ('op', input) pairs`);
    const edges = pairs.map(([op, input]) => ({ op, input }));
    const why = cellProblem(cell, edges);
    if (why) fail(text, why);
    cells[cell] = edges as DartsEdge[];
    const concat = kwargs[`${cell}_concat`];
    if (concat) {
      const list = pyIntList(concat);
      if (!list) fail(text, `${cell}_concat must be a list of vertices or range(a, b)`);
      if (list.join() !== CONCAT.join()) {
        fail(
          text,
          `${cell}_concat must be [${CONCAT.join(', ')}] (every node), got [${list.join(', ')}]`,
        );
      }
    }
  }
  return { normal: cells.normal, reduce: cells.reduce };
}

/** Like parseDarts but returns the error instead of throwing. */
export const checkDarts = checkWith(parseDarts);

/** Throws ArchError unless `g` is a well-formed genotype of this space. */
export function assertDartsGenotype(g: DartsGenotype): void {
  const shown = JSON.stringify(g);
  if (g === null || typeof g !== 'object') {
    throw new ArchError(`invalid DARTS genotype ${shown}: not an object`, shown);
  }
  for (const cell of DARTS_CELL_TYPES) {
    const edges = g[cell];
    const why = Array.isArray(edges)
      ? cellProblem(cell, edges)
      : `${cell} must be an array of {op, input}`;
    if (why) throw new ArchError(`invalid DARTS genotype ${shown}: ${why}`, shown);
  }
}

const cellText = (edges: readonly DartsEdge[]) =>
  `[${edges.map((e) => `('${e.op}', ${e.input})`).join(', ')}]`;

/** DARTS's genotype string (as its genotypes.py writes DARTS_V2); inverse of parseDarts. */
export function formatDarts(g: DartsGenotype): string {
  assertDartsGenotype(g);
  const concat = `[${CONCAT.join(', ')}]`;
  return `Genotype(normal=${cellText(g.normal)}, normal_concat=${concat}, reduce=${cellText(g.reduce)}, reduce_concat=${concat})`;
}

/** Every genotype of the space is a working network; this only checks the shape. */
export function isValidDarts(g: DartsGenotype): boolean {
  assertDartsGenotype(g);
  return true;
}

/** The 24 orderings of the 4 nodes. */
const NODE_ORDERS = allPermutations(Array.from({ length: DARTS_NODES }, (_, i) => i));

const edgeKey = (e: DartsEdge) => `${e.input}:${DARTS_OPS.indexOf(e.op)}`;

/**
 * Canonical form of one cell: the smallest edge list over all renumberings of the nodes that
 * keep every input earlier than its node, with each node's two slots sorted. Cells that differ
 * only in the numbering of their nodes or the order of a node's slots get the same form (they
 * build the same network up to a permutation of weights and channels).
 */
export function dartsCanonicalCell(edges: readonly DartsEdge[]): DartsEdge[] {
  let best: DartsEdge[] | undefined;
  let bestKey = '';
  for (const order of NODE_ORDERS) {
    // order[k] = old node placed at new position k; newIndex maps old vertex -> new vertex.
    const newIndex = [0, 1];
    order.forEach((old, k) => (newIndex[old + DARTS_CELL_INPUTS] = k + DARTS_CELL_INPUTS));
    const out: DartsEdge[] = [];
    let ok = true;
    order.forEach((old, k) => {
      const pair = [edges[2 * old], edges[2 * old + 1]].map((e) => ({
        op: e.op,
        input: newIndex[e.input],
      }));
      if (pair.some((e) => e.input >= k + DARTS_CELL_INPUTS)) ok = false;
      pair.sort((a, b) => a.input - b.input || DARTS_OPS.indexOf(a.op) - DARTS_OPS.indexOf(b.op));
      out.push(...pair);
    });
    if (!ok) continue;
    const key = out.map(edgeKey).join(',');
    if (best === undefined || key < bestKey) {
      best = out;
      bestKey = key;
    }
  }
  return best as DartsEdge[];
}

/** A string shared exactly by genotypes whose cells are the same up to node and slot order. */
export function dartsCanonical(g: DartsGenotype): string {
  assertDartsGenotype(g);
  return formatDarts({
    normal: dartsCanonicalCell(g.normal),
    reduce: dartsCanonicalCell(g.reduce),
  });
}
