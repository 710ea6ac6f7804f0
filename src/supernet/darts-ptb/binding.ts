/** DARTS-PTB (the recurrent cell space on Penn Treebank) in the pipeline. */
import type { Scale } from '../../core/scale';
import { dartsPtbSpace } from '../../spaces/darts-ptb/space';
import { BadInputError } from '../../errors';
import { parseDartsPtb } from '../../spaces/darts-ptb/genotype';
import type { DartsPtbSkeleton } from '../../spaces/darts-ptb/definition';
import { resizeBy, setupOf, type SpaceBinding, type SpacePreset } from '../binding';
import { SMOKE_HYPER, SMOKE_STUDY, powerOfTwoEpochs, presetOf } from '../presets';
import { dartsPtbRunSpec } from './spec';
import { defaultPtbDir, ptbBatchSource } from './data';

function dartsPtbPreset(scale: Scale): SpacePreset<DartsPtbSkeleton> {
  const net = (vocabulary: number, size: number) => ({ vocabulary, embedding: size, hidden: size });
  // Plain SGD with a constant learning rate (Table 2, as DARTS), no BatchNorm to recalibrate.
  const sgd = {
    lrSchedule: 'constant' as const,
    momentum: 0,
    nesterov: false,
    augment: false,
    calibrationBatches: 0,
    calibrationBatchSize: 1,
  };
  switch (scale) {
    case 'paper':
      return presetOf('darts-ptb', scale, {
        net: net(10000, 300),
        standaloneNet: net(10000, 850),
        data: { kind: 'ptb', steps: 35, trainTokens: null, validTokens: null },
        supernet: {
          ...sgd,
          epochs: 1000,
          batchSize: 256,
          lr: 40,
          weightDecay: 8e-7,
          clipNorm: 0.1,
          evalBatchSize: 256,
          checkpointEpochs: powerOfTwoEpochs(1000),
        },
        standalone: {
          ...sgd,
          epochs: 3600,
          batchSize: 64,
          lr: 20,
          weightDecay: 8e-7,
          clipNorm: 0.25,
          evalBatchSize: 256,
        },
        study: { scoredArchs: 100, groundTruthArchs: 100, topK: [1, 5, 10] },
        origin:
          'seed 001 Table 2 (DARTS-PTB column: batch 256, LR 40 fixed, WD 8e-7, clip 0.1); stand-alone = DARTS PTB eval (850 units, LR 20, batch 64)',
      });
    case 'laptop': {
      const laptop = {
        ...sgd,
        batchSize: 32,
        lr: 2,
        weightDecay: 8e-7,
        clipNorm: 0.25,
        evalBatchSize: 128,
      };
      return presetOf('darts-ptb', scale, {
        net: net(2000, 32),
        data: { kind: 'ptb', steps: 16, trainTokens: 4096, validTokens: 4096 },
        supernet: { ...laptop, epochs: 6, checkpointEpochs: [1, 2, 4, 6] },
        standalone: { ...laptop, epochs: 2 },
        study: { scoredArchs: 16, groundTruthArchs: 6, topK: [1, 3, 5] },
        origin:
          'down-scaled DARTS-PTB (2000 words, 32 units) on the start of the PTB files; constant LR as Table 2',
      });
    }
    case 'smoke': {
      const smoke = { ...SMOKE_HYPER, ...sgd, lr: 1, weightDecay: 0, clipNorm: 0.25 };
      return presetOf('darts-ptb', scale, {
        net: net(200, 16),
        data: { kind: 'ptb', steps: 8, trainTokens: 2048, validTokens: 1024 },
        supernet: { ...smoke, checkpointEpochs: [1, 2] },
        standalone: { ...smoke, epochs: 1 },
        study: SMOKE_STUDY,
        origin: 'tiny DARTS-PTB language model for CI',
      });
    }
  }
}

export const dartsPtbBinding: SpaceBinding<DartsPtbSkeleton> = {
  name: 'darts-ptb',
  title: 'DARTS-PTB (recurrent cells on Penn Treebank)',
  searchSpace: dartsPtbSpace,
  input: 'text',
  textData(settings, net, dir) {
    if (settings.kind !== 'ptb') {
      throw new BadInputError(`darts-ptb trains on PTB text, not on ${settings.kind} data`);
    }
    const all = Number.MAX_SAFE_INTEGER - 1;
    const source = ptbBatchSource({
      dir: dir ?? defaultPtbDir(),
      vocabulary: net.vocabulary,
      steps: settings.steps,
      trainTokens: settings.trainTokens ?? all,
      validTokens: settings.validTokens ?? all,
    });
    const d = source.describe;
    return {
      source,
      summary: `PTB ${String(d.trainSplit)} (${source.trainSize} segments of ${settings.steps}) / ${String(d.validSplit)}`,
    };
  },
  preset: dartsPtbPreset,
  setup: (net) => setupOf(dartsPtbRunSpec(net), parseDartsPtb),
  resize: resizeBy('darts-ptb', { channels: ['embedding', 'hidden'] }),
};
