/**
 * Sweep jobs as data: the schema of a job spec (one pipeline step: train a supernet, score
 * architectures on it, train architectures stand-alone, run a search, train and score a supernet
 * on a reduced or pruned NB-201 space), its resolution against the
 * space's presets, its stable id and the command line that runs it. A spec that comes from a
 * grid file or a queue is checked here, field by field, before anything runs: only known fields,
 * numbers in range, names from fixed lists, job ids of a fixed shape. Nothing in a spec is a path
 * or a shell word; the argv built from it is passed to a child process as an array.
 */
import { createHash } from 'node:crypto';
import * as path from 'node:path';
import { BadInputError } from '../errors';
import { SCALES, TRAIN_DATASETS, type Scale, type TrainDataset } from '../core/scale';
import { SAMPLER_NAMES, type SpaceBinding, type SpaceDataSettings } from '../supernet/binding';
import { SPACE_NAMES, spaceBinding } from '../supernet/registry';
import {
  SEARCH_METHODS,
  defaultGroundTruth,
  searchSettings,
  type SearchMethod,
} from '../search/search-run';
import { NB201_TRUTH_COLUMNS } from '../groundtruth/nb201';
import { MAX_DRAWN_CELLS, reducedSize } from '../spaces/reduce';

export const JOB_STAGES = ['train', 'score', 'groundtruth', 'search', 'subspace'] as const;
export type JobStage = (typeof JOB_STAGES)[number];

/** Images of a split: a count, or 'all'. */
export type Images = number | 'all';

interface TrainingFields {
  space: string;
  scale: Scale;
  dataset: string;
  seed: number;
  epochs?: number;
  batchSize?: number;
  lr?: number;
  weightDecay?: number;
  trainImages?: Images;
  validImages?: Images;
  channels?: number;
  cells?: number;
}

/**
 * BN recalibration before scoring (B batches of S training images), recorded in the run's
 * config; left out, the preset's. A job at the preset's values has the id it had before these
 * were fields.
 */
interface CalibrationFields {
  calibrationBatches?: number;
  calibrationBatchSize?: number;
}

export interface TrainJobSpec extends TrainingFields, CalibrationFields {
  stage: 'train';
  sampler?: (typeof SAMPLER_NAMES)[number];
  samplerPaths?: number;
  fewShotEdge?: number;
  checkpointEpochs?: number[];
}

/**
 * Seed of a sampled architecture list: a number, or 'study', the list every whole-space
 * supernet of the study notebooks scores (src/experiments/base.ts `studyArchs`).
 */
export type ArchSeed = number | 'study';

export interface ScoreJobSpec {
  stage: 'score';
  /** Id of the train job whose checkpoints are scored. */
  train: string;
  /** Architectures scored: a sampled list (archSeed) or the lines of the archList file. */
  sample: number;
  archSeed?: ArchSeed;
  /**
   * Instead of a sampled list: the SHA-256 of an architecture list in the storage root's
   * lists/<sha256>.txt (an experiment's own list, e.g. the cells of a ground-truth table); the
   * worker checks the file against it before scoring.
   */
  archList?: string;
  /** Checkpoint epoch, or every kept one. */
  epoch: number | 'all' | 'latest';
}

export interface GroundTruthJobSpec extends TrainingFields {
  stage: 'groundtruth';
  sample: number;
  /** The sampled list's seed (absent: the list of a reduced space, `factor` below). */
  archSeed?: ArchSeed;
  /**
   * Part `shard` (0-based) of `shards` contiguous parts of the sampled list (shardBounds): the
   * parts are separate jobs, so the list spreads over workers; collect joins them into the table
   * the whole list gives (every architecture trains from its own seeds).
   */
  shard?: number;
  shards?: number;
  /**
   * Instead of a sampled list (archSeed): the `sample` cells that the subspace job with this
   * reduction (random), factor and repeat scores, for ground truth of a reduced space of a
   * space without a benchmark table (seed 001 Fig. 2a, NB-101).
   */
  reduction?: 'random';
  factor?: number;
  repeat?: number;
}

