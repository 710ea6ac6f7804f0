/** DARTS-PTB (the recurrent cell space on Penn Treebank) in the pipeline. */
import type { Scale } from '../../core/scale';
import { BadInputError } from '../../errors';
import { parseDartsPtb } from '../../spaces/darts-ptb/genotype';
import type { DartsPtbSkeleton } from '../../spaces/darts-ptb/definition';
import type { SpaceBinding, SpacePreset } from '../binding';
import { SMOKE_HYPER, powerOfTwoEpochs } from '../presets';
import { dartsPtbRunSpec } from './spec';

function dartsPtbPreset(scale: Scale): SpacePreset<DartsPtbSkeleton> {
  const sk = (vocabulary: number, size: number) => ({
    space: 'darts-ptb',
    net: { vocabulary, embedding: size, hidden: size },
  });
  const noBn = { calibrationBatches: 0, calibrationBatchSize: 1 };
  switch (scale) {
    case 'paper':
      return {
        space: 'darts-ptb',
        scale,
        skeleton: sk(10000, 300),
        standaloneSkeleton: sk(10000, 850),
        data: { kind: 'ptb', steps: 35, trainTokens: null, validTokens: null },
        supernet: {
          epochs: 1000,
          batchSize: 256,
          lr: 40,
          lrSchedule: 'constant',
          momentum: 0,
          weightDecay: 8e-7,
          clipNorm: 0.1,
          ...noBn,
          evalBatchSize: 256,
          checkpointEpochs: powerOfTwoEpochs(1000),
        },
        standalone: {
          epochs: 3600,
          batchSize: 64,
          lr: 20,
          lrSchedule: 'constant',
          momentum: 0,
          weightDecay: 8e-7,
          clipNorm: 0.25,
          ...noBn,
          evalBatchSize: 256,
        },
        study: { scoredArchs: 100, groundTruthArchs: 100, topK: [1, 5, 10] },
        origin:
          'seed 001 Table 2 (DARTS-PTB column: batch 256, LR 40 fixed, WD 8e-7, clip 0.1); stand-alone = DARTS PTB eval (850 units, LR 20, batch 64)',
      };
    case 'laptop':
      return {
        space: 'darts-ptb',
        scale,
        skeleton: sk(2000, 32),
        standaloneSkeleton: sk(2000, 32),
        data: { kind: 'ptb', steps: 16, trainTokens: 4096, validTokens: 4096 },
        supernet: {
          epochs: 6,
          batchSize: 32,
          lr: 2,
          lrSchedule: 'constant',
          momentum: 0,
          weightDecay: 8e-7,
          clipNorm: 0.25,
          ...noBn,
          evalBatchSize: 128,
          checkpointEpochs: [1, 2, 4, 6],
        },
        standalone: {
          epochs: 2,
          batchSize: 32,
          lr: 2,
          lrSchedule: 'constant',
          momentum: 0,
          weightDecay: 8e-7,
          clipNorm: 0.25,
          ...noBn,
          evalBatchSize: 128,
        },
        study: { scoredArchs: 16, groundTruthArchs: 6, topK: [1, 3, 5] },
        origin:
          'down-scaled DARTS-PTB (2000 words, 32 units) on the start of the PTB files; constant LR as Table 2',
      };
    case 'smoke':
      return {
        space: 'darts-ptb',
        scale,
        skeleton: sk(200, 16),
        standaloneSkeleton: sk(200, 16),
        data: { kind: 'ptb', steps: 8, trainTokens: 2048, validTokens: 1024 },
        supernet: {
          ...SMOKE_HYPER,
          nesterov: false,
          augment: false,
          lr: 1,
          lrSchedule: 'constant',
          momentum: 0,
          weightDecay: 0,
          clipNorm: 0.25,
          ...noBn,
          checkpointEpochs: [1, 2],
        },
        standalone: {
          ...SMOKE_HYPER,
          nesterov: false,
          augment: false,
          epochs: 1,
          lr: 1,
          lrSchedule: 'constant',
          momentum: 0,
          weightDecay: 0,
          clipNorm: 0.25,
          ...noBn,
        },
        study: { scoredArchs: 4, groundTruthArchs: 4, topK: [1, 2] },
        origin: 'tiny DARTS-PTB language model for CI',
      };
  }
}

export const dartsPtbBinding: SpaceBinding<DartsPtbSkeleton> = {
  name: 'darts-ptb',
  title: 'DARTS-PTB (recurrent cells on Penn Treebank)',
  input: 'text',
  preset: dartsPtbPreset,
  setup: (net) => ({ spec: dartsPtbRunSpec(net) as never, parse: parseDartsPtb }),
  resize(net, { channels, cells }) {
    if (cells !== undefined) throw new BadInputError('--cells does not apply to --space darts-ptb');
    return channels === undefined ? net : { ...net, embedding: channels, hidden: channels };
  },
};
