/** DARTS run spec (sampling, codec, network, costs) for the pipeline; see binding.ts. */
import {
  DARTS_CELL_INPUTS,
  DARTS_CELL_OPS,
  DARTS_NODES,
  type DartsEdge,
  type DartsGenotype,
} from '../../spaces/darts/definition';
import { formatDarts } from '../../spaces/darts/genotype';
import { sampleDarts } from '../../spaces/darts/sample';
import { dartsCost } from '../../spaces/darts/cost';
import type { ChoiceCodec } from '../../spaces/choices';
import type { SpaceRunSpec } from '../binding';
import { DartsSupernet, type DartsSupernetSkeleton } from './network';

/**
 * Decisions, per cell type (normal, then reduce) and per node: the ordered pair of distinct
 * inputs (n(n-1) options for n earlier vertices) and the op of each slot (7 options each).
 */
function pairsFor(node: number): [number, number][] {
  const n = node + DARTS_CELL_INPUTS;
  const out: [number, number][] = [];
  for (let a = 0; a < n; a++) for (let b = 0; b < n; b++) if (a !== b) out.push([a, b]);
  return out;
}
const PAIRS = Array.from({ length: DARTS_NODES }, (_, i) => pairsFor(i));
const CELL_OPTIONS = PAIRS.flatMap((p) => [p.length, DARTS_CELL_OPS.length, DARTS_CELL_OPS.length]);

function encodeCell(edges: readonly DartsEdge[]): number[] {
  return PAIRS.flatMap((pairs, node) => {
    const [a, b] = [edges[2 * node], edges[2 * node + 1]];
    return [
      pairs.findIndex(([x, y]) => x === a.input && y === b.input),
      DARTS_CELL_OPS.indexOf(a.op),
      DARTS_CELL_OPS.indexOf(b.op),
    ];
  });
}

function decodeCell(ch: readonly number[]): DartsEdge[] {
  return PAIRS.flatMap((pairs, node) => {
    const [a, b] = pairs[ch[3 * node]];
    return [
      { input: a, op: DARTS_CELL_OPS[ch[3 * node + 1]] },
      { input: b, op: DARTS_CELL_OPS[ch[3 * node + 2]] },
    ];
  });
}

export const DARTS_CODEC: ChoiceCodec<DartsGenotype> = {
  options: [...CELL_OPTIONS, ...CELL_OPTIONS],
  encode: (g) => [...encodeCell(g.normal), ...encodeCell(g.reduce)],
  decode: (ch) => ({
    normal: decodeCell(ch.slice(0, CELL_OPTIONS.length)),
    reduce: decodeCell(ch.slice(CELL_OPTIONS.length)),
  }),
};

/** Smoke skeleton: C=4, 3 cells (reductions at cells 1 and 2), for 8x8 images. */
export const DARTS_SMOKE_SKELETON: Readonly<DartsSupernetSkeleton> = Object.freeze({
  channels: 4,
  layers: 3,
  stemMultiplier: 3,
  inChannels: 1,
  numClasses: 3,
});

function uniformCell(op: DartsEdge['op']): DartsEdge[] {
  return PAIRS.flatMap(() => [
    { input: 0, op },
    { input: 1, op },
  ]);
}

export function dartsRunSpec(
  skeleton: DartsSupernetSkeleton,
  imageSize: number,
): SpaceRunSpec<DartsGenotype> {
  const s = { ...skeleton, imageSize };
  return {
    space: 'darts',
    format: formatDarts,
    sample: sampleDarts,
    codec: DARTS_CODEC,
    // By parameters: every edge sep_conv_5x5 is the largest, parameter-free ops the smallest
    // (max_pool everywhere; reduction skips from the inputs would add FactorizedReduce).
    extremes: () => ({
      smallest: { normal: uniformCell('max_pool_3x3'), reduce: uniformCell('max_pool_3x3') },
      largest: { normal: uniformCell('sep_conv_5x5'), reduce: uniformCell('sep_conv_5x5') },
    }),
    build: (seed) => new DartsSupernet(skeleton, seed),
    params: (g) => dartsCost(g, s).params,
    flops: (g) => dartsCost(g, s).flops,
  };
}