export const SPACE_REDUCTIONS = ['random', 'pruned'] as const;

/**
 * One supernet of seed 001 Fig. 2 (reduction random: a random 1/factor of the NB-201 cells) or
 * Fig. 5 (pruned: the best 1/factor by NAS-Bench-201 ground truth), trained on its cells and
 * `sample` of them scored at the last epoch: one (factor, repeat) of notebooks 03 / 06, run by
 * the same experiment code (src/experiments/reduced-spaces.ts `reducedRun`). As there, repeat r
 * trains with seed + r, and the random reduction draws its subset with seed r.
 */
export interface SubspaceJobSpec
  extends Omit<TrainingFields, 'lr' | 'weightDecay'>,
    CalibrationFields {
  stage: 'subspace';
  reduction: (typeof SPACE_REDUCTIONS)[number];
  factor: number;
  repeat: number;
  sample: number;
  /**
   * Pruned reduction of a space without a benchmark table: its ground-truth table (CSV or
   * .csv.gz, arch plus truthColumn), a path relative to the storage root (every worker reads it
   * there; nothing outside the root), e.g. tables/nb101-truth.csv.
   */
  truthTable?: string;
  truthColumn?: string;
}

const GROUND_TRUTH_MODES = ['benchmark', 'standalone'] as const;

/**
 * One `search` run. Fields left out take the search scale's settings (src/search/scales.ts);
 * groundTruth left out is the dataset's default (standalone for fashion-mnist and
 * cifar10-subset, else benchmark). A job at those values has the id it had before batchSize,
 * channels, cells, trainImages, validImages, samples and groundTruth were fields.
 */
export interface SearchJobSpec {
  stage: 'search';
  space: string;
  method: SearchMethod;
  scale: Scale;
  dataset: string;
  seed: number;
  epochs?: number;
  batchSize?: number;
  channels?: number;
  cells?: number;
  trainImages?: Images;
  validImages?: Images;
  /** RS-WS: cells sampled and scored on the supernet. */
  samples?: number;
  groundTruth?: (typeof GROUND_TRUTH_MODES)[number];
}

export type JobSpec =
  | TrainJobSpec
  | ScoreJobSpec
  | GroundTruthJobSpec
  | SearchJobSpec
  | SubspaceJobSpec;

/** An archList: the SHA-256 of the list file's bytes. */
export const ARCH_LIST = /^[0-9a-f]{64}$/;
/** A job id: stage, a dash and 16 hex digits of the resolved config's sha256. */
export const JOB_ID = /^(train|score|groundtruth|search|subspace)-[0-9a-f]{16}$/;

/** Bad job spec (grid entry or queue payload): exit code 2, never run. */
export class JobSpecError extends BadInputError {
  override name = 'JobSpecError';
}

/** A field's check: whether a value passes, and what it must be (the error says). */
type FieldRule = { what: string; ok: (v: unknown) => boolean };
const rule = (what: string, ok: (v: unknown) => boolean): FieldRule => ({ what, ok });
const isInt = (v: unknown, min: number, max: number) =>
  typeof v === 'number' && Number.isInteger(v) && v >= min && v <= max;
const int = (min: number, max: number) =>
  rule(`an integer in [${min}, ${max}]`, (v) => isInt(v, min, max));
const num = (min: number, max: number) =>
  rule(`a number in [${min}, ${max}]`, (v) => typeof v === 'number' && v >= min && v <= max);
const choice = (choices: readonly string[]) =>
  rule(`one of ${choices.join(', ')}`, (v) => typeof v === 'string' && choices.includes(v));
