/**
 * config.json of a run folder, for every space: one versioned schema (`schema: 2`), one resume
 * check, and a reader that also opens folders written before the one pipeline:
 *
 * - schema 1, NB-201 (flat): `channels`, `cellsPerStage`, `trainImages`, ... at the top level;
 *   its seeds were the ones every space now uses, so such a folder resumes unchanged.
 * - schema 1, the other spaces (`skeleton` and `data` objects, no `seeds`): their trainer had
 *   its own seed names, no Nesterov and no augmentation; the reader records exactly those, so
 *   resuming such a folder continues its run bit for bit.
 *
 * Every setting that once depended on which training stack a space went through is a field here
 * with the seed's value as default (nesterov, augment, seeds, calibration).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { libraryInfo, type LibraryInfo } from '../info';
import { BadInputError } from '../errors';
import type { Scale } from '../core/scale';
import type { SpaceDataSettings, SpaceSkeleton, SpaceTrainHyper } from '../supernet/binding';
import { readJson, writeJsonAtomic } from './folder';
import { sleepSync } from './lock';

export const RUN_SCHEMA = 2;

/**
 * The seeds of a run as strings, so that a folder says exactly where its randomness came from.
 * `{epoch}` and `{arch}` (an architecture id) are filled in where they occur.
 */
export interface RunSeeds {
  /** Data order and augmentation of supernet training (combined with the epoch). */
  data: string;
  /** Path sampler of epoch `{epoch}`. */
  sampler: string;
  /** The seeded sample of training images that recalibrates BatchNorm before scoring. */
  calibration: string;
  /** Stand-alone training of architecture `{arch}`: data order. */
  standaloneData: string;
  /** Stand-alone training: weight initialisation (a uint32 drawn from it; a number is used as is). */
  standaloneInit: string | number;
}

/** Seeds of a new run with run seed `seed` (the same scheme for every space). */
export function defaultSeeds(seed: number): RunSeeds {
  return {
    data: `supernet/${seed}/data`,
    sampler: `supernet/${seed}/sampler/epoch-{epoch}`,
    calibration: `${seed}/calibration`,
    standaloneData: `gt/${seed}/{arch}/data`,
    standaloneInit: `gt/${seed}/{arch}/init`,
  };
}

/** A seed template with its placeholders filled in. */
export function fillSeed(template: string, values: { epoch?: number; arch?: string }): string {
  return template
    .replace('{epoch}', String(values.epoch ?? ''))
    .replace('{arch}', values.arch ?? '');
}

export interface RunConfig extends SpaceTrainHyper {
  schema: 2;
  kind: 'supernet' | 'groundtruth';
  space: string;
  scale: Scale;
  /** Image dataset, or 'ptb'. */
  dataset: string;
  skeleton: SpaceSkeleton;
  data: SpaceDataSettings;
  seeds: RunSeeds;
  /** Supernet: epochs whose checkpoints are kept besides the newest. */
  checkpointEpochs?: number[];
  /** Ground truth: the architectures to train, canonical strings in order. */
  archs?: string[];
  engine: string;
  library: LibraryInfo;
  createdAt: string;
}

/**
 * What a caller specifies; seeds default to `defaultSeeds(seed)`. Extra keys (an experiment's
 * own settings, e.g. a reduced space) are recorded and compared like the others.
 */
export type RunConfigInput = Omit<RunConfig, 'schema' | 'library' | 'createdAt' | 'seeds'> & {
  seeds?: RunSeeds;
} & Record<string, unknown>;

/** Settings that must agree between a folder's config and a resumed run. */
const RESUME_KEYS = [
  'kind',
  'space',
  'scale',
  'dataset',
  'skeleton',
  'data',
  'seed',
  'seeds',
  'epochs',
  'batchSize',
  'lr',
  'minLr',
  'lrSchedule',
  'momentum',
  'nesterov',
  'weightDecay',
  'clipNorm',
  'augment',
  'sampler',
  'samplerPaths',
  'fewShotEdge',
  'archs',
] as const;

/** Fields of a schema-1 NB-201 config that the schema-2 `skeleton` and `data` hold. */
const NB201_FLAT = [
  'channels',
  'cellsPerStage',
  'inputChannels',
  'classes',
  'imageSize',
  'trainImages',
  'validImages',
  'testImages',
  'validFraction',
] as const;

function fromNb201Flat(raw: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...raw };
  for (const k of NB201_FLAT) delete out[k];
  const seed = Number(raw['seed']);
  return {
    ...out,
    skeleton: {
      space: 'nb201',
      net: { channels: raw['channels'], cellsPerStage: raw['cellsPerStage'] },
    },
    data: {
      kind: 'images',
      dataset: raw['dataset'],
      trainImages: raw['trainImages'] ?? null,
      validImages: raw['validImages'] ?? null,
      ...(raw['testImages'] === undefined ? {} : { testImages: raw['testImages'] }),
      validFraction: raw['validFraction'],
    },
    seeds: defaultSeeds(seed),
  };
}

