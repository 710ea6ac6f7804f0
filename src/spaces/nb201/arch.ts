import { ArchError, checkWith } from '../types';
import { NB201_EDGES, NB201_NODES, NB201_OPS, type Nb201Arch, type Nb201Op } from './definition';

/** Number of cells in the space: 5 ops on each of 6 edges. */
export const NB201_SIZE = NB201_OPS.length ** NB201_EDGES.length;

const OP_INDEX = new Map<string, number>(NB201_OPS.map((op, i) => [op, i]));

function fail(text: string, why: string): never {
  throw new ArchError(`invalid NAS-Bench-201 architecture ${JSON.stringify(text)}: ${why}`, text);
}

/**
 * Parses the benchmark's string, e.g.
 * `|nor_conv_3x3~0|+|nor_conv_3x3~0|avg_pool_3x3~1|+|skip_connect~0|nor_conv_3x3~1|skip_connect~2|`.
 * Node j (1..3) lists one `op~i` for each earlier node i = 0..j-1, in order. Throws ArchError
 * quoting the string and saying what is wrong (shape, unknown op, wrong node index).
 */
export function parseNb201(text: string): Nb201Arch {
  if (typeof text !== 'string') fail(String(text), 'not a string');
  const s = text.trim();
  if (s === '') fail(text, 'empty string');
  const groups = s.split('+');
  if (groups.length !== NB201_NODES - 1) {
    fail(
      text,
      `wrong shape: expected ${NB201_NODES - 1} node groups joined by '+', got ${groups.length}`,
    );
  }
  const ops: Nb201Op[] = [];
  groups.forEach((group, g) => {
    const node = g + 1;
    if (group.length < 2 || !group.startsWith('|') || !group.endsWith('|')) {
      fail(
        text,
        `wrong shape: node ${node} group ${JSON.stringify(group)} is not enclosed in |...|`,
      );
    }
    const entries = group.slice(1, -1).split('|');
    if (entries.length !== node) {
      fail(
        text,
        `wrong shape: node ${node} needs ${node} input${node > 1 ? 's' : ''} (from nodes 0..${node - 1}), got ${entries.length}`,
      );
    }
    entries.forEach((entry, i) => {
      const parts = entry.split('~');
      if (parts.length !== 2) {
        fail(text, `wrong shape: ${JSON.stringify(entry)} in node ${node} is not 'op~index'`);
      }
      const [op, from] = parts;
      if (!OP_INDEX.has(op)) {
        fail(
          text,
          `unknown op ${JSON.stringify(op)} in node ${node} (expected one of ${NB201_OPS.join(', ')})`,
        );
      }
      if (from !== String(i)) {
        fail(
          text,
          `wrong node index: ${JSON.stringify(entry)} is input ${i + 1} of node ${node} and must read from node ${i}`,
        );
      }
      ops.push(op as Nb201Op);
    });
  });
  return ops;
}

/** Like parseNb201 but returns the error instead of throwing. */
export const checkNb201 = checkWith(parseNb201);

/** Throws ArchError unless `arch` has 6 known ops. */
export function assertNb201Arch(arch: readonly string[]): asserts arch is Nb201Arch {
  const shown = JSON.stringify(arch);
  if (!Array.isArray(arch) || arch.length !== NB201_EDGES.length) {
    throw new ArchError(
      `invalid NAS-Bench-201 architecture ${shown}: wrong shape: expected ${NB201_EDGES.length} ops`,
      shown,
    );
  }
  for (const op of arch) {
    if (!OP_INDEX.has(op)) {
      throw new ArchError(
        `invalid NAS-Bench-201 architecture ${shown}: unknown op ${JSON.stringify(op)}`,
        shown,
      );
    }
  }
}

/** The benchmark's string for an architecture (inverse of parseNb201). */
export function formatNb201(arch: Nb201Arch): string {
  assertNb201Arch(arch);
  let k = 0;
  const groups: string[] = [];
  for (let node = 1; node < NB201_NODES; node++) {
    const entries: string[] = [];
    for (let i = 0; i < node; i++) entries.push(`${arch[k++]}~${i}`);
    groups.push(`|${entries.join('|')}|`);
  }
  return groups.join('+');
}

/** Op indices (into NB201_OPS) per edge. */
export function nb201OpIndices(arch: Nb201Arch): number[] {
  assertNb201Arch(arch);
  return arch.map((op) => OP_INDEX.get(op) as number);
}

