import { ArchError, checkWith } from '../types';
import {
  NB101_NODES,
  NB101_OPS,
  NB101_OP_ALIASES,
  NB101_OUTPUT,
  NB101_OUTPUT_INPUTS,
  NB101_PARENTS,
  NB101_VERTICES,
  type Nb101Arch,
  type Nb101Op,
} from './definition';

const OP_NAMES = new Map<string, Nb101Op>([
  ...NB101_OPS.map((op): [string, Nb101Op] => [op, op]),
  ...Object.entries(NB101_OP_ALIASES),
]);

function fail(text: string, why: string): never {
  throw new ArchError(`invalid NAS-Bench-101 architecture ${JSON.stringify(text)}: ${why}`, text);
}

function parseIndexList(text: string, list: string, where: string): number[] {
  const parts = list.split(',');
  return parts.map((p) => {
    const t = p.trim();
    if (!/^\d+$/.test(t)) fail(text, `${where}: ${JSON.stringify(p)} is not a vertex index`);
    return Number(t);
  });
}

/**
 * Parses the space's string: five `op~inputs` groups for nodes 1..5 and an `output~a,b` group,
 * joined by '+', e.g.
 * `conv3x3-bn-relu~0+maxpool3x3~1+conv1x1-bn-relu~0+conv3x3-bn-relu~1,3+conv1x1-bn-relu~2,4+output~4,5`.
 * Ops may also be written conv3x3, conv1x1, maxpool. Inputs may come in any order (they are
 * stored ascending). Throws ArchError quoting the string and saying what is wrong. A parsed cell
 * may still be invalid (a node feeding nothing); see isValidNb101.
 */
export function parseNb101(text: string): Nb101Arch {
  if (typeof text !== 'string') fail(String(text), 'not a string');
  const s = text.trim();
  if (s === '') fail(text, 'empty string');
  const groups = s.split('+');
  if (groups.length !== NB101_NODES + 1) {
    fail(
      text,
      `wrong shape: expected ${NB101_NODES} node groups and an output group joined by '+', got ${groups.length} group(s)`,
    );
  }
  const ops: Nb101Op[] = [];
  const inputs: number[][] = [];
  for (let j = 1; j <= NB101_NODES; j++) {
    const group = groups[j - 1].trim();
    const parts = group.split('~');
    if (parts.length !== 2) fail(text, `node ${j}: ${JSON.stringify(group)} is not 'op~inputs'`);
    const op = OP_NAMES.get(parts[0].trim());
    if (op === undefined) {
      fail(
        text,
        `node ${j}: unknown op ${JSON.stringify(parts[0])} (expected one of ${NB101_OPS.join(', ')})`,
      );
    }
    const list = parseIndexList(text, parts[1], `node ${j}`);
    const want = NB101_PARENTS[j - 1];
    if (list.length !== want) {
      fail(text, `node ${j} must read exactly ${want} input(s), got ${list.length}`);
    }
    for (const i of list) {
      if (i >= j)
        fail(text, `node ${j} reads vertex ${i}, but only vertices 0..${j - 1} come before it`);
    }
    if (new Set(list).size !== list.length) fail(text, `node ${j} reads the same vertex twice`);
    ops.push(op);
    inputs.push([...list].sort((a, b) => a - b));
  }
  const last = groups[NB101_NODES].trim();
  const m = /^(?:output|out)~(.*)$/.exec(last);
  if (!m) fail(text, `last group ${JSON.stringify(last)} is not 'output~a,b'`);
  const output = parseIndexList(text, m[1], 'output');
  if (output.length !== NB101_OUTPUT_INPUTS) {
    fail(
      text,
      `the output concatenates exactly ${NB101_OUTPUT_INPUTS} nodes, got ${output.length}`,
    );
  }
  for (const i of output) {
    if (i === 0) fail(text, 'the output may not read the cell input (no input->output edge)');
    if (i < 1 || i > NB101_NODES) fail(text, `the output reads vertex ${i}, not a node in 1..5`);
  }
  if (output[0] === output[1]) fail(text, 'the output reads the same node twice');
  return { ops, inputs, output: [...output].sort((a, b) => a - b) };
}

/** Like parseNb101 but returns the error instead of throwing. */
export const checkNb101 = checkWith(parseNb101);

/** The space's string for a cell (inverse of parseNb101). */
export function formatNb101(arch: Nb101Arch): string {
  assertNb101Arch(arch);
  const groups = arch.ops.map((op, k) => `${op}~${arch.inputs[k].join(',')}`);
  groups.push(`output~${arch.output.join(',')}`);
  return groups.join('+');
}

/**
 * Throws ArchError unless `arch` is well formed (5 known ops, the right number of distinct,
 * ascending, earlier inputs per node, two distinct ascending output nodes in 1..5). Says nothing
 * about loose ends; see isValidNb101.
 */
