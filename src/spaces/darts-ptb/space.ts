import { costCounts, type SearchSpace, type SkeletonOptions } from '../types';
import { DARTS_PTB_SKELETON, type DartsPtbGenotype, type DartsPtbSkeleton } from './definition';
import {
  checkDartsPtb,
  dartsPtbCanonical,
  formatDartsPtb,
  isValidDartsPtb,
  parseDartsPtb,
} from './genotype';
import { dartsPtbCount, dartsPtbUniqueCount, mutateDartsPtb, sampleDartsPtb } from './sample';
import { dartsPtbCost, dartsPtbSkeleton } from './cost';

/** The DARTS-PTB recurrent cell space as a SearchSpace. */
export const dartsPtbSpace: SearchSpace<DartsPtbGenotype, DartsPtbSkeleton> = {
  name: 'darts-ptb',
  description:
    'DARTS recurrent cell for Penn Treebank: 8 nodes, each one predecessor and one of tanh/relu/sigmoid/identity; size 2.64e9 as in seed 001',
  parse: parseDartsPtb,
  format: formatDartsPtb,
  check: checkDartsPtb,
  isValid: isValidDartsPtb,
  counts() {
    const n = dartsPtbCount();
    return { total: n, valid: n, unique: dartsPtbUniqueCount() };
  },
  sample: sampleDartsPtb,
  mutate: mutateDartsPtb,
  canonical: dartsPtbCanonical,
  defaultSkeleton: DARTS_PTB_SKELETON,
  skeleton(o: SkeletonOptions): DartsPtbSkeleton {
    for (const knob of ['cells', 'inChannels', 'imageSize'] as const) {
      if (o[knob] !== undefined) {
        throw new Error(`darts-ptb has a language-model skeleton: ${knob} does not apply`);
      }
    }
    return dartsPtbSkeleton({ embedding: o.channels, hidden: o.channels, vocabulary: o.classes });
  },
  ...costCounts(dartsPtbCost),
  describe(g, s) {
    const skeleton = dartsPtbSkeleton(s);
    const cost = dartsPtbCost(g, skeleton);
    return {
      space: 'darts-ptb',
      arch: formatDartsPtb(g),
      valid: isValidDartsPtb(g),
      canonical: dartsPtbCanonical(g),
      params: cost.params,
      flops: cost.flops,
      flopsPer: 'token',
      skeleton,
    };
  },
};
