import { parseNb201 } from '../spaces/nb201/arch';
import { NB201_EDGES } from '../spaces/nb201/definition';
import { AnalysisInputError } from './columns';

/** Labels of the NAS-Bench-201 edges in architecture-string order, e.g. '0-3' (input -> output). */
export const NB201_EDGE_LABELS: readonly string[] = NB201_EDGES.map((e) => `${e.from}-${e.to}`);

/**
 * Ops per edge of a NAS-Bench-201 architecture string `|op~0|+|op~0|op~1|+|op~0|op~1|op~2|`, in
 * NB201_EDGES order (parsed by the spaces module). Throws naming the string when it is malformed.
 */
export function nb201EdgeOps(arch: string): string[] {
  try {
    return [...parseNb201(arch)];
  } catch (err) {
    throw new AnalysisInputError((err as Error).message);
  }
}
