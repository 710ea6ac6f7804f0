import { allPermutations, drawIndex, pickOne } from '../choices';
import { ArchError, type RandomSource } from '../types';
import {
  NB101_NODES,
  NB101_OPS,
  NB101_OUTPUT_INPUTS,
  NB101_PARENTS,
  type Nb101Arch,
  type Nb101Op,
} from './definition';
import { assertNb101Arch, isValidNb101 } from './arch';

/** The wiring of a cell (everything but the ops). */
export interface Nb101Wiring {
  readonly inputs: readonly (readonly number[])[];
  readonly output: readonly number[];
}

/** All k-subsets of `items`, ascending, in lexicographic order. */
function combinations(items: readonly number[], k: number): number[][] {
  if (k === 0) return [[]];
  const out: number[][] = [];
  items.forEach((first, i) => {
    for (const rest of combinations(items.slice(i + 1), k - 1)) out.push([first, ...rest]);
  });
  return out;
}

const range = (n: number, from = 0) => Array.from({ length: n - from }, (_, i) => from + i);

/**
 * Choices, in lexicographic order, of each node's inputs (node j: subsets of 0..j-1) and of the
 * output's nodes; the supernet's choice codec numbers them the same way.
 */
export const NB101_INPUT_CHOICES: number[][][] = NB101_PARENTS.map((k, idx) =>
  combinations(range(idx + 1), k),
);
export const NB101_OUTPUT_CHOICES: number[][] = combinations(
  range(NB101_NODES + 1, 1),
  NB101_OUTPUT_INPUTS,
);
const OPS_PER_WIRING = NB101_OPS.length ** NB101_NODES;

/** Encodable wirings (valid or not): 1*2*3*6*10*10 = 3600. */
export const NB101_WIRINGS_TOTAL =
  NB101_INPUT_CHOICES.reduce((n, c) => n * c.length, 1) * NB101_OUTPUT_CHOICES.length;

/** Encodable cells: wirings x 3^5 op labellings = 874800. */
export const NB101_TOTAL = NB101_WIRINGS_TOTAL * OPS_PER_WIRING;

/** Isomorphism classes of valid cells (NAS-Bench-101 graph hash); tests re-derive it. */
export const NB101_UNIQUE = 42228;

let validWirings: Nb101Wiring[] | null = null;

/** The valid wirings (no loose ends), in lexicographic order of their choices: 395. */
export function nb101ValidWirings(): readonly Nb101Wiring[] {
  if (validWirings) return validWirings;
  const out: Nb101Wiring[] = [];
  const pick = (k: number, chosen: number[][]) => {
    if (k === NB101_NODES) {
      for (const output of NB101_OUTPUT_CHOICES) {
        const arch = {
          ops: new Array<Nb101Op>(NB101_NODES).fill(NB101_OPS[0]),
          inputs: chosen,
          output,
        };
        if (isValidNb101(arch)) out.push({ inputs: chosen, output });
      }
      return;
    }
    for (const c of NB101_INPUT_CHOICES[k]) pick(k + 1, [...chosen, c]);
  };
  pick(0, []);
  validWirings = out;
  return out;
}

/** Valid cells: valid wirings x 3^5 op labellings = 95985. */
export function nb101ValidCount(): number {
  return nb101ValidWirings().length * OPS_PER_WIRING;
}

function opsFromCode(code: number): Nb101Op[] {
  const ops = new Array<Nb101Op>(NB101_NODES);
  for (let k = NB101_NODES - 1; k >= 0; k--) {
    ops[k] = NB101_OPS[code % NB101_OPS.length];
    code = Math.floor(code / NB101_OPS.length);
  }
  return ops;
}

const wiringKey = (inputs: readonly (readonly number[])[], output: readonly number[]) =>
  `${inputs.map((l) => l.join(',')).join(';')}|${output.join(',')}`;
let wiringIndex: Map<string, number> | null = null;

/**
 * Position of a valid cell in this library's enumeration order: wiring index (lexicographic) x
 * 243 + the ops read as a base-3 number (node 1 most significant, digits in NB101_OPS order).
 */
export function nb101Ordinal(arch: Nb101Arch): number {
  assertNb101Arch(arch);
  if (!wiringIndex) {
    wiringIndex = new Map(nb101ValidWirings().map((w, i) => [wiringKey(w.inputs, w.output), i]));
  }
  const w = wiringIndex.get(wiringKey(arch.inputs, arch.output));
  if (w === undefined) {
    const shown = JSON.stringify(arch);
    throw new ArchError(`NAS-Bench-101 cell ${shown} is invalid (a node feeds nothing)`, shown);
  }
  const code = arch.ops.reduce((acc, op) => acc * NB101_OPS.length + NB101_OPS.indexOf(op), 0);
  return w * OPS_PER_WIRING + code;
}

/** Inverse of nb101Ordinal. */
export function nb101FromOrdinal(ordinal: number): Nb101Arch {
  const wirings = nb101ValidWirings();
  const n = wirings.length * OPS_PER_WIRING;
  if (!Number.isInteger(ordinal) || ordinal < 0 || ordinal >= n) {
    throw new ArchError(
      `NAS-Bench-101 ordinal must be an integer in [0, ${n - 1}], got ${ordinal}`,
      String(ordinal),
    );
  }
  const w = wirings[Math.floor(ordinal / OPS_PER_WIRING)];
  return { ops: opsFromCode(ordinal % OPS_PER_WIRING), inputs: w.inputs, output: w.output };
}

