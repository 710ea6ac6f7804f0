/** DARTS-PTB run spec (sampling, codec, network, costs) for the pipeline; see binding.ts. */
import {
  DARTS_PTB_ACTIVATIONS,
  DARTS_PTB_NODES,
  type DartsPtbGenotype,
  type DartsPtbSkeleton,
} from '../../spaces/darts-ptb/definition';
import { formatDartsPtb } from '../../spaces/darts-ptb/genotype';
import { sampleDartsPtb } from '../../spaces/darts-ptb/sample';
import { dartsPtbCost } from '../../spaces/darts-ptb/cost';
import type { ChoiceCodec } from '../../spaces/choices';
import type { SpaceRunSpec } from '../binding';
import { DartsPtbSupernet } from './network';

/** Decisions per node i (1..8): predecessor (i options), activation (4). */
export const DARTS_PTB_CODEC: ChoiceCodec<DartsPtbGenotype> = {
  options: Array.from({ length: DARTS_PTB_NODES }, (_, i) => [i + 1, 4]).flat(),
  encode: (g) => g.recurrent.flatMap((n) => [n.input, DARTS_PTB_ACTIVATIONS.indexOf(n.op)]),
  decode: (ch) => ({
    recurrent: Array.from({ length: DARTS_PTB_NODES }, (_, i) => ({
      input: ch[2 * i],
      op: DARTS_PTB_ACTIVATIONS[ch[2 * i + 1]],
    })),
  }),
};

export const DARTS_PTB_SMOKE_SKELETON: Readonly<DartsPtbSkeleton> = Object.freeze({
  vocabulary: 200,
  embedding: 16,
  hidden: 16,
});

export function dartsPtbRunSpec(skeleton: DartsPtbSkeleton): SpaceRunSpec<DartsPtbGenotype> {
  const chain = (op: (typeof DARTS_PTB_ACTIVATIONS)[number]) => ({
    recurrent: Array.from({ length: DARTS_PTB_NODES }, (_, i) => ({ input: i, op })),
  });
  return {
    space: 'darts-ptb',
    metric: 'perplexity',
    format: formatDartsPtb,
    sample: sampleDartsPtb,
    codec: DARTS_PTB_CODEC,
    // Every genotype has the same parameters (the sandwich rule degenerates to two fixed cells).
    extremes: () => ({ smallest: chain('identity'), largest: chain('tanh') }),
    build: (seed) => new DartsPtbSupernet(skeleton, seed),
    params: (g) => dartsPtbCost(g, skeleton).params,
    flops: (g) => dartsPtbCost(g, skeleton).flops,
  };
}
