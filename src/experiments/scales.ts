/**
 * How much work each study notebook does at each scale tier (DESIGN.md):
 *
 *   smoke   CI: all eight notebooks together in a few minutes on 2 CPU cores; real images,
 *           tiny networks, numbers that only show the plumbing works.
 *   laptop  the default: minutes to under an hour per notebook on a CPU.
 *   paper   the seed's settings (NB-201 Table 2: 1000 epochs, 1000 scored architectures, k = 10,
 *           3 repeats per factor); a GPU job.
 *
 * The supernet hyper-parameters start from src/train's presets (`supernetPreset`), so a
 * supernet run made here matches one made by `supernet-lab train` with the same settings.
 */
import { powerOfTwoEpochs, SCALES, type Scale } from '../core/scale';

/** Environment variable a notebook reads its scale from (`SUPERNET_LAB_SCALE=smoke`). */
export const SCALE_ENV_VAR = 'SUPERNET_LAB_SCALE';

/** The scale named by SUPERNET_LAB_SCALE, else `fallback` (laptop); throws on unknown names. */
export function scaleFromEnv(fallback: Scale = 'laptop'): Scale {
  const v = process.env[SCALE_ENV_VAR];
  if (v === undefined || v.trim() === '') return fallback;
  return parseScale(v.trim(), `${SCALE_ENV_VAR}`);
}

/** `value` when `known` has it; else an error naming the input (`what`) and the known names. */
export function oneOf<T extends string>(
  value: string,
  known: readonly T[],
  what: string,
  noun: string,
): T {
  if (!(known as readonly string[]).includes(value)) {
    throw new Error(`${what} ${JSON.stringify(value)} is not ${noun} (known: ${known.join(', ')})`);
  }
  return value as T;
}

/** Checks a scale name; the error names the input and the known scales. */
export function parseScale(value: string, what = 'scale'): Scale {
  return oneOf(value, SCALES, what, 'a scale');
}

/** The shared base supernet (notebooks 01, 02, 04, 05, 06, 07): SPOS with checkpoints. */
export interface BaseSupernetSettings {
  epochs: number;
  /** Checkpoints kept and scored (exponential epochs, seed Fig. 1). */
  checkpointEpochs: number[];
  channels: number;
  cellsPerStage: number;
  batchSize: number;
  trainImages: number | null;
  validImages: number | null;
  calibrationBatches: number;
  calibrationBatchSize: number;
}

/** Supernets trained on reduced spaces (notebooks 03 and 06). */
export interface SubspaceSettings {
  /** Randomly down-scaled spaces: space size / subspace size (Fig. 2). */
  downscaleFactors: number[];
  /** Best-subset (pruned) spaces: space size / subspace size (Fig. 5). */
  pruneFactors: number[];
  /** Supernets per factor (seeds); the bands are min/max over them. */
  repeats: number;
  /** Training budget of every reduced-space supernet (same for all factors). */
  epochs: number;
  /** Architectures scored per supernet (all of the subspace when it is smaller). */
  scoredArchs: number;
  /** k of top-k inside a subspace. */
  k: number;
}

/** Notebook 07 (Table 3): trick runs use the base supernet's budget. */
export interface TricksSettings {
  /** Learning rate and weight decay of the "LR/WD" row. */
  lr: number;
  weightDecay: number;
  /** Seed of the "different seed" row (also notebook 04's second seed). */
  otherSeed: number;
}

/** Notebook 08: DARTS / GAEA / RS-WS searches (src/search), overrides of the search scale. */
export interface GaeaSettings {
  seeds: number[];
  epochs: number;
  trainImages: number | null;
  validImages: number | null;
  batchSize: number;
  channels: number;
  cellsPerStage: number;
  rswsSamples: number;
}

/** Notebook 01: searching with the supernet as the evaluator. */
export interface BasicsSettings {
  /** Evaluations random search gets (same budget for evolution). */
  budget: number;
  population: number;
  /** Parents kept per generation (the best of the population). */
  parents: number;
  /** Independent repetitions of both searches. */
  repetitions: number;
}