/** Every valid cell (95985) in ordinal order. */
export function* enumerateNb101(): Generator<Nb101Arch> {
  const n = nb101ValidCount();
  for (let o = 0; o < n; o++) yield nb101FromOrdinal(o);
}

/** The 120 permutations of the intermediate nodes 1..5 (input 0 and output 6 stay put). */
function nodePermutations(): number[][] {
  return allPermutations(range(NB101_NODES + 1, 1)).map((p) => [0, ...p, NB101_NODES + 1]);
}

interface WiringClass {
  /** Index of the wiring's isomorphism class among unlabelled valid wirings. */
  id: number;
  /** Relabellings (vertex i -> perm[i]) that map the wiring onto its class representative. */
  perms: number[][];
}
let wiringClasses: WiringClass[] | null = null;

/** Edge set of a wiring after relabelling vertex i as perm[i], as a 49-bit integer. */
function relabelledEdges(w: Nb101Wiring, perm: readonly number[]): number {
  const v = NB101_NODES + 2;
  let mask = 0;
  const add = (i: number, j: number) => (mask += 2 ** (perm[i] * v + perm[j]));
  w.inputs.forEach((list, k) => list.forEach((i) => add(i, k + 1)));
  w.output.forEach((i) => add(i, v - 1));
  return mask;
}

function classes(): WiringClass[] {
  if (wiringClasses) return wiringClasses;
  const perms = nodePermutations();
  const ids = new Map<number, number>();
  wiringClasses = nb101ValidWirings().map((w) => {
    let best = Infinity;
    let attaining: number[][] = [];
    for (const p of perms) {
      const m = relabelledEdges(w, p);
      if (m < best) {
        best = m;
        attaining = [p];
      } else if (m === best) attaining.push(p);
    }
    if (!ids.has(best)) ids.set(best, ids.size);
    return { id: ids.get(best) as number, perms: attaining };
  });
  return wiringClasses;
}

/**
 * Exact isomorphism key of a valid cell: equal for two cells exactly when one is the other with
 * its intermediate nodes renumbered (same wiring and same op at corresponding nodes). Computed
 * from the automorphisms of the unlabelled wiring, so it is cheap (no hashing).
 */
export function nb101IsoKey(arch: Nb101Arch): number {
  const ordinal = nb101Ordinal(arch);
  const c = classes()[Math.floor(ordinal / OPS_PER_WIRING)];
  const opIndex = arch.ops.map((op) => NB101_OPS.indexOf(op));
  let best = Infinity;
  for (const p of c.perms) {
    let code = 0;
    for (let j = 1; j <= NB101_NODES; j++) code += opIndex[j - 1] * 3 ** (p[j] - 1);
    if (code < best) best = code;
  }
  return c.id * OPS_PER_WIRING + best;
}

/**
 * One cell per isomorphism class: the first cell in ordinal order of each class (42228 for the
 * valid cells). Classes come from nb101IsoKey (exact and fast); NAS-Bench-101's graph hash
 * (nb101Hash) is constant on each class and, as the tests check, tells all 42228 classes apart,
 * so deduplicating by the hash gives the same cells.
 */
export function* enumerateNb101Unique(): Generator<Nb101Arch> {
  const seen = new Set<number>();
  for (const arch of enumerateNb101()) {
    const key = nb101IsoKey(arch);
    if (seen.has(key)) continue;
    seen.add(key);
    yield arch;
  }
}

/** A valid cell drawn uniformly from the 95985 (one draw from `rng`). */
export function sampleNb101(rng: RandomSource): Nb101Arch {
  return nb101FromOrdinal(drawIndex(rng, nb101ValidCount()));
}

/**
 * Every valid cell that differs from `arch` in exactly one decision: the op of one node, the
 * inputs of one node (nodes 2..5; node 1 always reads the cell input), or the output's pair.
 */
export function nb101Neighbours(arch: Nb101Arch): Nb101Arch[] {
  assertNb101Arch(arch);
  const out: Nb101Arch[] = [];
  const keep = (a: Nb101Arch) => {
    if (isValidNb101(a)) out.push(a);
  };
  arch.ops.forEach((op, k) => {
    for (const other of NB101_OPS) {
      if (other === op) continue;
      const ops = [...arch.ops];
      ops[k] = other;
      keep({ ...arch, ops });
    }
  });
  arch.inputs.forEach((list, k) => {
    for (const c of NB101_INPUT_CHOICES[k]) {
      if (c.join(',') === list.join(',')) continue;
      const inputs = [...arch.inputs];
      inputs[k] = c;
      keep({ ...arch, inputs });
    }
  });
  for (const c of NB101_OUTPUT_CHOICES) {
    if (c.join(',') === arch.output.join(',')) continue;
    keep({ ...arch, output: c });
  }
  return out;
}

/**
 * Mutation for evolution: a valid neighbour (one decision changed) drawn uniformly. Changing an op
 * never breaks validity, so there is always one. One draw from `rng`.
 */
export function mutateNb101(arch: Nb101Arch, rng: RandomSource): Nb101Arch {
  return pickOne(rng, nb101Neighbours(arch));
}
