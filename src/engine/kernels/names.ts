/** Names of supernet-lab's own (non-tfjs) kernels. */
export const RELU_GRAD = 'SupernetLabReluGrad';
export const SGD_UPDATE = 'SupernetLabSgdUpdate';
