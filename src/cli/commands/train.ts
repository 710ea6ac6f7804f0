import * as path from 'node:path';
import { UsageError, choiceOption, optionalInt, stringOption, type Command } from '../command';
import { SAMPLER_NAMES } from '../../supernet/binding';
import { spaceBinding } from '../../supernet/registry';
import { loadRunData, trainRun } from '../../train/pipeline';
import type { RunConfigInput } from '../../runs/config';
import {
  COMMON_OPTIONS,
  HYPER_OPTIONS,
  SAMPLER_OPTIONS,
  datasetName,
  defaultOut,
  hyperWithOverrides,
  lockRunFolder,
  makeProgress,
  parseEpochList,
  presetWithOverrides,
  runSettings,
  setUpEngine,
  WAIT_OPTION,
  printJson,
} from './run-options';

const LAPTOP = spaceBinding('nb201').preset('laptop');

export const trainCommand: Command = {
  name: 'train',
  summary: 'Train a supernet of any space (SPOS or another sampler) into a run folder.',
  details: `
Every space (--space nb201|nb101|darts|proxyless|darts-ptb) goes through the same loop, with its
presets per scale (src/supernet/<space>/binding.ts): paper = the seed's settings (NB-201: Table 2
of the weight-sharing study, 1000 epochs, batch 256, LR 0.05 cosine, WD 5e-4, clip 5, C=16, N=5,
BN calibration 25 x 400, CIFAR-10); laptop = a few minutes on 2 CPU cores (NB-201: C=${JSON.stringify(LAPTOP.skeleton.net)},
${LAPTOP.supernet.epochs} epochs on Fashion-MNIST); smoke = tiny, for CI. Flags override single values; Nesterov momentum
and crop + flip augmentation are on for image spaces unless --no-nesterov / --no-augment.
Run folder (--out, default kernels-data/runs/supernet-<space>-<dataset>-<scale>-seed<seed>):
config.json (schema 2: every setting and seed), log.jsonl, checkpoints/epoch-XXXX (kept:
--checkpoint-epochs and the newest). Re-running the same command resumes after the newest
checkpoint that verifies; the result is identical to an uninterrupted run. One process writes a
folder at a time (a second gets a refusal naming the holder; --wait waits). A NaN/inf loss stops
with exit code 3 and keeps the last good checkpoint. Samplers: uniform (SPOS), fairnas,
multipath, sandwich, fewshot (one sub-supernet per option of --few-shot-edge).
Examples:
  supernet-lab train --scale smoke --out /tmp/sn
  supernet-lab train --space nb101 --scale smoke --sampler fewshot --out /tmp/nb101`,
  options: {
    ...COMMON_OPTIONS,
    ...HYPER_OPTIONS,
    ...SAMPLER_OPTIONS,
    out: { type: 'string', description: 'run folder' },
    'checkpoint-epochs': {
      type: 'string',
      description: 'comma-separated epochs whose checkpoints are kept (the newest always is)',
    },
    ...WAIT_OPTION,
  },
  async run(values) {
    const s = runSettings(values);
    const preset = presetWithOverrides(s, values);
    const hyper = hyperWithOverrides(preset.supernet, values);
    const sampler = choiceOption(values, 'sampler', SAMPLER_NAMES, 'uniform');
    const fewShotEdge = optionalInt(values, 'few-shot-edge', 0, 1000);
    if (fewShotEdge !== undefined && sampler !== 'fewshot') {
      throw new UsageError('--few-shot-edge needs --sampler fewshot');
    }
    const samplerPaths = optionalInt(values, 'sampler-paths', 0, 64);
    const kept = preset.supernet.checkpointEpochs.filter((e) => e <= hyper.epochs);
    const checkpointEpochs = parseEpochList(values, 'checkpoint-epochs', kept);
    const dataset = datasetName(preset);
    const out = path.resolve(stringOption(values, 'out', defaultOut('supernet', s, dataset)));
    const engine = await setUpEngine(s);
    const progress = makeProgress(s.progressMode, `supernet ${s.space} `);
    const data = await loadRunData(s.space, preset.data, preset.skeleton.net, {
      dataDir: s.dataDir,
      download: s.download,
      log: (line) => progress.line(line),
    });
    const config: RunConfigInput = {
      ...hyper,
      kind: 'supernet',
      space: s.space,
      scale: s.scale,
      dataset,
      skeleton: preset.skeleton,
      data: preset.data,
      seed: s.seed,
      sampler,
      ...(samplerPaths === undefined ? {} : { samplerPaths }),
      ...(fewShotEdge === undefined ? {} : { fewShotEdge }),
      checkpointEpochs,
      engine: engine.name,
    };
    progress.line(
      `supernet ${s.space}: ${data.summary}, ${JSON.stringify(preset.skeleton.net)}, ${hyper.epochs} epochs, ` +
        `batch ${hyper.batchSize}, sampler ${sampler}, engine ${engine.name} -> ${out}`,
    );
    // trainRun checks the config against the space before it takes the lock (no folder on bad input).
    const lock = () => lockRunFolder(out, 'train', values);
    const r = await trainRun({ runDir: out, config, data, progress, lock });
    const { epochsDone, epochsRun, resumedFrom, seconds } = r;
    printJson({ run: out, space: s.space, epochsDone, epochsRun, resumedFrom, seconds });
    return 0;
  },
};
