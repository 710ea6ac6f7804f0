import { costCounts, imageSkeletonKnobs, type SearchSpace } from '../types';
import type { Nb101Arch, Nb101Skeleton } from './definition';
import { NB101_CIFAR10_SKELETON } from './definition';
import { checkNb101, formatNb101, isValidNb101, nb101ToSpec, parseNb101 } from './arch';
import {
  NB101_TOTAL,
  NB101_UNIQUE,
  enumerateNb101,
  mutateNb101,
  nb101Ordinal,
  nb101ValidCount,
  sampleNb101,
} from './enumerate';
import { nb101Hash } from './hash';
import { nb101Cost, nb101Skeleton } from './cost';

/** The seed's NAS-Bench-101 subspace as a SearchSpace. */
export const nb101Space: SearchSpace<Nb101Arch, Nb101Skeleton> = {
  name: 'nb101',
  description:
    'NAS-Bench-101 subspace (seed 001): 5 intermediate nodes with 1,1,1,2,2 inputs, ops conv3x3-bn-relu/conv1x1-bn-relu/maxpool3x3, output concatenates 2 nodes, no input->output edge',
  parse: parseNb101,
  format: formatNb101,
  check: checkNb101,
  isValid: isValidNb101,
  counts() {
    return {
      total: BigInt(NB101_TOTAL),
      valid: BigInt(nb101ValidCount()),
      unique: BigInt(NB101_UNIQUE),
    };
  },
  sample: sampleNb101,
  mutate: mutateNb101,
  canonical: nb101Hash,
  enumerate: enumerateNb101,
  defaultSkeleton: NB101_CIFAR10_SKELETON,
  skeleton: (o) => nb101Skeleton(imageSkeletonKnobs(o, 'stemChannels', 'cellsPerStack')),
  ...costCounts(nb101Cost),
  describe(arch, s) {
    const skeleton = nb101Skeleton(s);
    const valid = isValidNb101(arch);
    const cost = valid ? nb101Cost(arch, skeleton) : undefined;
    return {
      space: 'nb101',
      arch: formatNb101(arch),
      valid,
      hash: nb101Hash(arch),
      ordinal: valid ? nb101Ordinal(arch) : undefined,
      spec: nb101ToSpec(arch),
      params: cost?.params,
      flops: cost?.flops,
      skeleton,
    };
  },
};
