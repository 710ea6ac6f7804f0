/** DARTS-CIFAR10 in the pipeline: presets per scale, run spec, parser. */
import type { Scale } from '../../core/scale';
import { dartsSpace } from '../../spaces/darts/space';
import { parseDarts } from '../../spaces/darts/genotype';
import { channelsAndClasses, imageBinding, resizeBy, setupOf, type SpacePreset } from '../binding';
import { CIFAR_PAPER, IMAGE_TRAINING, imagePreset, powerOfTwoEpochs, presetOf } from '../presets';
import type { DartsSupernetSkeleton } from './network';
import { dartsRunSpec } from './spec';

type DartsNet = Omit<DartsSupernetSkeleton, 'inChannels' | 'numClasses'>;

function dartsPreset(scale: Scale): SpacePreset<DartsNet> {
  const net = (channels: number, layers: number) => ({ channels, layers, stemMultiplier: 3 });
  switch (scale) {
    case 'paper': {
      const common = {
        ...IMAGE_TRAINING,
        momentum: 0.9,
        weightDecay: 3e-4,
        clipNorm: 5,
        calibrationBatchSize: 200,
        evalBatchSize: 500,
      };
      return presetOf('darts', scale, {
        net: net(16, 8),
        standaloneNet: net(36, 20),
        data: { ...CIFAR_PAPER, validFraction: 0.5 },
        supernet: {
          ...common,
          epochs: 1000,
          batchSize: 448,
          lr: 0.1,
          calibrationBatches: 100,
          checkpointEpochs: powerOfTwoEpochs(1000),
        },
        standalone: { ...common, epochs: 600, batchSize: 96, lr: 0.025, calibrationBatches: 0 },
        study: { scoredArchs: 100, groundTruthArchs: 100, topK: [1, 5, 10] },
        origin:
          'seed 001 Table 2 (DARTS-C column); supernet = DARTS search net (8 cells, C=16), stand-alone = DARTS eval net (20 cells, C=36, 600 epochs, batch 96)',
      });
    }
    case 'laptop':
      return imagePreset('darts', scale, {
        net: net(4, 3),
        data: { trainImages: 600, validImages: 500 },
        hyper: { lr: 0.1, weightDecay: 3e-4 },
        supernet: { epochs: 4, calibrationBatches: 3, checkpointEpochs: [1, 2, 4] },
        study: { scoredArchs: 10, groundTruthArchs: 6, topK: [1, 3, 5] },
        origin: 'down-scaled DARTS (C=4, 3 cells) on Fashion-MNIST; Table 2 LR/WD',
      });
    case 'smoke':
      return imagePreset('darts', scale, {
        net: net(4, 3),
        data: { trainImages: 64, validImages: 32 },
        supernet: { epochs: 1, checkpointEpochs: [1] },
        study: { scoredArchs: 3, groundTruthArchs: 3, topK: [1, 2] },
        origin: 'tiny DARTS supernet for CI',
      });
  }
}

export const dartsBinding = imageBinding<DartsNet>({
  name: 'darts',
  title: 'DARTS (CIFAR-10 cell space)',
  searchSpace: dartsSpace,
  preset: dartsPreset,
  setup: (net, shape) =>
    setupOf(dartsRunSpec({ ...net, ...channelsAndClasses(shape) }, shape.imageSize), parseDarts),
  resize: resizeBy('darts', { channels: ['channels'], cells: ['layers'] }),
});
