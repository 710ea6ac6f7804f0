import { drawIndex, pickOne } from '../choices';
import type { RandomSource } from '../types';
import {
  PROXYLESS_FLOPS_LIMIT,
  type ProxylessArch,
  type ProxylessOp,
  type ProxylessSkeleton,
} from './definition';
import { assertProxylessArch } from './arch';
import { proxylessLayers } from './layers';
import { proxylessLayerChoices, proxylessFixedCost, proxylessLayerCosts } from './cost';

/** Size of the space: 6 choices per unskippable layer, 7 per skippable one (2.22e17 on GPU). */
export function proxylessCount(skeleton?: Partial<ProxylessSkeleton>): bigint {
  return proxylessLayers(skeleton).reduce(
    (n, layer) => n * BigInt(proxylessLayerChoices(layer.skippable).length),
    1n,
  );
}

/** An architecture drawn uniformly (each layer uniform over its choices; one draw per layer). */
export function sampleProxyless(
  rng: RandomSource,
  skeleton?: Partial<ProxylessSkeleton>,
): ProxylessArch {
  return proxylessLayers(skeleton).map((layer) =>
    pickOne(rng, proxylessLayerChoices(layer.skippable)),
  );
}

/**
 * An architecture drawn uniformly among those with FLOPs <= `limit` (the seed's evaluation
 * filter, 600M), by rejection. About 20% of the GPU space passes 600M (a Monte Carlo estimate;
 * the tests pin it loosely), so this takes about five draws on average; throws after `maxTries`
 * rejections (e.g. for a limit below the space's minimum).
 */
export function sampleProxylessWithin(
  rng: RandomSource,
  limit = PROXYLESS_FLOPS_LIMIT,
  skeleton?: Partial<ProxylessSkeleton>,
  maxTries = 10000,
): ProxylessArch {
  const costs = proxylessLayerCosts(skeleton);
  const fixed = proxylessFixedCost(skeleton).flops;
  const table = costs.map(({ layer, cost }) => {
    const ops = proxylessLayerChoices(layer.skippable);
    return { ops, flops: ops.map((op) => cost(op).flops) };
  });
  for (let t = 0; t < maxTries; t++) {
    let flops = fixed;
    const arch: ProxylessOp[] = table.map(({ ops, flops: f }) => {
      const i = drawIndex(rng, ops.length);
      flops += f[i];
      return ops[i];
    });
    if (flops <= limit) return arch;
  }
  throw new Error(`no ProxylessNAS architecture with FLOPs <= ${limit} found in ${maxTries} draws`);
}

/** Every architecture that differs from `arch` in one layer's op (120 on the GPU skeleton). */
export function proxylessNeighbours(
  arch: ProxylessArch,
  skeleton?: Partial<ProxylessSkeleton>,
): ProxylessArch[] {
  assertProxylessArch(arch, skeleton);
  const out: ProxylessArch[] = [];
  for (const layer of proxylessLayers(skeleton)) {
    for (const op of proxylessLayerChoices(layer.skippable)) {
      if (op === arch[layer.index]) continue;
      const next = [...arch];
      next[layer.index] = op;
      out.push(next);
    }
  }
  return out;
}

/** Mutation for evolution: one neighbour, uniformly. One draw from `rng`. */
export function mutateProxyless(
  arch: ProxylessArch,
  rng: RandomSource,
  skeleton?: Partial<ProxylessSkeleton>,
): ProxylessArch {
  return pickOne(rng, proxylessNeighbours(arch, skeleton));
}
