/**
 * The DARTS recurrent cell space for Penn Treebank (Liu et al., 2019; seed 001, appendix A.1).
 *
 * Vertex 0 is computed from the input x_t and the previous hidden state h_{t-1}. Each of the
 * 8 nodes (vertices 1..8) picks one predecessor among the earlier vertices and one activation
 * (tanh, relu, sigmoid, identity) for its highway update s = p + c * (act(h) - p), where
 * [c, h] = p W_i and c goes through a sigmoid. The new hidden state is the mean of the 8 nodes.
 * `none` is a candidate of DARTS's continuous relaxation only, not of a discrete genotype.
 *
 * Size: node i has i predecessors and 4 activations, so prod_i 4i = 4^8 * 8! = 2,642,411,520
 * (~2.64e9, the seed's number).
 */

/** The activations a discrete genotype may use (DARTS's PRIMITIVES without `none`). */
export const DARTS_PTB_ACTIVATIONS = ['tanh', 'relu', 'sigmoid', 'identity'] as const;
export type DartsPtbActivation = (typeof DARTS_PTB_ACTIVATIONS)[number];

/** Nodes of the cell (DARTS's STEPS). */
export const DARTS_PTB_NODES = 8;

/** One node: `op` applied to the transform of vertex `input` (< its own vertex index). */
export interface DartsPtbNode {
  readonly op: DartsPtbActivation;
  readonly input: number;
}

/** A recurrent genotype; node i (vertex i + 1) is `recurrent[i]`; all nodes are averaged. */
export interface DartsPtbGenotype {
  readonly recurrent: readonly DartsPtbNode[];
}

/** The language model around the cell (DARTS's RNNModel with tied embedding and decoder). */
export interface DartsPtbSkeleton {
  /** Vocabulary size (10000 for Penn Treebank). */
  vocabulary: number;
  /** Embedding size; equal to `hidden` (the decoder shares the embedding's weights). */
  embedding: number;
  /** Hidden state size. */
  hidden: number;
}

/** DARTS's PTB evaluation model: 850-dimensional embedding and hidden state, 10k words. */
export const DARTS_PTB_SKELETON: Readonly<DartsPtbSkeleton> = Object.freeze({
  vocabulary: 10000,
  embedding: 850,
  hidden: 850,
});

/** DARTS's PTB search model: 300-dimensional. */
export const DARTS_PTB_SEARCH_SKELETON: Readonly<DartsPtbSkeleton> = Object.freeze({
  vocabulary: 10000,
  embedding: 300,
  hidden: 300,
});
