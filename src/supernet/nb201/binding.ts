/** NAS-Bench-201 in the pipeline: presets per scale, run spec (supernet and stand-alone), parser. */
import type { Scale } from '../../core/scale';
import { nb201Space } from '../../spaces/nb201/space';
import { formatNb201, nb201Ordinal, parseNb201 } from '../../spaces/nb201/arch';
import { NB201_SAMPLER_SPACE } from '../../spaces/nb201/codec';
import { nb201Cost } from '../../spaces/nb201/cost';
import type { Nb201Arch } from '../../spaces/nb201/definition';
import {
  imageBinding,
  resizeBy,
  setupOf,
  type SpaceHyper,
  type SpacePreset,
  type SpaceRunSpec,
} from '../binding';
import { createStandalone, createSupernet, type Nb201Skeleton } from '../network';
import { groundTruthPreset, studySizes, supernetPreset, type Nb201TrainHyper } from './presets';

/** The skeleton knobs of NB-201 (input channels and classes come from the data). */
export type Nb201Net = Pick<Nb201Skeleton, 'channels' | 'cellsPerStage'>;

function hyperOf(h: Nb201TrainHyper): SpaceHyper {
  return {
    epochs: h.epochs,
    batchSize: h.batchSize,
    lr: h.lr,
    minLr: h.minLr,
    momentum: h.momentum,
    nesterov: h.nesterov,
    weightDecay: h.weightDecay,
    clipNorm: h.clipNorm,
    augment: h.augment,
    calibrationBatches: h.calibrationBatches,
    calibrationBatchSize: h.calibrationBatchSize,
    evalBatchSize: h.evalBatchSize,
  };
}

/** NB-201's presets (nb201/presets.ts: the study's Table 2 and the benchmark's schedule). */
function nb201Preset(scale: Scale): SpacePreset<Nb201Net> {
  const s = supernetPreset(scale);
  const g = groundTruthPreset(scale);
  const sizes = studySizes(scale);
  const dataset = scale === 'paper' ? 'cifar10' : 'fashion-mnist';
  const net = (h: Nb201TrainHyper) => ({
    space: 'nb201',
    net: { channels: h.channels, cellsPerStage: h.cellsPerStage },
  });
  return {
    space: 'nb201',
    scale,
    skeleton: net(s),
    standaloneSkeleton: net(g),
    data: {
      kind: 'images',
      dataset,
      trainImages: s.trainImages,
      validImages: s.validImages,
      validFraction: s.validFraction,
    },
    standaloneData: {
      kind: 'images',
      dataset,
      trainImages: g.trainImages,
      validImages: g.validImages,
      testImages: g.testImages,
      validFraction: g.validFraction,
    },
    supernet: { ...hyperOf(s), checkpointEpochs: s.checkpointEpochs },
    standalone: hyperOf(g),
    study: sizes,
    origin:
      scale === 'paper'
        ? 'seed 001 Table 2 (NB-201 column); stand-alone: the benchmark schedule (200 epochs)'
        : scale === 'laptop'
          ? 'down-scaled NB-201 (C=8, N=1) on Fashion-MNIST subsets'
          : 'tiny NB-201 supernet for CI',
  };
}

export const nb201Binding = imageBinding<Nb201Net>({
  name: 'nb201',
  title: 'NAS-Bench-201',
  searchSpace: nb201Space,
  differentiable: true,
  benchmark: 'nas-bench-201',
  preset: nb201Preset,
  setup(net, shape) {
    const skeleton = { ...net, inputChannels: shape.inputChannels, classes: shape.classes };
    const cost = (a: Nb201Arch) => nb201Cost(a, { ...skeleton, imageSize: shape.imageSize });
    const spec: SpaceRunSpec<Nb201Arch> = {
      ...NB201_SAMPLER_SPACE,
      space: 'nb201',
      format: formatNb201,
      build: (seed) => createSupernet(skeleton, { seed }),
      standalone: (arch, seed) => createStandalone(arch, skeleton, { seed }),
      archId: (arch) => String(nb201Ordinal(arch)),
      params: (a) => cost(a).params,
      flops: (a) => cost(a).flops,
    };
    return setupOf(spec, parseNb201);
  },
  resize: resizeBy('nb201', { channels: ['channels'], cells: ['cellsPerStage'] }),
});
