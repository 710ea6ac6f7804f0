import { NB201_EDGES, NB201_OPS } from '../spaces/nb201/definition';
import { AnalysisInputError } from './columns';

/** Labels of the NAS-Bench-201 edges in architecture-string order, e.g. '0-3' (input -> output). */
export const NB201_EDGE_LABELS: readonly string[] = NB201_EDGES.map((e) => `${e.from}-${e.to}`);

/**
 * Ops per edge of a NAS-Bench-201 architecture string `|op~0|+|op~0|op~1|+|op~0|op~1|op~2|`, in
 * NB201_EDGES order. Throws naming the string when it is malformed.
 */
export function nb201EdgeOps(arch: string): string[] {
  const nodes = arch.split('+');
  const bad = (why: string) =>
    new AnalysisInputError(`not a NAS-Bench-201 architecture string (${why}): '${arch}'`);
  if (nodes.length !== 3) throw bad('expected 3 node groups separated by +');
  const ops: string[] = [];
  nodes.forEach((group, g) => {
    if (!group.startsWith('|') || !group.endsWith('|')) throw bad(`group ${g + 1} not in |...|`);
    const parts = group.slice(1, -1).split('|');
    if (parts.length !== g + 1) throw bad(`node ${g + 1} needs ${g + 1} inputs`);
    parts.forEach((p, i) => {
      const [op, from] = p.split('~');
      if (!(NB201_OPS as readonly string[]).includes(op)) throw bad(`unknown op '${op}'`);
      if (from !== String(i)) throw bad(`input '${p}' should come from node ${i}`);
      ops.push(op);
    });
  });
  return ops;
}
