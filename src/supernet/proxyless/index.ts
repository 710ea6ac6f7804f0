/** ProxylessNAS chain-space supernet (one MBConv per choice per layer) and its run spec. */
export { ProxylessSupernet } from './network';
export { PROXYLESS_SMOKE_SKELETON, proxylessCodec, proxylessRunSpec } from './spec';