/** Architecture from op indices (into NB201_OPS) per edge. */
export function nb201FromOpIndices(indices: readonly number[]): Nb201Arch {
  if (indices.length !== NB201_EDGES.length) {
    throw new ArchError(
      `invalid NAS-Bench-201 op indices ${JSON.stringify(indices)}: expected ${NB201_EDGES.length}`,
      JSON.stringify(indices),
    );
  }
  return indices.map((i) => {
    const op = NB201_OPS[i];
    if (!Number.isInteger(i) || op === undefined) {
      throw new ArchError(
        `invalid NAS-Bench-201 op indices ${JSON.stringify(indices)}: ${i} is not in 0..${NB201_OPS.length - 1}`,
        JSON.stringify(indices),
      );
    }
    return op;
  });
}

/**
 * Position of an architecture in this library's own enumeration order (not the benchmark's
 * index, see `nb201BenchmarkIndex` in groundtruth): op indices read as a base-5 number, edge 0
 * (1<-0) most significant. 0 is all `none`, 15624 all `avg_pool_3x3`.
 */
export function nb201Ordinal(arch: Nb201Arch): number {
  return nb201OpIndices(arch).reduce((acc, i) => acc * NB201_OPS.length + i, 0);
}

/** Inverse of nb201Ordinal. */
export function nb201FromOrdinal(ordinal: number): Nb201Arch {
  if (!Number.isInteger(ordinal) || ordinal < 0 || ordinal >= NB201_SIZE) {
    throw new ArchError(
      `NAS-Bench-201 ordinal must be an integer in [0, ${NB201_SIZE - 1}], got ${ordinal}`,
      String(ordinal),
    );
  }
  const indices = new Array<number>(NB201_EDGES.length);
  let rest = ordinal;
  for (let e = NB201_EDGES.length - 1; e >= 0; e--) {
    indices[e] = rest % NB201_OPS.length;
    rest = Math.floor(rest / NB201_OPS.length);
  }
  return nb201FromOpIndices(indices);
}

/** Every architecture in ordinal order (15625). */
export function* enumerateNb201(): Generator<Nb201Arch> {
  for (let o = 0; o < NB201_SIZE; o++) yield nb201FromOrdinal(o);
}

/**
 * NASLib's encoding (used by its NAS-Bench-201 data files): op indices 0 skip_connect, 1 none,
 * 2 nor_conv_3x3, 3 nor_conv_1x1, 4 avg_pool_3x3, over edges 0->1, 0->2, 0->3, 1->2, 1->3, 2->3.
 */
export const NASLIB_NB201_OPS: readonly Nb201Op[] = [
  'skip_connect',
  'none',
  'nor_conv_3x3',
  'nor_conv_1x1',
  'avg_pool_3x3',
];
const NASLIB_EDGE_ORDER: ReadonlyArray<readonly [number, number]> = [
  [0, 1],
  [0, 2],
  [0, 3],
  [1, 2],
  [1, 3],
  [2, 3],
];
/** For each NASLib edge position, the position of the same edge in NB201_EDGES. */
const NASLIB_TO_OURS = NASLIB_EDGE_ORDER.map(([from, to]) =>
  NB201_EDGES.findIndex((e) => e.from === from && e.to === to),
);

/** Parses a NASLib tuple key such as "(0, 2, 3, 2, 3, 1)" or an array of 6 indices. */
export function nb201FromNaslib(tuple: string | readonly number[]): Nb201Arch {
  const shown = typeof tuple === 'string' ? tuple : JSON.stringify(tuple);
  let idx: number[];
  if (typeof tuple === 'string') {
    const m = /^\s*\(\s*(\d)\s*,\s*(\d)\s*,\s*(\d)\s*,\s*(\d)\s*,\s*(\d)\s*,\s*(\d)\s*\)\s*$/.exec(
      tuple,
    );
    if (!m)
      throw new ArchError(`invalid NASLib NAS-Bench-201 tuple ${JSON.stringify(tuple)}`, shown);
    idx = m.slice(1).map(Number);
  } else {
    idx = [...tuple];
  }
  if (idx.length !== 6 || idx.some((i) => !Number.isInteger(i) || i < 0 || i > 4)) {
    throw new ArchError(
      `invalid NASLib NAS-Bench-201 tuple ${shown}: need 6 indices in 0..4`,
      shown,
    );
  }
  const ops = new Array<Nb201Op>(6);
  idx.forEach((i, k) => {
    ops[NASLIB_TO_OURS[k]] = NASLIB_NB201_OPS[i];
  });
  return ops;
}

/** NASLib's 6 op indices for an architecture (inverse of nb201FromNaslib). */
export function nb201ToNaslib(arch: Nb201Arch): number[] {
  assertNb201Arch(arch);
  return NASLIB_TO_OURS.map((ours) => NASLIB_NB201_OPS.indexOf(arch[ours]));
}