const IMAGES = rule("a positive integer or 'all'", (v) => v === 'all' || isInt(v, 1, 1e9));
const SEED = int(0, 2 ** 32 - 1);
const TRAINING_RULES: Record<string, FieldRule> = {
  space: choice(SPACE_NAMES),
  scale: choice(SCALES),
  dataset: choice([...TRAIN_DATASETS, 'ptb']),
  seed: SEED,
  epochs: int(1, 1_000_000),
  batchSize: int(1, 1_000_000),
  lr: num(Number.MIN_VALUE, 1e12),
  weightDecay: num(0, 1e6),
  trainImages: IMAGES,
  validImages: IMAGES,
  channels: int(1, 4096),
  cells: int(0, 100),
};
const SAMPLE_RULES: Record<string, FieldRule> = {
  sample: int(1, 1_000_000),
  archSeed: rule(
    `an integer in [0, ${2 ** 32 - 1}] or 'study'`,
    (v) => v === 'study' || SEED.ok(v),
  ),
};
const CALIBRATION_RULES: Record<string, FieldRule> = {
  calibrationBatches: int(0, 1_000_000),
  calibrationBatchSize: int(1, 1_000_000),
};

/** The fields of each stage; `required` ones must be given (the rest default to the preset). */
const STAGES: Record<JobStage, { rules: Record<string, FieldRule>; required: string[] }> = {
  train: {
    rules: {
      ...TRAINING_RULES,
      ...CALIBRATION_RULES,
      sampler: choice(SAMPLER_NAMES),
      samplerPaths: int(0, 64),
      fewShotEdge: int(0, 1000),
      checkpointEpochs: rule(
        'a non-empty list of epoch numbers',
        (v) => Array.isArray(v) && v.length > 0 && v.every((e) => isInt(e, 1, 1e6)),
      ),
    },
    required: ['space', 'scale', 'seed'],
  },
  score: {
    rules: {
      train: rule(
        'a job id like train-0123456789abcdef',
        (v) => typeof v === 'string' && JOB_ID.test(v),
      ),
      ...SAMPLE_RULES,
      archList: rule(
        'the SHA-256 of an architecture list (64 lowercase hex digits)',
        (v) => typeof v === 'string' && ARCH_LIST.test(v),
      ),
      epoch: rule(
        "an epoch number, 'all' or 'latest'",
        (v) => v === 'all' || v === 'latest' || isInt(v, 1, 1e6),
      ),
    },
    // archSeed or archList: resolveJob asks for one of them.
    required: ['train', 'sample'],
  },
  groundtruth: {
    rules: {
      ...TRAINING_RULES,
      ...SAMPLE_RULES,
      shard: int(0, 1_000_000),
      shards: int(1, 1_000_000),
      reduction: choice(['random']),
      factor: int(1, 1_000_000),
      repeat: int(0, 10_000),
    },
    // archSeed, or factor (see GroundTruthJobSpec): resolveJob asks for one of them.
    required: ['space', 'scale', 'seed', 'sample'],
  },
  search: {
    rules: {
      space: choice(SPACE_NAMES),
      method: choice(SEARCH_METHODS),
      scale: choice(SCALES),
      dataset: choice(TRAIN_DATASETS),
      seed: SEED,
      epochs: int(1, 100_000),
      batchSize: int(1, 100_000),
      channels: int(1, 4096),
      cells: int(1, 100),
      trainImages: IMAGES,
      validImages: IMAGES,
      samples: int(1, 15284),
      groundTruth: choice(GROUND_TRUTH_MODES),
    },
    required: ['space', 'method', 'scale', 'seed'],
  },
  subspace: {
    rules: {
      ...without(TRAINING_RULES, 'lr', 'weightDecay'),
      ...CALIBRATION_RULES,
      reduction: choice(SPACE_REDUCTIONS),
      factor: int(1, 1_000_000),
      repeat: int(0, 10_000),
      sample: SAMPLE_RULES.sample,
      truthTable: rule(
        'a relative path under the storage root, like tables/nb101-truth.csv',
        (v) =>
          typeof v === 'string' &&
          v.length <= 300 &&
          v.split('/').every((part) => /^[A-Za-z0-9_][A-Za-z0-9._-]*$/.test(part)),
      ),
      truthColumn: rule(
        'a column name (letters, digits, _ . -)',
        (v) => typeof v === 'string' && /^[A-Za-z0-9_][A-Za-z0-9._-]{0,99}$/.test(v),
      ),
    },
    // space left out: nb201 (the jobs of grids written before other spaces could be reduced).
    required: ['scale', 'seed', 'reduction', 'factor', 'repeat', 'sample'],
  },
};

