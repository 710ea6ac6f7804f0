/** DARTS-CIFAR10 in the pipeline: presets per scale, run spec, parser. */
import type { Scale } from '../../core/scale';
import { parseDarts } from '../../spaces/darts/genotype';
import type { SpaceBinding, SpacePreset } from '../binding';
import {
  CIFAR_PAPER,
  FASHION_LAPTOP,
  FASHION_SMOKE,
  IMAGE_TRAINING,
  LAPTOP_STANDALONE,
  LAPTOP_SUPERNET,
  SMOKE_HYPER,
  powerOfTwoEpochs,
} from '../presets';
import type { DartsSupernetSkeleton } from './network';
import { dartsRunSpec } from './spec';

type DartsNet = Omit<DartsSupernetSkeleton, 'inChannels' | 'numClasses'>;

function dartsPreset(scale: Scale): SpacePreset<DartsNet> {
  const skeleton = (channels: number, layers: number) =>
    ({ space: 'darts', net: { channels, layers, stemMultiplier: 3 } }) as const;
  switch (scale) {
    case 'paper':
      return {
        space: 'darts',
        scale,
        skeleton: skeleton(16, 8),
        standaloneSkeleton: skeleton(36, 20),
        data: { ...CIFAR_PAPER, validFraction: 0.5 },
        supernet: {
          ...IMAGE_TRAINING,
          epochs: 1000,
          batchSize: 448,
          lr: 0.1,
          momentum: 0.9,
          weightDecay: 3e-4,
          clipNorm: 5,
          calibrationBatches: 100,
          calibrationBatchSize: 200,
          evalBatchSize: 500,
          checkpointEpochs: powerOfTwoEpochs(1000),
        },
        standalone: {
          ...IMAGE_TRAINING,
          epochs: 600,
          batchSize: 96,
          lr: 0.025,
          momentum: 0.9,
          weightDecay: 3e-4,
          clipNorm: 5,
          calibrationBatches: 0,
          calibrationBatchSize: 200,
          evalBatchSize: 500,
        },
        study: { scoredArchs: 100, groundTruthArchs: 100, topK: [1, 5, 10] },
        origin:
          'seed 001 Table 2 (DARTS-C column); supernet = DARTS search net (8 cells, C=16), stand-alone = DARTS eval net (20 cells, C=36, 600 epochs, batch 96)',
      };
    case 'laptop':
      return {
        space: 'darts',
        scale,
        skeleton: skeleton(4, 3),
        standaloneSkeleton: skeleton(4, 3),
        data: { ...FASHION_LAPTOP, trainImages: 600, validImages: 500 },
        supernet: {
          ...LAPTOP_SUPERNET,
          epochs: 4,
          lr: 0.1,
          weightDecay: 3e-4,
          calibrationBatches: 3,
          checkpointEpochs: [1, 2, 4],
        },
        standalone: { ...LAPTOP_STANDALONE, epochs: 2, lr: 0.1, weightDecay: 3e-4 },
        study: { scoredArchs: 10, groundTruthArchs: 6, topK: [1, 3, 5] },
        origin: 'down-scaled DARTS (C=4, 3 cells) on Fashion-MNIST; Table 2 LR/WD',
      };
    case 'smoke':
      return {
        space: 'darts',
        scale,
        skeleton: skeleton(4, 3),
        standaloneSkeleton: skeleton(4, 3),
        data: { ...FASHION_SMOKE, trainImages: 64, validImages: 32 },
        supernet: { ...SMOKE_HYPER, epochs: 1, checkpointEpochs: [1] },
        standalone: { ...SMOKE_HYPER, epochs: 1, calibrationBatches: 0 },
        study: { scoredArchs: 3, groundTruthArchs: 3, topK: [1, 2] },
        origin: 'tiny DARTS supernet for CI',
      };
  }
}

export const dartsBinding: SpaceBinding<DartsNet> = {
  name: 'darts',
  title: 'DARTS (CIFAR-10 cell space)',
  input: 'images',
  preset: dartsPreset,
  setup(net, shape) {
    if (!shape) throw new Error('darts needs image data');
    const spec = dartsRunSpec(
      { ...net, inChannels: shape.inputChannels, numClasses: shape.classes },
      shape.imageSize,
    );
    return { spec: spec as never, parse: parseDarts };
  },
  resize: (net, { channels, cells }) => ({
    ...net,
    ...(channels === undefined ? {} : { channels }),
    ...(cells === undefined ? {} : { layers: cells }),
  }),
};
