import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ArchError } from '../../src/spaces/types';
import {
  DARTS_PTB_ACTIVATIONS,
  DARTS_PTB_SEARCH_SKELETON,
  checkDartsPtb,
  dartsPtbCanonical,
  dartsPtbCount,
  dartsPtbNeighbours,
  dartsPtbSpace,
  dartsPtbTreeForm,
  dartsPtbUniqueCount,
  formatDartsPtb,
  mutateDartsPtb,
  parseDartsPtb,
  sampleDartsPtb,
  type DartsPtbGenotype,
  type DartsPtbNode,
} from '../../src/spaces/darts-ptb';
import { testRng } from './helpers';

// DARTS (2nd order) PTB cell, as DARTS's rnn/genotypes.py writes DARTS_V2.
const DARTS_V2 =
  "Genotype(recurrent=[('sigmoid', 0), ('relu', 1), ('relu', 1), ('identity', 1), ('tanh', 2), ('sigmoid', 5), ('tanh', 3), ('relu', 5)], concat=range(1, 9))";

test('count: 4^8 * 8! = 2642411520 ~ 2.64e9 (seed 001, Table 1)', () => {
  assert.equal(dartsPtbCount(), 4n ** 8n * 40320n);
  assert.equal(dartsPtbCount(), 2642411520n);
  assert.equal(Number(dartsPtbCount()).toPrecision(3), '2.64e+9');
  const c = dartsPtbSpace.counts();
  assert.equal(c.total, 2642411520n);
  assert.equal(c.valid, 2642411520n);
  assert.equal(c.unique, dartsPtbUniqueCount(8));
});

test('isomorphism classes: the tree-counting formula matches brute force up to 5 nodes', () => {
  // Enumerate every cell with n nodes (predecessor of node i in 0..i-1, 4 activations) and count
  // distinct canonical tree forms; compare with the Euler-transform count.
  for (let n = 1; n <= 5; n++) {
    const forms = new Set<string>();
    const rec = (nodes: DartsPtbNode[]) => {
      if (nodes.length === n) {
        forms.add(dartsPtbTreeForm(nodes));
        return;
      }
      for (const op of DARTS_PTB_ACTIVATIONS) {
        for (let input = 0; input <= nodes.length; input++) rec([...nodes, { op, input }]);
      }
    };
    rec([]);
    assert.equal(BigInt(forms.size), dartsPtbUniqueCount(n), `n=${n}`);
  }
  // n = 2 by hand: two leaves under the root (10 multisets of 4 labels) or a chain (16).
  assert.equal(dartsPtbUniqueCount(2), 26n);
  assert.equal(dartsPtbUniqueCount(8), 9345761n);
});

test('DARTS_V2 parses and formats back verbatim; range or list concat, or none', () => {
  const g = parseDartsPtb(DARTS_V2);
  assert.deepEqual(g.recurrent[5], { op: 'sigmoid', input: 5 });
  assert.equal(formatDartsPtb(g), DARTS_V2);
  assert.deepEqual(parseDartsPtb(DARTS_V2.replace('range(1, 9)', '[1, 2, 3, 4, 5, 6, 7, 8]')), g);
  assert.deepEqual(parseDartsPtb(DARTS_V2.replace(', concat=range(1, 9)', '')), g);
  const rng = testRng(5);
  for (let n = 0; n < 300; n++) {
    const s = formatDartsPtb(sampleDartsPtb(rng));
    assert.equal(dartsPtbSpace.format(dartsPtbSpace.parse(s)), s);
  }
});

test('malformed genotypes get an ArchError quoting the input and naming the problem', () => {
  const cases: [string, RegExp][] = [
    ['', /empty/],
    ["Genotype(recurrent=[('tanh', 0)", /not a Genotype/],
    [DARTS_V2.replace("('sigmoid', 0)", "('none', 0)"), /'none' is a candidate/],
    [DARTS_V2.replace("('sigmoid', 0)", "('gelu', 0)"), /unknown activation "gelu"/],
    [
      DARTS_V2.replace("('tanh', 3)", "('tanh', 7)"),
      /node 7: predecessor 7 is not an earlier vertex/,
    ],
    [DARTS_V2.replace(", ('relu', 5)]", ']'), /needs 8 nodes, got 7/],
    [DARTS_V2.replace('range(1, 9)', 'range(2, 9)'), /concat must be range\(1, 9\)/],
    [DARTS_V2.replace('recurrent=', 'cells='), /unknown field "cells"/],
  ];
  for (const [text, why] of cases) {
    assert.throws(
      () => parseDartsPtb(text),
      (err: unknown) =>
        err instanceof ArchError &&
        err.input === text &&
        err.message.includes(JSON.stringify(text)) &&
        why.test(err.message),
      text,
    );
    assert.equal(checkDartsPtb(text).ok, false);
  }
});