function without<T extends object>(o: T, ...keys: string[]): T {
  const out = { ...o } as Record<string, unknown>;
  for (const k of keys) delete out[k];
  return out as T;
}

/**
 * Bounds [start, end) of part `shard` of `shards` contiguous parts of an n-long list (sizes
 * differ by at most one).
 */
export function shardBounds(n: number, shard: number, shards: number): [number, number] {
  return [Math.floor((shard * n) / shards), Math.floor(((shard + 1) * n) / shards)];
}

/** Datasets NAS-Bench-201 has ground truth for (a pruned space ranks its cells by it). */
const PRUNABLE_DATASETS = Object.keys(NB201_TRUTH_COLUMNS);

/** A random reduction of a space too large to list draws its cells: at most MAX_DRAWN_CELLS. */
function checkDrawnSize(where: string, space: string, binding: SpaceBinding, factor: number) {
  if (binding.searchSpace.enumerate || factor === 1) return;
  const size = reducedSize(binding.searchSpace, factor);
  if (size > MAX_DRAWN_CELLS) {
    throw new JobSpecError(
      `${where}: 1/${factor} of ${space} is ${size} cells; a reduced space of a space too large to list holds at most ${MAX_DRAWN_CELLS}`,
    );
  }
}

/**
 * What a subspace job's reduction needs from its space: pruning ranks every cell, so the space
 * must list them (listedCells) and have ground truth of all of them, from its benchmark table
 * (for the datasets that table covers) or from the job's truthTable.
 */
function checkReduction(
  where: string,
  spec: SubspaceJobSpec,
  binding: SpaceBinding,
  presetData: string,
): void {
  const table = spec.truthTable !== undefined || spec.truthColumn !== undefined;
  if (spec.reduction === 'random') {
    if (table)
      throw new JobSpecError(`${where}: truthTable and truthColumn are for reduction pruned`);
    checkDrawnSize(where, spec.space, binding, spec.factor);
    return;
  }
  if (!binding.searchSpace.enumerate) {
    throw new JobSpecError(
      `${where}: a pruned space ranks every cell by ground truth, and ${spec.space} has too many cells to list; use reduction random`,
    );
  }
  if (binding.benchmark) {
    if (table) {
      throw new JobSpecError(
        `${where}: space ${spec.space} prunes by its benchmark table; truthTable and truthColumn are for spaces without one`,
      );
    }
    const dataset = spec.dataset ?? presetData;
    if (!PRUNABLE_DATASETS.includes(dataset)) {
      throw new JobSpecError(
        `${where}: a pruned space ranks cells by NAS-Bench-201 ground truth, which covers ${PRUNABLE_DATASETS.join(', ')}, not ${dataset}`,
      );
    }
    return;
  }
  if (spec.truthTable === undefined || spec.truthColumn === undefined) {
    throw new JobSpecError(
      `${where}: a pruned ${spec.space} space ranks its cells by a ground-truth table (${spec.space} has no benchmark table): give truthTable (a CSV of arch plus a metric column with a value for every valid cell, a path under the storage root such as tables/${spec.space}-truth.csv) and truthColumn`,
    );
  }
}

/**
 * Checks an untrusted value (a grid entry, a queue payload) against the schema of its stage:
 * a plain object, a known stage, only that stage's fields, each valid. Throws JobSpecError naming
 * `where`, the field and what it must be.
 */
