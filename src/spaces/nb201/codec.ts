/** NB-201 as a sampler space: 6 edges x 5 ops, valid-cell sampling, extremes by parameters. */
import { NB201_EDGES, NB201_OPS, type Nb201Arch } from './definition';
import { sampleNb201 } from './sample';
import { formatNb201 } from './arch';
import { nb201Space } from './space';
import { nb201ParamCount } from './cost';
import { extremesByParams, type ChoiceCodec, type SamplerSpace } from '../choices';

export const NB201_CODEC: ChoiceCodec<Nb201Arch> = {
  options: NB201_EDGES.map(() => NB201_OPS.length),
  encode: (arch) =>
    arch.map((op) => {
      const i = NB201_OPS.indexOf(op);
      if (i < 0) throw new Error(`unknown NB-201 op ${JSON.stringify(op)}`);
      return i;
    }),
  decode: (choices) => choices.map((i) => NB201_OPS[i]),
};

let extremes: { smallest: Nb201Arch; largest: Nb201Arch } | null = null;

/**
 * Smallest/largest valid NB-201 cell by parameters on the benchmark skeleton (enumerates the
 * 15625 cells once; the ranking by parameters does not depend on C or N).
 */
export function nb201Extremes(): { smallest: Nb201Arch; largest: Nb201Arch } {
  if (!extremes) {
    const e = extremesByParams(
      nb201Space.enumerate!(),
      (a) => nb201ParamCount(a),
      (a) => nb201Space.isValid(a),
    );
    extremes = { smallest: e.smallest, largest: e.largest };
  }
  return extremes;
}

/**
 * Every non-`none` edge lies on an input -> output path (its source is reachable from the input
 * and its target reaches the output), so every op of the cell receives a gradient.
 */
export function nb201AllLive(arch: Nb201Arch): boolean {
  const from = [true, false, false, false];
  for (let j = 1; j < 4; j++) {
    from[j] = NB201_EDGES.some((e, k) => e.to === j && arch[k] !== 'none' && from[e.from]);
  }
  const to = [false, false, false, true];
  for (let i = 2; i >= 0; i--) {
    to[i] = NB201_EDGES.some((e, k) => e.from === i && arch[k] !== 'none' && to[e.to]);
  }
  return NB201_EDGES.every((e, k) => arch[k] === 'none' || (from[e.from] && to[e.to]));
}

export const NB201_SAMPLER_SPACE: SamplerSpace<Nb201Arch> = {
  sample: sampleNb201,
  codec: NB201_CODEC,
  live: nb201AllLive,
  extremes: nb201Extremes,
};

/** NB-201 for seeded sampling of architecture lists (`sampleArchs` of src/train/pipeline). */
export const NB201_SAMPLING = { space: 'nb201', sample: sampleNb201, format: formatNb201 } as const;
