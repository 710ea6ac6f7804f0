import { NB201_EDGES, NB201_NODES, type Nb201Arch } from './definition';
import { assertNb201Arch, formatNb201, nb201FromOrdinal, nb201Ordinal, NB201_SIZE } from './arch';

/**
 * A cell is valid when its output node (3) is reachable from its input node (0) through edges
 * whose op is not `none`; otherwise the cell outputs zeros whatever its input (341 of 15625).
 */
export function isValidNb201(arch: Nb201Arch): boolean {
  assertNb201Arch(arch);
  const reached = new Array<boolean>(NB201_NODES).fill(false);
  reached[0] = true;
  NB201_EDGES.forEach((e, k) => {
    if (arch[k] !== 'none' && reached[e.from]) reached[e.to] = true;
  });
  return reached[NB201_NODES - 1];
}

/**
 * The benchmark's isomorphism key ("UniqueString" in its tables): each node is written as the
 * expression that computes it from the input `0`, with the sum's terms sorted so that the order of
 * inputs does not matter. A term is `#` (zero) for a `none` edge or a zero node, the source node's
 * expression itself for `skip_connect`, and `(source)@op` otherwise. The key of the cell is the
 * expression of its output node. Cells with the same key compute the same function for any
 * weights; the benchmark groups its 15625 cells into 6466 such classes.
 */
export function nb201UniqueString(arch: Nb201Arch): string {
  assertNb201Arch(arch);
  const expr: string[] = ['0'];
  for (let node = 1; node < NB201_NODES; node++) {
    const terms: string[] = [];
    NB201_EDGES.forEach((e, k) => {
      if (e.to !== node) return;
      const src = expr[e.from];
      const op = arch[k];
      if (op === 'none' || src === '#') terms.push('#');
      else if (op === 'skip_connect') terms.push(src);
      else terms.push(`(${src})@${op}`);
    });
    // Plain code-unit order, as the benchmark sorts (ASCII strings).
    terms.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    expr.push(terms.join('+'));
  }
  return expr[NB201_NODES - 1];
}

interface ClassIndex {
  /** unique string -> smallest ordinal having it */
  representative: Map<string, number>;
  /** ordinal -> unique string */
  keyOf: string[];
  validOrdinals: number[];
  validKeys: Set<string>;
}

let classIndex: ClassIndex | null = null;

/** Built once on first use by enumerating the 15625 cells (a few ms). */
function classes(): ClassIndex {
  if (classIndex) return classIndex;
  const representative = new Map<string, number>();
  const keyOf: string[] = [];
  const validOrdinals: number[] = [];
  const validKeys = new Set<string>();
  for (let o = 0; o < NB201_SIZE; o++) {
    const arch = nb201FromOrdinal(o);
    const key = nb201UniqueString(arch);
    keyOf.push(key);
    if (!representative.has(key)) representative.set(key, o);
    if (isValidNb201(arch)) {
      validOrdinals.push(o);
      validKeys.add(key);
    }
  }
  classIndex = { representative, keyOf, validOrdinals, validKeys };
  return classIndex;
}

/**
 * Canonical representative of an architecture's isomorphism class (grouping exactly as the
 * benchmark's unique string): the member with the smallest ordinal, as a benchmark string.
 */
export function nb201Canonical(arch: Nb201Arch): string {
  const c = classes();
  const o = c.representative.get(c.keyOf[nb201Ordinal(arch)]) as number;
  return formatNb201(nb201FromOrdinal(o));
}

/** True when two architectures are in the same isomorphism class. */
export function nb201Isomorphic(a: Nb201Arch, b: Nb201Arch): boolean {
  return nb201UniqueString(a) === nb201UniqueString(b);
}

/** Ordinals of the valid cells, ascending (15284 of them). */
export function nb201ValidOrdinals(): readonly number[] {
  return classes().validOrdinals;
}

export interface Nb201Counts {
  total: number;
  valid: number;
  /** Isomorphism classes over all cells (the benchmark's 6466, including 5 zero-output ones). */
  unique: number;
  /** Isomorphism classes among valid cells. */
  uniqueValid: number;
}

/** Exact counts, by enumeration. */
export function nb201Counts(): Nb201Counts {
  const c = classes();
  return {
    total: NB201_SIZE,
    valid: c.validOrdinals.length,
    unique: c.representative.size,
    uniqueValid: c.validKeys.size,
  };
}