export function parseJobSpec(value: unknown, where: string): JobSpec {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new JobSpecError(`${where}: a job must be an object, got ${JSON.stringify(value)}`);
  }
  const v = value as Record<string, unknown>;
  const stage = v.stage;
  if (typeof stage !== 'string' || !(JOB_STAGES as readonly string[]).includes(stage)) {
    throw new JobSpecError(
      `${where}: stage must be one of ${JOB_STAGES.join(', ')}, got ${JSON.stringify(stage)}`,
    );
  }
  const { rules, required } = STAGES[stage as JobStage];
  for (const [name, x] of Object.entries(v)) {
    if (name === 'stage' || x === undefined) continue;
    // Own fields only: 'constructor' or 'toString' must not find Object's and pass unchecked.
    const rule = Object.hasOwn(rules, name) ? rules[name] : undefined;
    if (!rule) {
      throw new JobSpecError(
        `${where}: unknown field ${JSON.stringify(name)} for stage ${stage} (known: ${Object.keys(rules).join(', ')})`,
      );
    }
    if (!rule.ok(x)) {
      throw new JobSpecError(`${where}: ${name} must be ${rule.what}, got ${JSON.stringify(x)}`);
    }
  }
  for (const name of required) {
    if (v[name] === undefined) throw new JobSpecError(`${where}: stage ${stage} needs ${name}`);
  }
  return { ...v } as unknown as JobSpec;
}

function imagesOf(n: number | null | undefined): Images | undefined {
  return n === undefined ? undefined : n === null ? 'all' : n;
}

function presetDataset(data: SpaceDataSettings): string {
  return data.kind === 'images' ? data.dataset : 'ptb';
}

/** Text spaces take no image settings; the dataset must be the preset's kind. */
function checkDataFields(where: string, spec: TrainingFields, data: SpaceDataSettings): void {
  if (data.kind === 'images') {
    if (spec.dataset === 'ptb') {
      throw new JobSpecError(`${where}: space ${spec.space} trains on images, not ptb`);
    }
    return;
  }
  if (spec.dataset !== undefined && spec.dataset !== 'ptb') {
    throw new JobSpecError(`${where}: space ${spec.space} trains on Penn Treebank text (ptb)`);
  }
  for (const k of ['trainImages', 'validImages'] as const) {
    if (spec[k] !== undefined) {
      throw new JobSpecError(`${where}: ${k} does not apply to space ${spec.space}`);
    }
  }
}

/** A resolved job: the spec with every default filled in, and what its id is derived from. */
export interface ResolvedJob {
  id: string;
  spec: JobSpec;
  /** Ids of the jobs that must be done first. */
  after: string[];
}

function canonical(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonical);
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(value).sort()) {
      const x = (value as Record<string, unknown>)[k];
      if (x !== undefined) out[k] = canonical(x);
    }
    return out;
  }
  return value;
}

function hashOf(stage: JobStage, material: unknown): string {
  const json = JSON.stringify(canonical(material));
  return `${stage}-${createHash('sha256').update(json).digest('hex').slice(0, 16)}`;
}

/**
 * Fills in the preset's values for every field left out (so two spellings of one run are one
 * job) and derives the id from the full resolved configuration: the spec plus the preset parts
 * the run uses (hyper-parameters, data, skeleton). A spec the pipeline would refuse (few-shot
 * edge on a non-fewshot sampler, images on a text space) is refused here, before it is queued.
 */
