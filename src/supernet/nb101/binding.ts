/** NAS-Bench-101 (the seed's subspace) in the pipeline: presets per scale, run spec, parser. */
import type { Scale } from '../../core/scale';
import { nb101Space } from '../../spaces/nb101/space';
import { BadInputError } from '../../errors';
import { isValidNb101, parseNb101 } from '../../spaces/nb101/arch';
import { channelsAndClasses, imageBinding, resizeBy, setupOf, type SpacePreset } from '../binding';
import { CIFAR_PAPER, IMAGE_TRAINING, imagePreset, powerOfTwoEpochs, presetOf } from '../presets';
import type { Nb101SupernetSkeleton } from './network';
import { nb101RunSpec } from './spec';

type Nb101Net = Omit<Nb101SupernetSkeleton, 'inChannels' | 'numClasses'>;

const resizeNb101 = resizeBy<Nb101Net>('nb101', {
  channels: ['stemChannels'],
  cells: ['cellsPerStack'],
});

function nb101Preset(scale: Scale): SpacePreset<Nb101Net> {
  // Table 2's NB-101 column: LR 0.1, WD 1e-4 at every scale.
  const rates = { lr: 0.1, weightDecay: 1e-4 };
  switch (scale) {
    case 'paper': {
      const paper = {
        ...IMAGE_TRAINING,
        ...rates,
        batchSize: 256,
        momentum: 0.9,
        clipNorm: 5,
        calibrationBatchSize: 400,
        evalBatchSize: 500,
      };
      return presetOf('nb101', scale, {
        // NAS-Bench-101's network: stem 128 channels, 3 stacks of 3 cells.
        net: { stemChannels: 128, stacks: 3, cellsPerStack: 3 },
        data: CIFAR_PAPER,
        supernet: {
          ...paper,
          epochs: 1000,
          calibrationBatches: 25,
          checkpointEpochs: powerOfTwoEpochs(1000),
        },
        standalone: { ...paper, epochs: 108, calibrationBatches: 0 },
        study: { scoredArchs: 1000, groundTruthArchs: 1000, topK: [1, 5, 10] },
        origin: 'seed 001 Table 2 (NB-101 column) and A.1; stand-alone: NAS-Bench-101 108 epochs',
      });
    }
    case 'laptop':
      return imagePreset('nb101', scale, {
        net: { stemChannels: 8, stacks: 2, cellsPerStack: 1 },
        hyper: rates,
        study: { scoredArchs: 20, groundTruthArchs: 8, topK: [1, 3, 5] },
        origin: 'down-scaled NB-101 (C=8, 2 stacks x 1 cell) on Fashion-MNIST; Table 2 LR/WD',
      });
    case 'smoke':
      return imagePreset('nb101', scale, {
        net: { stemChannels: 4, stacks: 2, cellsPerStack: 1 },
        origin: 'tiny NB-101 supernet for CI',
      });
  }
}

export const nb101Binding = imageBinding<Nb101Net>({
  name: 'nb101',
  title: 'NAS-Bench-101 (subspace)',
  searchSpace: nb101Space,
  preset: nb101Preset,
  setup: (net, shape) =>
    setupOf(nb101RunSpec({ ...net, ...channelsAndClasses(shape) }), (text) => {
      const a = parseNb101(text);
      if (!isValidNb101(a)) {
        throw new BadInputError(
          `NB-101 architecture ${JSON.stringify(text)} is not valid (a node does not reach the output)`,
        );
      }
      return a;
    }),
  resize(net, size) {
    if (size.channels !== undefined && size.channels % 2 !== 0) {
      throw new BadInputError(`--channels must be even for nb101, got ${size.channels}`);
    }
    return resizeNb101(net, size);
  },
});
