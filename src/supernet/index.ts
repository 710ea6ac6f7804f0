/**
 * Shared-weight NAS-Bench-201 networks: the macro skeleton with every candidate op on every edge
 * (supernet) or one architecture's ops (stand-alone), single-path forward, BN recalibration and
 * batched evaluation of sub-networks.
 */
export * from './network';
export * as ops from './ops';
/** Supernets of the other spaces (NB-101, DARTS, DARTS-PTB, ProxylessNAS) and their blocks. */
export * from './blocks';
export * from './nb101';
export * from './darts';
export * from './darts-ptb';
export * from './proxyless';
export * from './registry';
export * from './binding';
export * from './nb201/presets';