export function resolveJob(input: JobSpec, where: string): ResolvedJob {
  const spec = parseJobSpec(input, where);
  if (spec.stage === 'subspace' && spec.space === undefined) spec.space = 'nb201';
  if (spec.stage === 'score') {
    if ((spec.archSeed === undefined) === (spec.archList === undefined)) {
      throw new JobSpecError(
        `${where}: give archSeed (a sampled list) or archList (a list file's SHA-256), not ${spec.archList === undefined ? 'neither' : 'both'}`,
      );
    }
    const s: ScoreJobSpec = { ...spec, epoch: spec.epoch ?? 'all' };
    return { id: hashOf('score', s), spec: s, after: [s.train] };
  }
  if (spec.stage === 'search') {
    const binding = spaceBinding(spec.space);
    if (!binding.differentiable) {
      throw new JobSpecError(`${where}: space ${spec.space} has no search (differentiable) form`);
    }
    const s: SearchJobSpec = { ...spec, dataset: spec.dataset ?? 'fashion-mnist' };
    const nullAll = (n: Images | undefined) => (n === 'all' ? null : n);
    let settings: ReturnType<typeof searchSettings>;
    try {
      settings = searchSettings({
        method: s.method,
        dataset: s.dataset as TrainDataset,
        scale: s.scale,
        seed: s.seed,
        engine: 'any',
        overrides: {
          epochs: s.epochs,
          batchSize: s.batchSize,
          channels: s.channels,
          cellsPerStage: s.cells,
          trainImages: nullAll(s.trainImages),
          validImages: nullAll(s.validImages),
          rswsSamples: s.samples,
        },
      });
    } catch (err) {
      throw new JobSpecError(`${where}: ${(err as Error).message}`);
    }
    s.epochs = settings.epochs;
    s.batchSize = settings.batchSize;
    s.channels = settings.channels;
    s.cells = settings.cellsPerStage;
    s.trainImages = imagesOf(settings.trainImages);
    s.validImages = imagesOf(settings.validImages);
    s.samples = settings.rswsSamples;
    // The dataset's default mode is no field (the search command picks it the same way).
    if (s.groundTruth === defaultGroundTruth(s.dataset)) delete s.groundTruth;
    // `settings` stands for the fields it holds (given or not: one job).
    const own = without(
      s,
      'batchSize',
      'channels',
      'cells',
      'trainImages',
      'validImages',
      'samples',
    );
    return { id: hashOf('search', { spec: own, settings }), spec: s, after: [] };
  }
  const binding = spaceBinding(spec.space);
  const preset = binding.preset(spec.scale);
  const standalone = spec.stage === 'groundtruth';
  const data = standalone ? (preset.standaloneData ?? preset.data) : preset.data;
  const hyper = standalone ? preset.standalone : preset.supernet;
  const skeleton = standalone ? preset.standaloneSkeleton : preset.skeleton;
  checkDataFields(where, spec, data);
  if (spec.stage === 'subspace') checkReduction(where, spec, binding, presetDataset(data));
  if (spec.stage === 'groundtruth') {
    const fromSubspace = spec.factor !== undefined;
    if (fromSubspace === (spec.archSeed !== undefined)) {
      throw new JobSpecError(
        `${where}: give archSeed (a sampled list) or factor (the cells a subspace job of that factor and repeat scores), not ${fromSubspace ? 'both' : 'neither'}`,
      );
    }
    if (!fromSubspace && (spec.reduction !== undefined || spec.repeat !== undefined)) {
      throw new JobSpecError(`${where}: reduction and repeat need factor`);
    }
    if (fromSubspace) checkDrawnSize(where, spec.space, binding, spec.factor!);
  }
  if ((spec.channels !== undefined || spec.cells !== undefined) && !binding.resize) {
    throw new JobSpecError(`${where}: space ${spec.space} has no channels/cells knobs`);
  }
  const net = binding.resize
    ? binding.resize(skeleton.net, { channels: spec.channels, cells: spec.cells })
    : skeleton.net;
  const subspace = spec.stage === 'subspace';
  const calibration = (s: CalibrationFields) => ({
    calibrationBatches: s.calibrationBatches ?? hyper.calibrationBatches,
    calibrationBatchSize: s.calibrationBatchSize ?? hyper.calibrationBatchSize,
  });
  const filled: TrainingFields & CalibrationFields = {
    ...spec,
    ...(standalone ? {} : calibration(spec)),
    dataset: spec.dataset ?? presetDataset(data),
    epochs: spec.epochs ?? hyper.epochs,
    batchSize: spec.batchSize ?? hyper.batchSize,
    // The reduced-space experiments train with the preset's LR and WD (in `hyper` below).
    ...(subspace
      ? {}
      : { lr: spec.lr ?? hyper.lr, weightDecay: spec.weightDecay ?? hyper.weightDecay }),
    ...(data.kind === 'images'
      ? {
          trainImages: spec.trainImages ?? imagesOf(data.trainImages),
          validImages: spec.validImages ?? imagesOf(data.validImages),
        }
      : {}),
  };
  // The skeleton stands for channels/cells (given or not: one job), the preset's
  // hyper-parameters with the job's BN calibration for the calibration fields; the spec for the
  // rest.
  const material = (s: TrainingFields & CalibrationFields) => ({
    spec: without(s, 'channels', 'cells', 'calibrationBatches', 'calibrationBatchSize'),
    hyper: { ...hyper, ...calibration(s) },
    data: { ...data, dataset: undefined },
    net,
  });
  if (spec.stage === 'groundtruth') {
    const s = filled as GroundTruthJobSpec;
    if (s.factor !== undefined) {
      // One spelling per list: the subspace job's scored cells (fewer when its space is).
      s.reduction = 'random';
      s.repeat = s.repeat ?? 0;
      s.sample = Math.min(s.sample, reducedSize(binding.searchSpace, s.factor));
    }
    if ((s.shard === undefined) !== (s.shards === undefined)) {
      throw new JobSpecError(`${where}: give shard and shards together`);
    }
    if (s.shard !== undefined && s.shards !== undefined) {
      if (s.shard >= s.shards) {
        throw new JobSpecError(`${where}: shard must be below shards (${s.shards})`);
      }
      if (s.shards > s.sample) {
        throw new JobSpecError(
          `${where}: shards (${s.shards}) must be at most sample (${s.sample}): every part needs an architecture`,
        );
      }
      if (s.shards === 1) {
        // The whole list: the unsplit job.
        delete s.shard;
        delete s.shards;
      }
    }
    return { id: hashOf('groundtruth', material(s)), spec: s, after: [] };
  }
  if (spec.stage === 'subspace') {
    const s = filled as SubspaceJobSpec;
    return { id: hashOf('subspace', material(s)), spec: s, after: [] };
  }
  const t = filled as TrainJobSpec;
  t.sampler = t.sampler ?? 'uniform';
  if (t.fewShotEdge !== undefined && t.sampler !== 'fewshot') {
    throw new JobSpecError(`${where}: fewShotEdge needs sampler fewshot`);
  }
  const epochs = t.epochs!;
  const kept = t.checkpointEpochs ?? preset.supernet.checkpointEpochs.filter((e) => e <= epochs);
  t.checkpointEpochs = [...new Set(kept)].sort((a, b) => a - b);
  if (t.checkpointEpochs.some((e) => e > epochs)) {
    throw new JobSpecError(`${where}: checkpointEpochs must be <= epochs (${epochs})`);
  }
  return { id: hashOf('train', material(t)), spec: t, after: [] };
}

