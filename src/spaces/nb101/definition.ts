/**
 * The NAS-Bench-101 subspace of the weight-sharing study (seed 001, appendix A.1), close to
 * search space 3 of NAS-Bench-1Shot1:
 *
 * - a cell is a DAG over 7 vertices: input (0), exactly 5 intermediate nodes (1..5), output (6);
 * - every intermediate node applies one of conv3x3-bn-relu, conv1x1-bn-relu, maxpool3x3 to the
 *   sum of its inputs;
 * - node 1 reads the cell input; nodes 2 and 3 read one earlier vertex each; nodes 4 and 5 read
 *   two distinct earlier vertices each (the parent counts 1,1,1,2,2 of NAS-Bench-1Shot1 space 3);
 * - the output concatenates exactly 2 of the 5 intermediate nodes; there is no input->output edge;
 * - a cell is valid when every intermediate node feeds a later node or the output, so that
 *   NAS-Bench-101's pruning keeps all 5 nodes (exactly 5 intermediate nodes, no loose ends).
 *
 * Counting: 1*2*3*6*10 parent choices x 10 output pairs = 3600 wirings, 395 of them valid;
 * times 3^5 op labellings gives 874800 encodable and 95985 valid cells, which fall into 42228
 * isomorphism classes under NAS-Bench-101's graph hash (the seed's numbers).
 */

/** Op names as NAS-Bench-101 writes them, in the benchmark's `available_ops` order. */
export const NB101_OPS = ['conv3x3-bn-relu', 'conv1x1-bn-relu', 'maxpool3x3'] as const;

export type Nb101Op = (typeof NB101_OPS)[number];

/** Short spellings accepted by the parser. */
export const NB101_OP_ALIASES: Readonly<Record<string, Nb101Op>> = {
  conv3x3: 'conv3x3-bn-relu',
  conv1x1: 'conv1x1-bn-relu',
  maxpool: 'maxpool3x3',
};

/** Intermediate nodes of a cell. */
export const NB101_NODES = 5;
/** Vertices of the cell graph: input, 5 intermediate nodes, output. */
export const NB101_VERTICES = NB101_NODES + 2;
/** Index of the output vertex. */
export const NB101_OUTPUT = NB101_VERTICES - 1;
/** How many inputs each intermediate node 1..5 reads (NAS-Bench-1Shot1 space 3). */
export const NB101_PARENTS: readonly number[] = [1, 1, 1, 2, 2];
/** How many intermediate nodes the output concatenates. */
export const NB101_OUTPUT_INPUTS = 2;

/**
 * A cell. Node j (1..5) is `ops[j-1]` applied to the sum of `inputs[j-1]` (vertex indices,
 * ascending, each < j; 0 is the cell input). The output concatenates the two intermediate nodes
 * in `output` (ascending, in 1..5).
 */
export interface Nb101Arch {
  readonly ops: readonly Nb101Op[];
  readonly inputs: readonly (readonly number[])[];
  readonly output: readonly number[];
}

/** The NAS-Bench-101 network skeleton around the cell. */
export interface Nb101Skeleton {
  /** Channels of the stem conv and of stack 1 (doubled at each later stack). */
  stemChannels: number;
  /** Stacks of cells, separated by 2x2 max-pool downsampling and channel doubling. */
  stacks: number;
  /** Cells per stack. */
  cellsPerStack: number;
  /** Image channels (3 for CIFAR). */
  inChannels: number;
  /** Output classes. */
  numClasses: number;
  /** Height = width of the input images. */
  imageSize: number;
}

/** NAS-Bench-101's CIFAR-10 skeleton: stem 128, 3 stacks of 3 cells, 10 classes, 32x32. */
export const NB101_CIFAR10_SKELETON: Readonly<Nb101Skeleton> = Object.freeze({
  stemChannels: 128,
  stacks: 3,
  cellsPerStack: 3,
  inChannels: 3,
  numClasses: 10,
  imageSize: 32,
});
