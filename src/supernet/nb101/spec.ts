/** NB-101 run spec (sampling, codec, networks, costs) for the pipeline; see binding.ts. */
import {
  NB101_NODES,
  NB101_OPS,
  type Nb101Arch,
  type Nb101Op,
} from '../../spaces/nb101/definition';
import { isValidNb101, formatNb101 } from '../../spaces/nb101/arch';
import {
  NB101_INPUT_CHOICES,
  NB101_OUTPUT_CHOICES,
  enumerateNb101,
  sampleNb101,
} from '../../spaces/nb101/enumerate';
import { nb101Cost } from '../../spaces/nb101/cost';
import { extremesByParams } from '../../spaces/choices';
import type { ChoiceCodec } from '../../spaces/choices';
import type { SpaceRunSpec } from '../binding';
import { Nb101Supernet, type Nb101SupernetSkeleton } from './network';

/**
 * Decisions: the op of nodes 1..5 (3 options each), the inputs of nodes 1..5 (1, 2, 3, 6, 10
 * options), the output pair (10 options).
 */
export const NB101_CODEC: ChoiceCodec<Nb101Arch> = {
  options: [
    ...new Array<number>(NB101_NODES).fill(NB101_OPS.length),
    ...NB101_INPUT_CHOICES.map((c) => c.length),
    NB101_OUTPUT_CHOICES.length,
  ],
  encode(arch) {
    const key = (v: readonly number[]) => v.join();
    return [
      ...arch.ops.map((op) => NB101_OPS.indexOf(op)),
      ...arch.inputs.map((inp, j) => NB101_INPUT_CHOICES[j].findIndex((c) => key(c) === key(inp))),
      NB101_OUTPUT_CHOICES.findIndex((c) => key(c) === key(arch.output)),
    ];
  },
  decode(ch) {
    return {
      ops: ch.slice(0, NB101_NODES).map((i) => NB101_OPS[i] as Nb101Op),
      inputs: NB101_INPUT_CHOICES.map((c, j) => c[ch[NB101_NODES + j]]),
      output: NB101_OUTPUT_CHOICES[ch[2 * NB101_NODES]],
    };
  },
};

/** Smoke skeleton: C=4, 2 stacks of 1 cell, for 8x8 images. */
export const NB101_SMOKE_SKELETON: Readonly<Nb101SupernetSkeleton> = Object.freeze({
  stemChannels: 4,
  stacks: 2,
  cellsPerStack: 1,
  inChannels: 1,
  numClasses: 3,
});

export function nb101RunSpec(skeleton: Nb101SupernetSkeleton): SpaceRunSpec<Nb101Arch> {
  const s = {
    stemChannels: skeleton.stemChannels,
    stacks: skeleton.stacks,
    cellsPerStack: skeleton.cellsPerStack,
    inChannels: skeleton.inChannels,
    numClasses: skeleton.numClasses,
  };
  let extremes: { smallest: Nb101Arch; largest: Nb101Arch } | null = null;
  return {
    space: 'nb101',
    format: formatNb101,
    sample: sampleNb101,
    codec: NB101_CODEC,
    // No `live` filter for FairNAS: fully valid fair groups are too rare here (< 1e-5); a
    // dead node of an invalid path simply gets no gradient in that sub-step.
    extremes() {
      extremes ??= extremesByParams(enumerateNb101(), (a) => nb101Cost(a, s).params, isValidNb101);
      return extremes;
    },
    build: (seed) => new Nb101Supernet(skeleton, seed),
    params: (a) => nb101Cost(a, s).params,
    flops: (a) => nb101Cost(a, s).flops,
  };
}
