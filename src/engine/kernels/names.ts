/** Names of supernet-lab's own (non-tfjs) kernels. */
export const RELU_GRAD = 'SupernetLabReluGrad';
export const SGD_UPDATE = 'SupernetLabSgdUpdate';
/**
 * Sgd.globalNorm and Sgd.step as one kernel each (native engine): the global L2 norm of a list
 * of gradients, and the whole optimizer step (clipping, weight decay, momentum) of every variable
 * that got a gradient. Bit for bit the op-by-op path's arithmetic (see native/src/elementwise.cc).
 */
export const GLOBAL_NORM = 'SupernetLabGlobalNorm';
export const SGD_STEP = 'SupernetLabSgdStep';
/** Running-statistics update of batch norm, both blends in one kernel (see blendRunningStats). */
export const BLEND_STATS = 'SupernetLabBlendStats';