export interface ExperimentSettings {
  scale: Scale;
  base: BaseSupernetSettings;
  /** Architectures scored on the base supernet at every checkpoint (seed: 1000). */
  scoredArchs: number;
  /** k of top-k on the base supernet (seed: 10). */
  k: number;
  subspace: SubspaceSettings;
  tricks: TricksSettings;
  gaea: GaeaSettings;
  basics: BasicsSettings;
}

const SETTINGS: Record<Scale, ExperimentSettings> = {
  smoke: {
    scale: 'smoke',
    base: {
      epochs: 4,
      checkpointEpochs: [1, 2, 4],
      channels: 4,
      cellsPerStage: 1,
      batchSize: 32,
      trainImages: 512,
      validImages: 256,
      calibrationBatches: 2,
      calibrationBatchSize: 64,
    },
    scoredArchs: 24,
    k: 3,
    subspace: {
      downscaleFactors: [1, 8, 64],
      pruneFactors: [1, 8, 128],
      repeats: 2,
      epochs: 1,
      scoredArchs: 10,
      k: 2,
    },
    tricks: { lr: 0.025, weightDecay: 3e-4, otherSeed: 1 },
    gaea: {
      seeds: [0, 1],
      epochs: 2,
      trainImages: 64,
      validImages: 64,
      batchSize: 16,
      channels: 4,
      cellsPerStage: 1,
      rswsSamples: 6,
    },
    basics: { budget: 12, population: 6, parents: 2, repetitions: 2 },
  },
  laptop: {
    scale: 'laptop',
    base: {
      epochs: 16,
      checkpointEpochs: powerOfTwoEpochs(16),
      channels: 8,
      cellsPerStage: 1,
      batchSize: 64,
      trainImages: 5000,
      validImages: 500,
      calibrationBatches: 2,
      calibrationBatchSize: 250,
    },
    scoredArchs: 100,
    k: 10,
    subspace: {
      downscaleFactors: [1, 8, 64],
      pruneFactors: [1, 8, 128],
      repeats: 2,
      epochs: 8,
      scoredArchs: 50,
      k: 5,
    },
    tricks: { lr: 0.025, weightDecay: 3e-4, otherSeed: 1 },
    gaea: {
      seeds: [0, 1],
      epochs: 6,
      trainImages: 512,
      validImages: 512,
      batchSize: 16,
      channels: 8,
      cellsPerStage: 1,
      rswsSamples: 50,
    },
    basics: { budget: 40, population: 10, parents: 3, repetitions: 3 },
  },
  paper: {
    scale: 'paper',
    base: {
      epochs: 1000,
      checkpointEpochs: powerOfTwoEpochs(1000),
      channels: 16,
      cellsPerStage: 5,
      batchSize: 256,
      trainImages: null,
      validImages: null,
      calibrationBatches: 25,
      calibrationBatchSize: 400,
    },
    scoredArchs: 1000,
    k: 10,
    subspace: {
      downscaleFactors: [1, 2, 4, 8, 16, 32, 64],
      pruneFactors: [1, 2, 4, 8, 16, 32, 64, 128],
      repeats: 3,
      epochs: 1000,
      scoredArchs: 1000,
      k: 10,
    },
    tricks: { lr: 0.025, weightDecay: 3e-4, otherSeed: 1 },
    gaea: {
      seeds: [0, 1, 2, 3],
      epochs: 25,
      trainImages: null,
      validImages: null,
      batchSize: 64,
      channels: 16,
      cellsPerStage: 5,
      rswsSamples: 100,
    },
    basics: { budget: 1000, population: 50, parents: 10, repetitions: 5 },
  },
};

/** A copy of the settings of `scale` (callers may change it). */
export function experimentSettings(scale: Scale): ExperimentSettings {
  const s = SETTINGS[parseScale(String(scale))];
  return JSON.parse(JSON.stringify(s)) as ExperimentSettings;
}