export function assertNb101Arch(arch: Nb101Arch): void {
  const shown = JSON.stringify(arch);
  const bad = (why: string): never => {
    throw new ArchError(`invalid NAS-Bench-101 architecture ${shown}: ${why}`, shown);
  };
  if (arch === null || typeof arch !== 'object') bad('not an object');
  const { ops, inputs, output } = arch;
  if (!Array.isArray(ops) || ops.length !== NB101_NODES) bad(`expected ${NB101_NODES} ops`);
  ops.forEach((op) => {
    if (!(NB101_OPS as readonly string[]).includes(op)) bad(`unknown op ${JSON.stringify(op)}`);
  });
  if (!Array.isArray(inputs) || inputs.length !== NB101_NODES) {
    bad(`expected ${NB101_NODES} input lists`);
  }
  inputs.forEach((list, k) => {
    const j = k + 1;
    if (!Array.isArray(list) || list.length !== NB101_PARENTS[k]) {
      bad(`node ${j} must read exactly ${NB101_PARENTS[k]} input(s)`);
    }
    list.forEach((i: number, n: number) => {
      if (!Number.isInteger(i) || i < 0 || i >= j) bad(`node ${j} reads ${i}, not in 0..${j - 1}`);
      if (n > 0 && list[n - 1] >= i) bad(`node ${j}'s inputs must be distinct and ascending`);
    });
  });
  if (!Array.isArray(output) || output.length !== NB101_OUTPUT_INPUTS) {
    bad(`the output must concatenate exactly ${NB101_OUTPUT_INPUTS} nodes`);
  }
  output.forEach((i) => {
    if (!Number.isInteger(i) || i < 1 || i > NB101_NODES) bad(`output reads ${i}, not in 1..5`);
  });
  if (output[0] >= output[1]) bad('the output nodes must be distinct and ascending');
}

/** True when every intermediate node feeds a later node or the output (no loose ends). */
export function isValidNb101(arch: Nb101Arch): boolean {
  assertNb101Arch(arch);
  const used = new Array<boolean>(NB101_VERTICES).fill(false);
  arch.inputs.forEach((list) => list.forEach((i) => (used[i] = true)));
  arch.output.forEach((i) => (used[i] = true));
  for (let j = 1; j <= NB101_NODES; j++) if (!used[j]) return false;
  return true;
}

/** NAS-Bench-101 ModelSpec form: a 7x7 0/1 upper-triangular adjacency matrix and 7 op labels. */
export interface Nb101Spec {
  matrix: number[][];
  ops: string[];
}

/** The cell as a NAS-Bench-101 ModelSpec (matrix[i][j] = 1 for an edge i -> j). */
export function nb101ToSpec(arch: Nb101Arch): Nb101Spec {
  assertNb101Arch(arch);
  const matrix = Array.from({ length: NB101_VERTICES }, () =>
    new Array<number>(NB101_VERTICES).fill(0),
  );
  arch.inputs.forEach((list, k) => list.forEach((i) => (matrix[i][k + 1] = 1)));
  arch.output.forEach((i) => (matrix[i][NB101_OUTPUT] = 1));
  return { matrix, ops: ['input', ...arch.ops, 'output'] };
}

/**
 * The cell of a NAS-Bench-101 ModelSpec, when the spec lies in this subspace with its vertices
 * in this space's order (node j reads only earlier vertices). Throws ArchError otherwise.
 */
export function nb101FromSpec(spec: Nb101Spec): Nb101Arch {
  const shown = JSON.stringify(spec);
  const bad = (why: string): never => {
    throw new ArchError(`NAS-Bench-101 spec ${shown} is not in the subspace: ${why}`, shown);
  };
  const { matrix, ops } = spec;
  if (!Array.isArray(matrix) || matrix.length !== NB101_VERTICES) {
    bad(`expected a ${NB101_VERTICES}x${NB101_VERTICES} matrix`);
  }
  if (!Array.isArray(ops) || ops.length !== NB101_VERTICES) bad(`expected ${NB101_VERTICES} ops`);
  if (ops[0] !== 'input' || ops[NB101_OUTPUT] !== 'output')
    bad("ops must start 'input', end 'output'");
  matrix.forEach((row, i) => {
    if (!Array.isArray(row) || row.length !== NB101_VERTICES) bad(`row ${i} has the wrong length`);
    row.forEach((v, j) => {
      if (v !== 0 && v !== 1) bad(`matrix[${i}][${j}] = ${v} is not 0 or 1`);
      if (v === 1 && j <= i) bad(`edge ${i}->${j} is not upper triangular`);
    });
  });
  if (matrix[0][NB101_OUTPUT] === 1)
    bad('it has an input->output edge, which the subspace forbids');
  const arch: Nb101Arch = {
    ops: ops.slice(1, NB101_OUTPUT).map((op) => {
      const o = OP_NAMES.get(op);
      return o === undefined ? bad(`unknown op ${JSON.stringify(op)}`) : o;
    }),
    inputs: Array.from({ length: NB101_NODES }, (_, k) =>
      matrix.slice(0, k + 1).flatMap((row, i) => (row[k + 1] === 1 ? [i] : [])),
    ),
    output: matrix.flatMap((row, i) => (row[NB101_OUTPUT] === 1 ? [i] : [])),
  };
  try {
    assertNb101Arch(arch);
  } catch (err) {
    bad(err instanceof Error ? err.message : String(err));
  }
  return arch;
}
