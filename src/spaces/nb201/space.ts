import { costCounts, imageSkeletonKnobs, type SearchSpace } from '../types';
import type { Nb201Arch } from './definition';
import { checkNb201, enumerateNb201, formatNb201, nb201Ordinal, parseNb201 } from './arch';
import { isValidNb201, nb201Canonical, nb201Counts, nb201UniqueString } from './graph';
import { mutateNb201, sampleNb201 } from './sample';
import {
  nb201Cost,
  nb201Skeleton,
  NB201_CIFAR10_SKELETON,
  type Nb201MacroSkeleton,
  type Nb201SkeletonInput,
} from './cost';

/** NAS-Bench-201 as a SearchSpace. */
export const nb201Space: SearchSpace<Nb201Arch, Nb201MacroSkeleton> = {
  name: 'nb201',
  description:
    'NAS-Bench-201 cell: 4 nodes, 6 edges, ops none/skip_connect/nor_conv_1x1/nor_conv_3x3/avg_pool_3x3',
  parse: parseNb201,
  format: formatNb201,
  check: checkNb201,
  isValid: isValidNb201,
  counts() {
    const c = nb201Counts();
    return { total: BigInt(c.total), valid: BigInt(c.valid), unique: BigInt(c.unique) };
  },
  sample: sampleNb201,
  mutate: mutateNb201,
  canonical: nb201Canonical,
  enumerate: enumerateNb201,
  defaultSkeleton: NB201_CIFAR10_SKELETON,
  skeleton: (o) => nb201Skeleton(imageSkeletonKnobs(o, 'channels', 'cellsPerStage')),
  ...costCounts(nb201Cost),
  describe(arch: Nb201Arch, s?: Nb201SkeletonInput) {
    const skeleton = nb201Skeleton(s);
    const cost = nb201Cost(arch, skeleton);
    return {
      space: 'nb201',
      arch: formatNb201(arch),
      valid: isValidNb201(arch),
      canonical: nb201Canonical(arch),
      unique: nb201UniqueString(arch),
      ordinal: nb201Ordinal(arch),
      params: cost.params,
      flops: cost.flops,
      macs: cost.breakdown.conv + cost.breakdown.linear,
      skeleton,
    };
  },
};
