/** Names of supernet-lab's own (non-tfjs) kernels. */
export const RELU_GRAD = 'SupernetLabReluGrad';
export const SGD_UPDATE = 'SupernetLabSgdUpdate';
/** Running-statistics update of batch norm, both blends in one kernel (see blendRunningStats). */
export const BLEND_STATS = 'SupernetLabBlendStats';
