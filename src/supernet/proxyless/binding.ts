/** ProxylessNAS (the MobileNetV2-style chain) in the pipeline: presets per scale, run spec, parser. */
import type { Scale } from '../../core/scale';
import { proxylessSpace } from '../../spaces/proxyless/space';
import { parseProxyless } from '../../spaces/proxyless/arch';
import type { ProxylessSkeleton } from '../../spaces/proxyless/definition';
import { channelsAndClasses, imageBinding, setupOf, type SpacePreset } from '../binding';
import { CIFAR_PAPER, IMAGE_TRAINING, imagePreset, powerOfTwoEpochs, presetOf } from '../presets';
import { PROXYLESS_SMOKE_SKELETON, proxylessRunSpec } from './spec';

type ProxylessNet = Omit<Partial<ProxylessSkeleton>, 'inChannels' | 'numClasses' | 'imageSize'>;

function proxylessPreset(scale: Scale): SpacePreset<ProxylessNet> {
  // The smoke skeleton without what the data decides (channels, classes, image size).
  const { inChannels: _c, numClasses: _n, imageSize: _s, ...small } = PROXYLESS_SMOKE_SKELETON;
  switch (scale) {
    case 'paper': {
      const common = {
        ...IMAGE_TRAINING,
        batchSize: 1024,
        momentum: 0.9,
        clipNorm: 0,
        calibrationBatchSize: 400,
        evalBatchSize: 500,
      };
      return presetOf('proxyless', scale, {
        // ProxylessNAS-GPU at width 1.35 (the space's own skeleton; images at the data's size).
        net: {
          widthMult: 1.35,
          widthStages: [24, 40, 80, 96, 192, 320],
          layersPerStage: [4, 4, 4, 4, 4, 1],
          strideStages: [2, 2, 2, 1, 2, 1],
          firstConv: 32,
          firstBlock: 16,
          lastChannel: 1280,
        },
        data: { ...CIFAR_PAPER, validFraction: 0.5, padTo: 64 },
        supernet: {
          ...common,
          epochs: 1000,
          lr: 0.2,
          weightDecay: 5e-4,
          calibrationBatches: 25,
          checkpointEpochs: powerOfTwoEpochs(1000),
        },
        standalone: { ...common, epochs: 300, lr: 0.4, weightDecay: 4e-5, calibrationBatches: 0 },
        study: { scoredArchs: 20, groundTruthArchs: 20, topK: [1, 3, 5] },
        origin:
          'seed 001 Table 2 (Proxyless column), ProxylessNAS-GPU width 1.35; ImageNet is replaced by the chosen dataset',
      });
    }
    case 'laptop':
      return imagePreset('proxyless', scale, {
        net: { ...small, widthStages: [16, 24], layersPerStage: [2, 2] },
        data: { padTo: 32 },
        hyper: { lr: 0.2, clipNorm: 0 },
        study: { scoredArchs: 16, groundTruthArchs: 8, topK: [1, 3, 5] },
        origin: 'down-scaled ProxylessNAS chain (2 stages x 2 layers) on Fashion-MNIST; Table 2 LR',
      });
    case 'smoke':
      return imagePreset('proxyless', scale, {
        net: small,
        data: { padTo: 32 },
        origin: 'tiny ProxylessNAS chain for CI',
      });
  }
}

export const proxylessBinding = imageBinding<ProxylessNet>({
  name: 'proxyless',
  title: 'ProxylessNAS',
  searchSpace: proxylessSpace,
  preset: proxylessPreset,
  setup(net, shape) {
    const full = { ...net, ...channelsAndClasses(shape), imageSize: shape.imageSize };
    return setupOf(proxylessRunSpec(full), (text) => parseProxyless(text, full));
  },
});
