/** ProxylessNAS run spec (sampling, codec, network, costs) for the pipeline; see binding.ts. */
import type { ProxylessArch, ProxylessSkeleton } from '../../spaces/proxyless/definition';
import { PROXYLESS_OPS } from '../../spaces/proxyless/definition';
import { formatProxyless } from '../../spaces/proxyless/arch';
import { sampleProxyless } from '../../spaces/proxyless/sample';
import { proxylessCost, proxylessLayerChoices } from '../../spaces/proxyless/cost';
import { proxylessLayers } from '../../spaces/proxyless/layers';
import type { ChoiceCodec } from '../../spaces/choices';
import type { SpaceRunSpec } from '../binding';
import { ProxylessSupernet } from './network';

/** Smoke skeleton: 16x16 grey images, width 1, two stages of 2 layers, 3 classes. */
export const PROXYLESS_SMOKE_SKELETON: Readonly<Partial<ProxylessSkeleton>> = Object.freeze({
  widthMult: 1,
  widthStages: [8, 16],
  layersPerStage: [2, 2],
  strideStages: [2, 2],
  firstConv: 8,
  firstBlock: 8,
  lastChannel: 32,
  inChannels: 1,
  numClasses: 3,
  imageSize: 16,
});

/** One decision per layer: its allowed choices (6 MBConvs, plus skip where shapes allow). */
export function proxylessCodec(skeleton: Partial<ProxylessSkeleton>): ChoiceCodec<ProxylessArch> {
  const choices = proxylessLayers(skeleton).map((l) => proxylessLayerChoices(l.skippable));
  return {
    options: choices.map((c) => c.length),
    encode: (a) => a.map((op, i) => choices[i].indexOf(op)),
    decode: (ch) => ch.map((k, i) => choices[i][k]),
  };
}

export function proxylessRunSpec(
  skeleton: Partial<ProxylessSkeleton>,
): SpaceRunSpec<ProxylessArch> {
  const layers = proxylessLayers(skeleton);
  return {
    space: 'proxyless',
    format: (a) => formatProxyless(a, skeleton),
    sample: (rng) => sampleProxyless(rng, skeleton),
    codec: proxylessCodec(skeleton),
    // Parameters grow with kernel and expansion on every layer independently: the extremes are
    // 7x7_MBConv6 everywhere and, per layer, skip where allowed else 3x3_MBConv3.
    extremes: () => ({
      smallest: layers.map((l) => (l.skippable ? 'skip' : PROXYLESS_OPS[0])),
      largest: layers.map(() => '7x7_MBConv6' as const),
    }),
    build: (seed) => new ProxylessSupernet(skeleton, seed),
    params: (a) => proxylessCost(a, skeleton).params,
    flops: (a) => proxylessCost(a, skeleton).flops,
  };
}
