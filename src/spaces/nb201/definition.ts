/**
 * NAS-Bench-201 cell definition (Dong & Yang, 2020): 4 nodes, every node j>0 sums one op applied
 * to each earlier node i<j, i.e. 6 edges with 5 candidate ops each (5^6 = 15625 cells).
 */
export const NB201_OPS = [
  'none',
  'skip_connect',
  'nor_conv_1x1',
  'nor_conv_3x3',
  'avg_pool_3x3',
] as const;

export type Nb201Op = (typeof NB201_OPS)[number];

/** Edges in the order of the benchmark's architecture string: |1<-0|+|2<-0|2<-1|+|3<-0|3<-1|3<-2|. */
export const NB201_EDGES: ReadonlyArray<{ readonly from: number; readonly to: number }> = [
  { from: 0, to: 1 },
  { from: 0, to: 2 },
  { from: 1, to: 2 },
  { from: 0, to: 3 },
  { from: 1, to: 3 },
  { from: 2, to: 3 },
];

export const NB201_NODES = 4;

/** One op per edge, in NB201_EDGES order. */
export type Nb201Arch = readonly Nb201Op[];
