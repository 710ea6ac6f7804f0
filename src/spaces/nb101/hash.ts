/**
 * NAS-Bench-101's graph hash: an iterative neighbourhood (Weisfeiler-Lehman style) hash of a
 * vertex-labelled DAG. Every vertex starts from md5 of its (out-degree, in-degree, label); each of
 * V rounds replaces a vertex's hash with md5 of its sorted in-neighbour hashes, '|', its sorted
 * out-neighbour hashes, '|', its own hash; the fingerprint is md5 of the sorted final hashes.
 * Labels: input -1, output -2, an op its index in NB101_OPS. The strings hashed are the ones the
 * benchmark's Python code builds, so for a pruned spec the result equals the benchmark's module
 * hash (the key of its data tables). Isomorphic cells get the same fingerprint.
 */
import * as crypto from 'node:crypto';
import { NB101_OPS } from './definition';
import { assertNb101Arch } from './arch';
import type { Nb101Arch } from './definition';

const md5: (s: string) => string =
  typeof crypto.hash === 'function'
    ? (s) => crypto.hash('md5', s, 'hex')
    : (s) => crypto.createHash('md5').update(s).digest('hex');

const byCodeUnit = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** Label of a vertex for hashing: -1 input, -2 output, else the op's index in NB101_OPS. */
export function nb101Label(op: string): number {
  if (op === 'input') return -1;
  if (op === 'output') return -2;
  const i = (NB101_OPS as readonly string[]).indexOf(op);
  if (i < 0) throw new Error(`unknown NAS-Bench-101 op ${JSON.stringify(op)}`);
  return i;
}

/**
 * Fingerprint of a labelled DAG given as an adjacency matrix (matrix[i][j] = 1 for i -> j) and one
 * integer label per vertex.
 */
export function nb101GraphHash(matrix: readonly (readonly number[])[], labels: readonly number[]) {
  const v = matrix.length;
  if (labels.length !== v) throw new Error(`need ${v} labels, got ${labels.length}`);
  const ins: number[][] = Array.from({ length: v }, () => []);
  const outs: number[][] = Array.from({ length: v }, () => []);
  for (let i = 0; i < v; i++) {
    for (let j = 0; j < v; j++) {
      if (matrix[i][j]) {
        outs[i].push(j);
        ins[j].push(i);
      }
    }
  }
  let hashes = labels.map((label, i) => md5(`(${outs[i].length}, ${ins[i].length}, ${label})`));
  for (let round = 0; round < v; round++) {
    const h = hashes;
    hashes = h.map((own, i) => {
      const a = ins[i].map((w) => h[w]).sort(byCodeUnit);
      const b = outs[i].map((w) => h[w]).sort(byCodeUnit);
      return md5(`${a.join('')}|${b.join('')}|${own}`);
    });
  }
  // Python's str() of a sorted list of strings: ['a', 'b']
  return md5(
    `[${[...hashes]
      .sort(byCodeUnit)
      .map((x) => `'${x}'`)
      .join(', ')}]`,
  );
}

/** NAS-Bench-101 module hash of a cell of this space (all its vertices are kept by pruning). */
export function nb101Hash(arch: Nb101Arch): string {
  assertNb101Arch(arch);
  const v = arch.ops.length + 2;
  const matrix = Array.from({ length: v }, () => new Array<number>(v).fill(0));
  arch.inputs.forEach((list, k) => list.forEach((i) => (matrix[i][k + 1] = 1)));
  arch.output.forEach((i) => (matrix[i][v - 1] = 1));
  return nb101GraphHash(matrix, [-1, ...arch.ops.map(nb101Label), -2]);
}
