import * as path from 'node:path';
import { UsageError, choiceOption, intOption, stringOption, type Command } from '../command';
import { initEngine, parseEngineRequest } from '../../engine';
import { packageRoot } from '../../info';
import { loadTrainingData } from '../../train/data';
import {
  SAMPLER_NAMES,
  smokeStudy,
  type SpaceRunSpec,
  type SpaceTrainHyper,
  type BatchSource,
} from '../../train/samplers';
import type { TrainingData } from '../../train/data';
import { padDataset } from '../../train/space-runs';
import { NB101_SMOKE_SKELETON, nb101RunSpec } from '../../supernet/nb101';
import { DARTS_SMOKE_SKELETON, dartsRunSpec } from '../../supernet/darts';
import { PROXYLESS_SMOKE_SKELETON, proxylessRunSpec } from '../../supernet/proxyless';
import {
  DARTS_PTB_SMOKE_SKELETON,
  dartsPtbRunSpec,
  ptbBatchSource,
} from '../../supernet/darts-ptb';

const SMOKE_SPACES = ['nb101', 'darts', 'proxyless', 'darts-ptb'] as const;

export const spaceSmokeCommand: Command = {
  name: 'space-smoke',
  summary:
    'Smoke-scale train -> score -> stand-alone -> correlate study for nb101, darts, proxyless or darts-ptb.',
  details: `
Image spaces train tiny supernets on a Fashion-MNIST subset (28x28); darts-ptb trains the DARTS
recurrent cell on the start of ../shared/data/ptb/ptb.valid.txt and scores perplexity on the
start of ptb.test.txt. Writes DIR/supernet (config.json, log.jsonl, checkpoints, scores),
DIR/groundtruth (groundtruth.csv) and DIR/summary.json (Spearman / Kendall).
Example: supernet-lab space-smoke --space nb101 --out /tmp/nb101-smoke`,
  options: {
    space: { type: 'string', description: SMOKE_SPACES.join(', ') },
    out: { type: 'string', description: 'study folder' },
    sampler: { type: 'string', description: `${SAMPLER_NAMES.join(', ')} (fewshot: NB-201 only)` },
    archs: { type: 'string', description: 'architectures to score and train (default 4)' },
    epochs: { type: 'string', description: 'supernet epochs (default 2)' },
    seed: { type: 'string', description: 'seed (default 0)' },
    engine: { type: 'string', description: 'tensor engine (default auto)' },
    'data-dir': { type: 'string', description: 'Fashion-MNIST folder, or the PTB folder' },
  },
  async run(values) {
    const space = choiceOption(values, 'space', SMOKE_SPACES, 'nb101');
    const out = path.resolve(stringOption(values, 'out', `kernels-data/runs/smoke-${space}`));
    const sampler = choiceOption(values, 'sampler', SAMPLER_NAMES, 'uniform');
    const archs = intOption(values, 'archs', 4, 2, 1000);
    const epochs = intOption(values, 'epochs', 2, 1, 10000);
    const seed = intOption(values, 'seed', 0, 0, 2 ** 32 - 1);
    const engine = typeof values['engine'] === 'string' ? values['engine'] : 'auto';
    try {
      parseEngineRequest(engine, '--engine');
    } catch (err) {
      throw new UsageError((err as Error).message);
    }
    const dataDir = typeof values['data-dir'] === 'string' ? values['data-dir'] : undefined;
    await initEngine(engine as Parameters<typeof initEngine>[0]);
    const hyper: SpaceTrainHyper = {
      seed,
      epochs,
      batchSize: 32,
      lr: 0.05,
      momentum: 0.9,
      weightDecay: 5e-4,
      clipNorm: 5,
      calibrationBatches: 2,
      calibrationBatchSize: 32,
      evalBatchSize: 64,
      sampler,
    };
    let data: TrainingData | BatchSource;
    let spec: SpaceRunSpec<unknown>;
    if (space === 'darts-ptb') {
      data = ptbBatchSource({
        dir: dataDir ?? path.join(packageRoot, '..', 'shared', 'data', 'ptb'),
        vocabulary: DARTS_PTB_SMOKE_SKELETON.vocabulary,
        steps: 8,
        trainTokens: 2048,
        validTokens: 1024,
      });
      Object.assign(hyper, { lr: 1, momentum: 0, weightDecay: 0, clipNorm: 0.25 });
      spec = dartsPtbRunSpec(DARTS_PTB_SMOKE_SKELETON) as SpaceRunSpec<unknown>;
    } else {
      const d = await loadTrainingData('fashion-mnist', {
        trainImages: 128,
        validImages: 64,
        validFraction: 0.5,
        source: dataDir,
        log: (line) => process.stderr.write(line + '\n'),
      });
      // ProxylessNAS halves the image three times: pad 28x28 to 32x32 (padDataset).
      const padded =
        space === 'proxyless' && d.imageSize % 8 !== 0
          ? (() => {
              const to = Math.ceil(d.imageSize / 8) * 8;
              return {
                ...d,
                train: padDataset(d.train, to),
                valid: padDataset(d.valid, to),
                test: padDataset(d.test, to),
                imageSize: to,
              };
            })()
          : d;
      data = padded;
      const io = { inChannels: d.inputChannels, numClasses: d.classes };
      spec = (
        space === 'nb101'
          ? nb101RunSpec({ ...NB101_SMOKE_SKELETON, ...io })
          : space === 'darts'
            ? dartsRunSpec({ ...DARTS_SMOKE_SKELETON, ...io }, d.imageSize)
            : proxylessRunSpec({
                ...PROXYLESS_SMOKE_SKELETON,
                ...io,
                imageSize: padded.imageSize,
              })
      ) as SpaceRunSpec<unknown>;
    }
    const r = smokeStudy({
      spec,
      data,
      outDir: out,
      supernet: hyper,
      standalone: { ...hyper, sampler: 'uniform', epochs: Math.max(1, Math.ceil(epochs / 2)) },
      archs,
    });
    process.stdout.write(
      JSON.stringify({ out, space, spearman: r.spearman, kendall: r.kendall }) + '\n',
    );
    return 0;
  },
};