/**
 * The id of the whole-list ground-truth job a part belongs to (its own id when unsplit): the
 * `job` of its rows in the collected table, so a split list collects as the unsplit one.
 */
export function groundTruthGroup(job: ResolvedJob): string {
  if (job.spec.stage !== 'groundtruth' || job.spec.shards === undefined) return job.id;
  const whole = { ...job.spec, shard: undefined, shards: undefined };
  return resolveJob(whole, `ground truth of ${job.id}`).id;
}

/** Where a job's command writes, relative to the storage root's runs/ folder. */
export function runFolderOf(spec: JobSpec, id: string): string {
  return spec.stage === 'score' ? spec.train : id;
}

/** The flag of a spec field: the field's name in kebab case, but for these. */
const FLAG_NAMES: Record<string, string> = {
  calibrationBatches: 'calib-batches',
  calibrationBatchSize: 'calib-size',
};
const TRAINING_FLAGS =
  'space scale dataset seed epochs batchSize lr weightDecay trainImages validImages channels cells';
const CALIBRATION_FLAGS = 'calibrationBatches calibrationBatchSize';

/** `--flag value` of each of `fields` (space-separated) that `spec` gives (lists: 1,2,3). */
function flags(spec: object, fields: string): string[] {
  const s = spec as Record<string, unknown>;
  return fields.split(' ').flatMap((k) => {
    const flag = FLAG_NAMES[k] ?? k.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
    return s[k] === undefined ? [] : [`--${flag}`, String(s[k])];
  });
}

