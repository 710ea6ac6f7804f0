/**
 * Parameters and FLOPs of DARTS's PTB language model (RNNModel) around a recurrent cell:
 *
 *   embedding  vocabulary x E (shared with the decoder: the weights are tied, so E = hidden)
 *   cell       W0: (E + H) x 2H for vertex 0, and one H x 2H matrix per node (no biases)
 *   decoder    the embedding's weights transposed, plus a bias of `vocabulary`
 *
 * Both counts are the same for every genotype of the space (activations and predecessors add no
 * weights); DARTS reports 23M parameters for its PTB cells. FLOPs are the multiply-accumulates
 * per token (one time step): (E + H) 2H + 8 H 2H for the cell and E x vocabulary for the decoder;
 * activations and the highway updates are not counted.
 */
import { integerSkeleton } from '../types';
import {
  DARTS_PTB_NODES,
  DARTS_PTB_SKELETON,
  type DartsPtbGenotype,
  type DartsPtbSkeleton,
} from './definition';
import { assertDartsPtbGenotype } from './genotype';

/** A complete, checked skeleton (missing fields from DARTS's evaluation model). */
export function dartsPtbSkeleton(input: Partial<DartsPtbSkeleton> = {}): DartsPtbSkeleton {
  const s = integerSkeleton(DARTS_PTB_SKELETON, input);
  if (s.embedding !== s.hidden) {
    throw new Error(
      `skeleton embedding (${s.embedding}) must equal hidden (${s.hidden}): the decoder shares the embedding's weights`,
    );
  }
  return s;
}

export interface DartsPtbCost {
  params: number;
  /** Multiply-accumulates per token. */
  flops: number;
}

export function dartsPtbCost(
  g: DartsPtbGenotype,
  skeleton?: Partial<DartsPtbSkeleton>,
): DartsPtbCost {
  assertDartsPtbGenotype(g);
  const s = dartsPtbSkeleton(skeleton);
  const e = s.embedding;
  const h = s.hidden;
  const cell = (e + h) * 2 * h + DARTS_PTB_NODES * h * 2 * h;
  return {
    params: s.vocabulary * e + cell + s.vocabulary,
    flops: cell + e * s.vocabulary,
  };
}
