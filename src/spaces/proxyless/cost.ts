/**
 * Parameters and FLOPs of a ProxylessNAS network, counted as ProxylessNAS counts them:
 *
 *   FLOPs  multiply-accumulates of convolutions (Cin/groups * Cout * k * k per output position,
 *          the output size being floor(input / stride)) and of the classifier (in * out); BN,
 *          ReLU6, pooling, residual additions and biases are not counted. This is the
 *          convention of ProxylessNAS's `get_flops` and of the seed's "<= 600M FLOPs" filter.
 *   params every weight: convs (no bias), BN (2 per channel), classifier weights and bias.
 *
 * An MBConv block with expansion e on Cin -> Cout: 1x1 expansion to Cin*e channels (left out
 * when e = 1), depthwise kxk with the layer's stride, 1x1 projection to Cout, each followed by
 * BN. A skipped layer is the identity (no weights, no FLOPs).
 */
import {
  PROXYLESS_FLOPS_LIMIT,
  PROXYLESS_OPS,
  type ProxylessArch,
  type ProxylessSkeleton,
} from './definition';
import { assertProxylessArch, mbconvShape } from './arch';
import { proxylessLayers, proxylessSkeleton, proxylessWidths, strided } from './layers';

export interface ProxylessCost {
  params: number;
  /** Multiply-accumulates of one image's forward pass. */
  flops: number;
}

interface Counter {
  params: number;
  flops: number;
}

/** Adds a conv (no bias) + BN; returns the output size. */
function conv(
  c: Counter,
  cin: number,
  cout: number,
  k: number,
  stride: number,
  groups: number,
  size: number,
) {
  const out = strided(size, stride);
  c.params += (cin / groups) * cout * k * k + 2 * cout;
  c.flops += (cin / groups) * cout * k * k * out * out;
  return out;
}

/** Adds an MBConv block; returns the output size. */
function mbconv(
  c: Counter,
  cin: number,
  cout: number,
  k: number,
  e: number,
  stride: number,
  size: number,
) {
  const mid = Math.round(cin * e);
  if (e !== 1) conv(c, cin, mid, 1, 1, 1, size);
  const out = conv(c, mid, mid, k, stride, mid, size);
  conv(c, mid, cout, 1, 1, 1, out);
  return out;
}

/** Cost of one searchable layer's op (0 for skip), for FLOP tables and filters. */
export function proxylessLayerCosts(skeleton?: Partial<ProxylessSkeleton>) {
  return proxylessLayers(skeleton).map((layer) => ({
    layer,
    cost: (op: ProxylessArch[number]): ProxylessCost => {
      const c = { params: 0, flops: 0 };
      const shape = mbconvShape(op);
      if (shape) {
        mbconv(
          c,
          layer.inChannels,
          layer.outChannels,
          shape.kernel,
          shape.expand,
          layer.stride,
          layer.inputSize,
        );
      }
      return c;
    },
  }));
}

/** The fixed part of the network (stem, first block, head), the same for every architecture. */
export function proxylessFixedCost(skeleton?: Partial<ProxylessSkeleton>): ProxylessCost {
  return fixedCost(proxylessSkeleton(skeleton));
}

function fixedCost(s: ProxylessSkeleton): ProxylessCost {
  const w = proxylessWidths(s);
  const c = { params: 0, flops: 0 };
  let size = conv(c, s.inChannels, w.firstConv, 3, 2, 1, s.imageSize);
  size = mbconv(c, w.firstConv, w.firstBlock, 3, 1, 1, size);
  for (const layer of proxylessLayers(s)) size = strided(size, layer.stride);
  const lastIn = w.stages[w.stages.length - 1];
  conv(c, lastIn, w.last, 1, 1, 1, size);
  c.params += w.last * s.numClasses + s.numClasses;
  c.flops += w.last * s.numClasses;
  return c;
}

/** Parameters and FLOPs of the network for `arch` on `skeleton`. */
export function proxylessCost(
  arch: ProxylessArch,
  skeleton?: Partial<ProxylessSkeleton>,
): ProxylessCost {
  const s = proxylessSkeleton(skeleton);
  assertProxylessArch(arch, s);
  const total = fixedCost(s);
  proxylessLayerCosts(s).forEach(({ layer, cost }) => {
    const c = cost(arch[layer.index]);
    total.params += c.params;
    total.flops += c.flops;
  });
  return total;
}

/** The seed's evaluation filter: FLOPs <= limit (600M by default). */
export function proxylessWithinFlops(
  arch: ProxylessArch,
  limit = PROXYLESS_FLOPS_LIMIT,
  skeleton?: Partial<ProxylessSkeleton>,
): boolean {
  return proxylessCost(arch, skeleton).flops <= limit;
}

/** Smallest and largest FLOPs over the space (every layer at its cheapest / dearest op). */
export function proxylessFlopsRange(skeleton?: Partial<ProxylessSkeleton>): {
  min: number;
  max: number;
} {
  const s = proxylessSkeleton(skeleton);
  const fixed = fixedCost(s).flops;
  let min = fixed;
  let max = fixed;
  for (const { layer, cost } of proxylessLayerCosts(s)) {
    const options = proxylessLayerChoices(layer.skippable).map((op) => cost(op).flops);
    min += Math.min(...options);
    max += Math.max(...options);
  }
  return { min, max };
}

/** The ops a layer may take. */
export function proxylessLayerChoices(skippable: boolean): ProxylessArch[number][] {
  return skippable ? [...PROXYLESS_OPS] : PROXYLESS_OPS.filter((op) => op !== 'skip');
}