/** A score job's architecture list: lists/<sha256>.txt under the storage root. */
export function archListPath(storage: string | undefined, sha256: string): string {
  if (storage === undefined) {
    throw new JobSpecError(
      `a score job with archList ${sha256} needs the storage root it lies under`,
    );
  }
  if (!ARCH_LIST.test(sha256)) throw new JobSpecError(`archList ${sha256} is not a SHA-256`);
  return path.join(storage, 'lists', `${sha256}.txt`);
}

/** A job's truthTable (checked: relative, no '..') under the storage root. */
function truthTablePath(file: string, storage: string | undefined): string {
  if (storage === undefined) {
    throw new JobSpecError(`a job with truthTable ${file} needs the storage root it lies under`);
  }
  return path.join(storage, file);
}

/**
 * The `supernet-lab` argv of a resolved job, writing into `runDir` (a folder under the storage
 * root, made from job ids only). Every value is a checked number or a name from a fixed list.
 */
export function jobArgv(spec: JobSpec, runDir: string, storage?: string): string[] {
  const out = ['--out', runDir];
  const common = ['--progress', 'lines'];
  switch (spec.stage) {
    case 'train': {
      const own = 'sampler samplerPaths fewShotEdge checkpointEpochs';
      const given = flags(spec, `${TRAINING_FLAGS} ${own} ${CALIBRATION_FLAGS}`);
      return ['train', ...given, ...out, '--wait', ...common];
    }
    case 'score': {
      const list =
        spec.archList === undefined
          ? flags(spec, 'sample archSeed')
          : ['--archs', archListPath(storage, spec.archList)];
      return ['evaluate', '--run', runDir, ...list, ...flags(spec, 'epoch'), ...common];
    }
    case 'groundtruth': {
      const given = flags(spec, `${TRAINING_FLAGS} sample archSeed reduction factor repeat`);
      const shard = spec.shards === undefined ? [] : ['--shard', `${spec.shard}/${spec.shards}`];
      return ['groundtruth', ...given, ...shard, '--workers', '1', ...out, ...common];
    }
    case 'search': {
      const own = 'space method scale dataset seed epochs batchSize channels cells';
      const given = flags(spec, `${own} trainImages validImages samples groundTruth`);
      return ['search', ...given, ...out, ...common];
    }
    case 'subspace': {
      const truthTable = spec.truthTable && truthTablePath(spec.truthTable, storage);
      const own = 'reduction factor repeat sample truthTable truthColumn';
      const given = flags({ ...spec, truthTable }, `${TRAINING_FLAGS} ${CALIBRATION_FLAGS} ${own}`);
      return ['subspace', ...given, ...out, ...common];
    }
  }
}

/** One line naming a job for logs and status: stage, space, seed and what varies. */
export function describeJob(job: ResolvedJob): string {
  const s = job.spec;
  if (s.stage === 'score')
    return `${job.id} score ${s.train} (${s.sample} archs, epoch ${s.epoch})`;
  if (s.stage === 'search') return `${job.id} search ${s.method} ${s.dataset} seed ${s.seed}`;
  const extra =
    s.stage === 'train'
      ? ` ${s.sampler} ${s.epochs} epochs`
      : s.stage === 'subspace'
        ? ` ${s.reduction} 1/${s.factor} repeat ${s.repeat}, ${s.sample} archs`
        : ` ${s.sample} archs${s.factor === undefined ? '' : ` of subspace ${s.reduction} 1/${s.factor} repeat ${s.repeat}`}${s.shards === undefined ? '' : ` part ${(s.shard ?? 0) + 1}/${s.shards}`}`;
  return `${job.id} ${s.stage} ${s.space} ${s.dataset} ${s.scale} seed ${s.seed}${extra}`;
}