test('canonical: renumbering the nodes keeps the form; a real change alters it', () => {
  const g = parseDartsPtb(DARTS_V2);
  // Nodes 2 and 3 (vertices 2, 3) are both relu children of node 1 and leaves except that
  // vertex 2 feeds node 5 and vertex 3 feeds node 7: swap the two vertices' roles.
  const r = [...g.recurrent];
  const swapped: DartsPtbGenotype = {
    recurrent: r.map((n) => ({ ...n, input: n.input === 2 ? 3 : n.input === 3 ? 2 : n.input })),
  };
  assert.notEqual(formatDartsPtb(swapped), formatDartsPtb(g));
  assert.equal(dartsPtbCanonical(swapped), dartsPtbCanonical(g));
  const other = { recurrent: [{ op: 'tanh' as const, input: 0 }, ...r.slice(1)] };
  assert.notEqual(dartsPtbCanonical(other), dartsPtbCanonical(g));
  // By hand: 1 sigmoid <- x; 2, 3 relu and 4 identity <- 1; 5 tanh <- 2; 7 tanh <- 3;
  // 6 sigmoid and 8 relu <- 5. Children sorted as strings ('(' sorts before ')').
  assert.equal(dartsPtbCanonical(g), 'x(sigmoid(identity,relu(tanh(relu,sigmoid)),relu(tanh)))');
});

test('params: 23M for the evaluation model (DARTS reports 23M), independent of the genotype', () => {
  const g = parseDartsPtb(DARTS_V2);
  // embedding 10000x850 (tied decoder) + decoder bias + W0 1700x1700 + 8 x 850x1700
  assert.equal(dartsPtbSpace.paramCount(g), 10000 * 850 + 10000 + 1700 * 1700 + 8 * 850 * 1700);
  assert.equal(dartsPtbSpace.paramCount(g), 22960000);
  assert.equal(dartsPtbSpace.paramCount(sampleDartsPtb(testRng(1))), 22960000);
  assert.equal(dartsPtbSpace.flops(g), 1700 * 1700 + 8 * 850 * 1700 + 850 * 10000);
  const search = dartsPtbSpace.skeleton({ channels: 300 });
  assert.deepEqual(search, DARTS_PTB_SEARCH_SKELETON);
  assert.throws(() => dartsPtbSpace.skeleton({ imageSize: 32 }), /imageSize does not apply/);
});

test('sampling: activations and predecessors uniform (5-sigma bounds)', () => {
  const rng = testRng(8);
  const n = 20000;
  const acts = new Map<string, number>();
  const preds = new Array<number>(8).fill(0);
  for (let k = 0; k < n; k++) {
    const g = sampleDartsPtb(rng);
    acts.set(g.recurrent[2].op, (acts.get(g.recurrent[2].op) ?? 0) + 1);
    preds[g.recurrent[7].input]++;
  }
  const within = (c: number, p: number) => Math.abs(c - n * p) < 5 * Math.sqrt(n * p * (1 - p));
  assert.equal(acts.size, 4);
  for (const c of acts.values()) assert.ok(within(c, 1 / 4), `activation count ${c}`);
  for (const c of preds) assert.ok(within(c, 1 / 8), `predecessor count ${c}`);
});

test('mutation: 52 neighbours; a mutant differs in exactly one node', () => {
  const rng = testRng(6);
  let g = parseDartsPtb(DARTS_V2);
  assert.equal(dartsPtbNeighbours(g).length, 52);
  for (let n = 0; n < 300; n++) {
    const next = mutateDartsPtb(g, rng);
    assert.ok(dartsPtbSpace.isValid(next));
    const diff = next.recurrent.filter(
      (x, i) => x.op !== g.recurrent[i].op || x.input !== g.recurrent[i].input,
    );
    assert.equal(diff.length, 1);
    g = next;
  }
});

test('describe: JSON-ready summary', () => {
  const d = dartsPtbSpace.describe(parseDartsPtb(DARTS_V2));
  assert.equal(d.params, 22960000);
  assert.doesNotThrow(() => JSON.stringify(d));
});
