/**
 * The DARTS CIFAR-10 cell space (Liu et al., 2019) as the weight-sharing study uses it (seed
 * 001, appendix A.1), with the supernet built the ENAS way: one shared op per choice.
 *
 * - Two cell types, normal and reduction, each with 4 intermediate nodes after the two cell
 *   inputs (vertices 0 and 1: the outputs of the previous two cells).
 * - Node i (vertices 2..5) has two input slots; each slot picks one earlier vertex and one op,
 *   and the two slots pick different vertices. The node sums the two results; the cell output
 *   concatenates the 4 nodes.
 * - The op set is DARTS's 8 candidates. `none` (the zero op) is a candidate of DARTS's
 *   continuous relaxation only: a discrete genotype draws from the other 7.
 *
 * Size, as the seed reports it (2.76e20): per node with n earlier vertices, n(n-1) ordered
 * pairs of distinct inputs times 7^2 ops; per cell 98 * 294 * 588 * 980; squared for the two
 * cells = 275,647,219,316,498,534,400 ~ 2.7565e20. (Counting each node's two slots as an
 * unordered pair instead gives 2^8 times fewer: ~1.08e18, the figure NAS-Bench-301 quotes.)
 */

/** DARTS's candidate ops, in its PRIMITIVES order. */
export const DARTS_OPS = [
  'none',
  'max_pool_3x3',
  'avg_pool_3x3',
  'skip_connect',
  'sep_conv_3x3',
  'sep_conv_5x5',
  'dil_conv_3x3',
  'dil_conv_5x5',
] as const;

export type DartsOp = (typeof DARTS_OPS)[number];

/** The ops a discrete genotype may use (every candidate but `none`). */
export const DARTS_CELL_OPS = DARTS_OPS.filter(
  (op): op is Exclude<DartsOp, 'none'> => op !== 'none',
);

export type DartsCellOp = Exclude<DartsOp, 'none'>;

/** Intermediate nodes per cell. */
export const DARTS_NODES = 4;
/** Input slots per node. */
export const DARTS_SLOTS = 2;
/** The two cell inputs come first; node i is vertex i + 2. */
export const DARTS_CELL_INPUTS = 2;

/** One input slot of a node: op applied to an earlier vertex. */
export interface DartsEdge {
  readonly op: DartsCellOp;
  readonly input: number;
}

/**
 * A genotype in DARTS's layout: each cell lists 8 edges, node i owning edges 2i and 2i+1 (its
 * first and second slot). Both cells concatenate vertices 2..5.
 */
export interface DartsGenotype {
  readonly normal: readonly DartsEdge[];
  readonly reduce: readonly DartsEdge[];
}

export type DartsCellType = 'normal' | 'reduce';
export const DARTS_CELL_TYPES: readonly DartsCellType[] = ['normal', 'reduce'];

/** The evaluation network around the cells (DARTS's NetworkCIFAR). */
export interface DartsSkeleton {
  /** C: channels of each node in the first cells (doubled at each reduction). */
  channels: number;
  /** Cells in total; reductions sit at layers/3 and 2*layers/3 (integer division). */
  layers: number;
  /** The stem conv has stemMultiplier * C channels. */
  stemMultiplier: number;
  /** Image channels. */
  inChannels: number;
  /** Output classes. */
  numClasses: number;
  /** Height = width of the input images. */
  imageSize: number;
}

/** DARTS's CIFAR-10 evaluation network: C=36, 20 cells (the ground-truth training setting). */
export const DARTS_CIFAR10_SKELETON: Readonly<DartsSkeleton> = Object.freeze({
  channels: 36,
  layers: 20,
  stemMultiplier: 3,
  inChannels: 3,
  numClasses: 10,
  imageSize: 32,
});

/** DARTS's search network (C=16, 8 cells): the usual supernet skeleton. */
export const DARTS_SEARCH_SKELETON: Readonly<DartsSkeleton> = Object.freeze({
  ...DARTS_CIFAR10_SKELETON,
  channels: 16,
  layers: 8,
});
