import { ArchError, checkWith } from '../types';
import { genotypeFields, pyIntList, pyOpIndexPairs } from '../darts/pyliteral';
import {
  DARTS_PTB_ACTIVATIONS,
  DARTS_PTB_NODES,
  type DartsPtbGenotype,
  type DartsPtbNode,
} from './definition';

const CONCAT = Array.from({ length: DARTS_PTB_NODES }, (_, i) => i + 1);

function nodesProblem(nodes: readonly { op: string; input: number }[]): string | undefined {
  if (nodes.length !== DARTS_PTB_NODES) {
    return `recurrent needs ${DARTS_PTB_NODES} nodes, got ${nodes.length}`;
  }
  for (let i = 0; i < nodes.length; i++) {
    const { op, input } = nodes[i];
    const where = `node ${i + 1}`;
    if (op === 'none') {
      return `${where}: 'none' is a candidate of the continuous relaxation only, not of a discrete genotype`;
    }
    if (!(DARTS_PTB_ACTIVATIONS as readonly string[]).includes(op)) {
      return `${where}: unknown activation ${JSON.stringify(op)} (expected one of ${DARTS_PTB_ACTIVATIONS.join(', ')})`;
    }
    if (!Number.isInteger(input) || input < 0 || input > i) {
      return `${where}: predecessor ${input} is not an earlier vertex (0..${i})`;
    }
  }
  return undefined;
}

function fail(text: string, why: string): never {
  throw new ArchError(`invalid DARTS-PTB genotype ${JSON.stringify(text)}: ${why}`, text);
}

/**
 * Parses DARTS's recurrent genotype string, e.g. DARTS (2nd order)
 * `Genotype(recurrent=[('sigmoid', 0), ('relu', 1), ('relu', 1), ('identity', 1), ('tanh', 2),
 * ('sigmoid', 5), ('tanh', 3), ('relu', 5)], concat=range(1, 9))`. `concat` may be a list or a
 * range and may be left out; it must name vertices 1..8. Throws ArchError quoting the text.
 */
export function parseDartsPtb(text: string): DartsPtbGenotype {
  const fields = ['recurrent', 'concat'];
  const kwargs = genotypeFields(text, { known: fields, shown: fields }, fail);
  if (!kwargs.recurrent) fail(text, 'missing field recurrent=[...]');
  const pairs = pyOpIndexPairs(kwargs.recurrent);
  if (!pairs) fail(text, "recurrent must be a list of ('activation', predecessor) pairs");
  const nodes = pairs.map(([op, input]) => ({ op, input }));
  const why = nodesProblem(nodes);
  if (why) fail(text, why);
  if (kwargs.concat) {
    const list = pyIntList(kwargs.concat);
    if (!list) fail(text, 'concat must be a list of vertices or range(a, b)');
    if (list.join() !== CONCAT.join()) {
      fail(
        text,
        `concat must be range(1, ${DARTS_PTB_NODES + 1}) (every node), got [${list.join(', ')}]`,
      );
    }
  }
  return { recurrent: nodes as DartsPtbNode[] };
}

/** Like parseDartsPtb but returns the error instead of throwing. */
export const checkDartsPtb = checkWith(parseDartsPtb);

/** Throws ArchError unless `g` is a well-formed recurrent genotype. */
export function assertDartsPtbGenotype(g: DartsPtbGenotype): void {
  const shown = JSON.stringify(g);
  const why =
    g !== null && typeof g === 'object' && Array.isArray(g.recurrent)
      ? nodesProblem(g.recurrent)
      : 'expected {recurrent: [{op, input}, ...]}';
  if (why) throw new ArchError(`invalid DARTS-PTB genotype ${shown}: ${why}`, shown);
}

/** DARTS's genotype string (as its genotypes.py writes DARTS_V2); inverse of parseDartsPtb. */
export function formatDartsPtb(g: DartsPtbGenotype): string {
  assertDartsPtbGenotype(g);
  const nodes = g.recurrent.map((n) => `('${n.op}', ${n.input})`).join(', ');
  return `Genotype(recurrent=[${nodes}], concat=range(1, ${DARTS_PTB_NODES + 1}))`;
}

/** Every well-formed genotype is a working cell. */
export function isValidDartsPtb(g: DartsPtbGenotype): boolean {
  assertDartsPtbGenotype(g);
  return true;
}

/**
 * Canonical form: every node has exactly one predecessor, so a cell is a tree rooted at vertex
 * 0 whose nodes carry activations, and since the output averages all nodes the cell depends only
 * on that tree up to isomorphism. The form writes each subtree as `act(children)` with the
 * children's forms sorted (Aho-Hopcroft-Ullman), the root as `x(...)`. Renumbering the nodes
 * (keeping each after its predecessor) leaves it unchanged.
 */
export function dartsPtbCanonical(g: DartsPtbGenotype): string {
  assertDartsPtbGenotype(g);
  return dartsPtbTreeForm(g.recurrent);
}

/**
 * The canonical tree form of any number of nodes (node i, vertex i + 1, reads `nodes[i].input`
 * < i + 1). dartsPtbCanonical is this for the space's 8 nodes.
 */
export function dartsPtbTreeForm(nodes: readonly DartsPtbNode[]): string {
  const children: number[][] = Array.from({ length: nodes.length + 1 }, () => []);
  nodes.forEach((n, i) => {
    if (!Number.isInteger(n.input) || n.input < 0 || n.input > i) {
      throw new Error(`node ${i + 1} reads ${n.input}, not an earlier vertex (0..${i})`);
    }
    children[n.input].push(i + 1);
  });
  const form = (v: number): string => {
    const label = v === 0 ? 'x' : nodes[v - 1].op;
    const kids = children[v].map(form).sort();
    return kids.length ? `${label}(${kids.join(',')})` : label;
  };
  return form(0);
}
