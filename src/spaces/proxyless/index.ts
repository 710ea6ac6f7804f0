export { PROXYLESS_FLOPS_LIMIT, PROXYLESS_GPU_SKELETON, PROXYLESS_OPS } from './definition';
export type { ProxylessArch, ProxylessOp, ProxylessSkeleton } from './definition';
export {
  assertProxylessArch,
  checkProxyless,
  formatProxyless,
  mbconvShape,
  parseProxyless,
} from './arch';
export { makeDivisible, proxylessLayers, proxylessSkeleton, proxylessWidths } from './layers';
export type { ProxylessLayer } from './layers';
export {
  proxylessLayerChoices,
  proxylessCost,
  proxylessFixedCost,
  proxylessFlopsRange,
  proxylessLayerCosts,
  proxylessWithinFlops,
} from './cost';
export type { ProxylessCost } from './cost';
export {
  mutateProxyless,
  proxylessCount,
  proxylessNeighbours,
  sampleProxyless,
  sampleProxylessWithin,
} from './sample';
export { proxylessSpace } from './space';