/** The seeds and settings of the other spaces' trainer before the one pipeline. */
function fromSpaceV1(raw: Record<string, unknown>): Record<string, unknown> {
  const seed = Number(raw['seed']);
  return {
    nesterov: false,
    augment: false,
    ...raw,
    seeds: {
      data: `space-supernet/${seed}/data`,
      sampler: `space-supernet/${String(raw['space'])}/${seed}/sampler/epoch-{epoch}`,
      calibration: `${seed}/calibration`,
      standaloneData: `space-supernet/${seed}/data`,
      standaloneInit: seed,
    },
  };
}

/** Any config.json this project wrote, as schema 2 (see the module comment). */
export function normalizeRunConfig(raw: Record<string, unknown>, file: string): RunConfig {
  if (raw['schema'] === RUN_SCHEMA) return raw as unknown as RunConfig;
  if (raw['schema'] !== undefined) {
    throw new BadInputError(
      `${file} has config schema ${JSON.stringify(raw['schema'])}; this version reads schema ${RUN_SCHEMA} and older (upgrade supernet-lab)`,
    );
  }
  if (typeof raw['space'] !== 'string' || typeof raw['kind'] !== 'string') {
    throw new BadInputError(`${file} is not a run config (no space or kind)`);
  }
  const v2 = raw['skeleton'] === undefined ? fromNb201Flat(raw) : fromSpaceV1(raw);
  return { ...v2, schema: RUN_SCHEMA } as RunConfig;
}

/** A run folder's config (any schema), as schema 2; errors name the folder. */
export function readRunConfig(runDir: string): RunConfig {
  const file = path.join(runDir, 'config.json');
  if (!fs.existsSync(file)) {
    throw new BadInputError(`${runDir} is not a run folder (no config.json)`);
  }
  return normalizeRunConfig(readJson<Record<string, unknown>>(file), file);
}

/**
 * The settings among `keys` on which a folder's config and a resumed run differ, as
 * "key: X in the folder, Y now" (the one resume check; searches use it with their own keys).
 */
export function configDifferences<T extends object>(
  existing: T,
  wanted: T,
  keys: readonly (keyof T)[],
): string[] {
  return keys
    .filter((k) => JSON.stringify(existing[k]) !== JSON.stringify(wanted[k]))
    .map(
      (k) =>
        `${String(k)}: ${JSON.stringify(existing[k])} in the folder, ${JSON.stringify(wanted[k])} now`,
    );
}

/** Throws when `existing` and `wanted` differ on a setting that a resumed run must keep. */
export function assertResumable(runDir: string, existing: RunConfig, wanted: RunConfigInput): void {
  const diffs = configDifferences(existing, { ...existing, ...wanted } as RunConfig, RESUME_KEYS);
  if (diffs.length > 0) {
    throw new BadInputError(
      `${runDir} holds a run with a different configuration (${diffs.join('; ')}); use another --out or the same settings`,
    );
  }
}

/**
 * Writes config.json of a new run, or checks that an existing folder holds the same run
 * (resume) and records this call's settings that may change (checkpoint choices, calibration,
 * evaluation batch size, engine). Several processes may call it at once on one folder (workers
 * of a ground-truth run): one creates the file, the others read it.
 */
export function prepareRunFolder(runDir: string, input: RunConfigInput, attempt = 0): RunConfig {
  fs.mkdirSync(runDir, { recursive: true });
  const file = path.join(runDir, 'config.json');
  const wanted = { ...input, seeds: input.seeds ?? defaultSeeds(input.seed) };
  if (fs.existsSync(file)) {
    const existing = readRunConfig(runDir);
    assertResumable(runDir, existing, wanted);
    const merged: RunConfig = {
      ...existing,
      ...wanted,
      schema: RUN_SCHEMA,
      library: existing.library,
      createdAt: existing.createdAt,
    };
    if (JSON.stringify(merged) !== JSON.stringify(existing)) writeJsonAtomic(file, merged);
    return merged;
  }
  const config: RunConfig = {
    ...wanted,
    schema: RUN_SCHEMA,
    library: libraryInfo(),
    createdAt: new Date().toISOString(),
  };
  const init = file + '.init';
  try {
    // Exclusive create: when several workers start together, one writes and the others read.
    fs.writeFileSync(init, JSON.stringify(config, null, 2) + '\n', { flag: 'wx' });
    fs.renameSync(init, file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    for (let i = 0; i < 100 && !fs.existsSync(file); i++) sleepSync(20);
    // Still nothing: the .init file was left by a process killed mid-write.
    if (!fs.existsSync(file)) {
      if (attempt > 0) throw new Error(`cannot create ${file}: ${init} is in the way`);
      fs.rmSync(init, { force: true });
    }
    return prepareRunFolder(runDir, input, attempt + 1);
  }
  return config;
}
