import { costCounts, type SearchSpace, type SkeletonOptions } from '../types';
import {
  PROXYLESS_FLOPS_LIMIT,
  PROXYLESS_GPU_SKELETON,
  type ProxylessArch,
  type ProxylessSkeleton,
} from './definition';
import { assertProxylessArch, checkProxyless, formatProxyless, parseProxyless } from './arch';
import { proxylessCost } from './cost';
import { proxylessSkeleton } from './layers';
import { mutateProxyless, proxylessCount, sampleProxyless } from './sample';

/** The ProxylessNAS-GPU chain space as a SearchSpace. */
export const proxylessSpace: SearchSpace<ProxylessArch, ProxylessSkeleton> = {
  name: 'proxyless',
  description:
    "ProxylessNAS-GPU chain (width 1.35, ImageNet 224x224): 21 layers, each MBConv k3/5/7 x e3/6 or skip (not on a stage's first layer); size 2.22e17 as in seed 001; evaluation keeps FLOPs <= 600M",
  parse: (text) => parseProxyless(text),
  format: (arch) => formatProxyless(arch),
  check: checkProxyless,
  isValid(arch) {
    assertProxylessArch(arch);
    return true;
  },
  counts() {
    const n = proxylessCount();
    return { total: n, valid: n, unique: n };
  },
  sample: (rng) => sampleProxyless(rng),
  mutate: (arch, rng) => mutateProxyless(arch, rng),
  canonical: (arch) => formatProxyless(arch),
  defaultSkeleton: PROXYLESS_GPU_SKELETON,
  skeleton(o: SkeletonOptions): ProxylessSkeleton {
    if (o.cells !== undefined) {
      throw new Error(
        'proxyless: the number of layers is fixed by the space (cells does not apply)',
      );
    }
    const s: Partial<ProxylessSkeleton> = {
      numClasses: o.classes,
      inChannels: o.inChannels,
      imageSize: o.imageSize,
    };
    // --channels sets the first conv's base width; the multiplier scales the whole network.
    if (o.channels !== undefined) s.widthMult = o.channels / PROXYLESS_GPU_SKELETON.firstConv;
    return proxylessSkeleton(s);
  },
  ...costCounts(proxylessCost),
  describe(arch, s) {
    const skeleton = proxylessSkeleton(s);
    const cost = proxylessCost(arch, skeleton);
    return {
      space: 'proxyless',
      arch: formatProxyless(arch, skeleton),
      valid: true,
      params: cost.params,
      flops: cost.flops,
      withinFlopsLimit: cost.flops <= PROXYLESS_FLOPS_LIMIT,
      flopsLimit: PROXYLESS_FLOPS_LIMIT,
      skeleton,
    };
  },
};
