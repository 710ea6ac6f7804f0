import { costCounts, imageSkeletonKnobs, type SearchSpace } from '../types';
import { DARTS_CIFAR10_SKELETON, type DartsGenotype, type DartsSkeleton } from './definition';
import { checkDarts, dartsCanonical, formatDarts, isValidDarts, parseDarts } from './genotype';
import { dartsCount, mutateDarts, sampleDarts } from './sample';
import { dartsCost, dartsSkeleton } from './cost';

/** The DARTS CIFAR-10 cell space (ENAS-style supernet) as a SearchSpace. */
export const dartsSpace: SearchSpace<DartsGenotype, DartsSkeleton> = {
  name: 'darts',
  description:
    'DARTS CIFAR-10 cells (normal + reduction): 4 nodes, each with 2 slots picking distinct earlier vertices and one of 7 ops (none excluded); size 2.76e20 as in seed 001',
  parse: parseDarts,
  format: formatDarts,
  check: checkDarts,
  isValid: isValidDarts,
  counts() {
    const n = dartsCount();
    return { total: n, valid: n };
  },
  sample: sampleDarts,
  mutate: mutateDarts,
  canonical: dartsCanonical,
  defaultSkeleton: DARTS_CIFAR10_SKELETON,
  skeleton: (o) => dartsSkeleton(imageSkeletonKnobs(o, 'channels', 'layers')),
  ...costCounts(dartsCost),
  describe(g, s) {
    const skeleton = dartsSkeleton(s);
    const cost = dartsCost(g, skeleton);
    return {
      space: 'darts',
      arch: formatDarts(g),
      valid: isValidDarts(g),
      canonical: dartsCanonical(g),
      params: cost.params,
      flops: cost.flops,
      skeleton,
    };
  },
};
