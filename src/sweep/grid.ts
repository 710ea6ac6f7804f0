/**
 * Grid files: a sweep written as lists whose cross product is the jobs. YAML or JSON, e.g.
 *
 *   name: smoke-two-spaces
 *   scale: smoke                    # scale, spaces, datasets, seeds: a value or a list
 *   spaces: [nb201, nb101]
 *   seeds: [0, 1]
 *   train:                          # one supernet per space x dataset x seed x list values
 *     epochs: [2]                   # any train field (see spec.ts) as a value or a list
 *     variants: [{}, {sampler: fairnas}]   # optional: each entry overrides the base once
 *   score: {sample: 8, archSeed: 1} # scores each train job's checkpoints
 *   groundtruth: {sample: 8, archSeed: 1, seeds: [0]}   # per space x dataset (not per seed)
 *   # shards: K splits each list into K jobs (contiguous parts) that workers share
 *   subspace: {reduction: random, factor: [1, 8], repeats: 3, sample: 100}   # per space x
 *                                   # dataset x seed x factor x repeat (0..repeats-1)
 *     # groundtruth: {shards: K} inside it (random only): stand-alone ground truth of each
 *     # subspace job's scored cells (spaces without a benchmark table), K jobs per list
 *     # truthTable: tables/nb101-truth.csv, truthColumn: NAME   # pruned, no benchmark table
 *   search: {method: [darts-1, gaea-bilevel], spaces: [nb201]}   # per method x dataset x seed
 *   jobs: [{stage: train, space: darts, scale: paper, seed: 0}]   # extra jobs, as they are
 *   parts:                          # optional: sub-grids, each the top level with its keys
 *     - {spaces: [nb201], score: {sample: 1000, archSeed: 1}}     # replaced (per-space sizes)
 *
 * Text spaces (darts-ptb) ignore `datasets` and train on ptb. The same job reached twice (say,
 * ground truth shared by two grids' entries) is one job: ids come from resolved configs.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseDocument } from 'yaml';
import { BadInputError } from '../errors';
import { SPACE_NAMES, spaceBinding } from '../supernet/registry';
import { describeJob, resolveJob, type JobSpec, type ResolvedJob } from './spec';
import { checkSweepName, type SweepPlan } from './storage';

const TOP_KEYS = [
  'name',
  'scale',
  'scales',
  'spaces',
  'datasets',
  'seeds',
  'train',
  'score',
  'groundtruth',
  'search',
  'subspace',
  'jobs',
  'parts',
] as const;

type Dict = Record<string, unknown>;

function isDict(v: unknown): v is Dict {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/**
 * YAML text as a value. A warning (an unknown tag, an ambiguous anchor, several documents)
 * refuses the file like an error: it means the grid is not what its author wrote.
 */
function parseYamlStrict(text: string): unknown {
  // logLevel 'error': nothing goes to process warnings (stderr) while turning it into values.
  const doc = parseDocument(text, { logLevel: 'error' });
  const problem = doc.errors[0] ?? doc.warnings[0];
  if (problem) throw problem;
  return doc.toJS({ maxAliasCount: 100 });
}

/** Reads a grid file (.yaml, .yml or .json): a clear one-line error naming the file otherwise. */
export function readGridFile(file: string): Dict {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw new BadInputError(`cannot read grid ${file}: ${(err as Error).message}`);
  }
  let value: unknown;
  const json = /\.json$/i.test(file);
  try {
    value = json ? JSON.parse(text) : parseYamlStrict(text);
  } catch (err) {
    // One line: YAML's message without its code frame, JSON's quoted text with newlines folded.
    const message = (err as Error).message;
    const why = json ? message.replace(/\s+/g, ' ') : message.split('\n')[0].replace(/:$/, '');
    throw new BadInputError(`grid ${file} is not valid ${json ? 'JSON' : 'YAML'}: ${why}`);
  }
  if (!isDict(value)) throw new BadInputError(`grid ${file} must be a mapping of settings`);
  try {
    JSON.stringify(value); // the plan stores the grid as JSON
  } catch {
    throw new BadInputError(
      `grid ${file}: a YAML alias (*name) refers to a list or mapping that holds it; write the values out`,
    );
  }
  return value;
}

/** A grid value in a label: as written, whatever its type (an object's toString may be gone). */
const shown = (v: unknown): string => (typeof v === 'string' ? v : JSON.stringify(v));

const listOf = (v: unknown): unknown[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);

/** Every combination of the list-valued fields of `fields` (scalars stay as they are). */
function product(fields: Dict): Dict[] {
  let out: Dict[] = [{}];
  for (const [k, v] of Object.entries(fields)) {
    const values = Array.isArray(v) && k !== 'checkpointEpochs' ? v : [v];
    if (values.length === 0) return [];
    out = out.flatMap((o) => values.map((x) => ({ ...o, [k]: x })));
  }
  return out;
}

function section(grid: Dict, key: string, where: string): Dict | undefined {
  const v = grid[key];
  if (v === undefined || v === null) return undefined;
  if (!isDict(v)) throw new BadInputError(`${where}: ${key} must be a mapping of fields`);
  return v;
}

function without(d: Dict, ...keys: string[]): Dict {
  const out = { ...d };
  for (const k of keys) delete out[k];
  return out;
}

/**
 * Expands a grid into resolved jobs (duplicates merged, dependencies first). `where` names the
 * grid in errors. Score jobs follow the train jobs of the grid.
 */
export function expandGrid(grid: Dict, where: string): ResolvedJob[] {
  for (const k of Object.keys(grid)) {
    if (!(TOP_KEYS as readonly string[]).includes(k)) {
      throw new BadInputError(
        `${where}: unknown key ${JSON.stringify(k)} (known: ${TOP_KEYS.join(', ')})`,
      );
    }
  }
  if (grid.scale !== undefined && grid.scales !== undefined) {
    throw new BadInputError(`${where}: give scale or scales, not both`);
  }
  if (grid.parts !== undefined) {
    const parts = listOf(grid.parts);
    const merged = new Map<string, ResolvedJob>();
    for (const [i, part] of parts.entries()) {
      if (!isDict(part) || 'parts' in part || 'name' in part) {
        throw new BadInputError(
          `${where}: parts[${i}] must be a mapping of grid keys (no name, no parts)`,
        );
      }
      for (const j of expandGrid(
        { ...without(grid, 'parts', 'name'), ...part },
        `${where}: parts[${i}]`,
      )) {
        if (!merged.has(j.id)) merged.set(j.id, j);
      }
    }
    return orderJobs([...merged.values()], where);
  }
  const scales = listOf(grid.scales ?? grid.scale);
  const spaces = listOf(grid.spaces);
  const seeds = listOf(grid.seeds ?? 0);
  const datasets = listOf(grid.datasets);
  const jobs = new Map<string, ResolvedJob>();
  const add = (spec: Dict, label: string): ResolvedJob => {
    const job = resolveJob(spec as unknown as JobSpec, `${where}: ${label}`);
    if (!jobs.has(job.id)) jobs.set(job.id, job);
    return jobs.get(job.id)!;
  };
  /** space x dataset pairs (text spaces: their own dataset). */
  const spaceData = (list: unknown[]): [unknown, unknown][] =>
    list.flatMap((space) => {
      if (typeof space === 'string' && !SPACE_NAMES.includes(space)) {
        throw new BadInputError(
          `${where}: unknown space ${JSON.stringify(space)} (known: ${SPACE_NAMES.join(', ')})`,
        );
      }
      const text = typeof space === 'string' && spaceBinding(space).input === 'text';
      const ds = text || datasets.length === 0 ? [undefined] : datasets;
      return ds.map((d) => [space, d] as [unknown, unknown]);
    });
  const needAxes = (key: string) => {
    if (spaces.length === 0 || scales.length === 0) {
      throw new BadInputError(`${where}: ${key} needs spaces and scale`);
    }
  };
  /** scale x (space, dataset) x seed, in that order. */
  const axes = (seedList: unknown[]) =>
    scales.flatMap((scale) =>
      spaceData(spaces).flatMap(([space, dataset]) =>
        seedList.map((seed) => ({ space, scale, seed, dataset })),
      ),
    );
  /** A ground-truth job, or with shards K > 1 its K parts (shard 0..K-1). */
  const addGroundTruth = (spec: Dict, label: string) => {
    const shards = spec.shards;
    const parts = typeof shards === 'number' && shards > 1 ? shards : 1;
    for (let shard = 0; shard < parts; shard++) {
      add(shards === undefined ? spec : { ...spec, shard }, label);
    }
  };

  const train = section(grid, 'train', where);
  const score = section(grid, 'score', where);
  if (score && !train) throw new BadInputError(`${where}: score needs a train section`);
  if (train) {
    needAxes('train');
    const variants = listOf(train.variants ?? [{}]);
    for (const [i, v] of variants.entries()) {
      if (!isDict(v)) throw new BadInputError(`${where}: train.variants[${i}] must be a mapping`);
    }
    for (const axis of axes(seeds)) {
      for (const variant of variants as Dict[]) {
        for (const fields of product({ ...without(train, 'variants'), ...variant })) {
          const label = `train ${shown(axis.space)} seed ${shown(axis.seed)}`;
          const t = add({ stage: 'train', ...axis, ...fields }, label);
          for (const sc of score ? product(score) : []) {
            add({ stage: 'score', train: t.id, ...sc }, `score of ${t.id}`);
          }
        }
      }
    }
  }
  const gt = section(grid, 'groundtruth', where);
  if (gt) {
    needAxes('groundtruth');
    for (const axis of axes(listOf(gt.seeds ?? 0))) {
      for (const fields of product(without(gt, 'seeds'))) {
        addGroundTruth(
          { stage: 'groundtruth', ...axis, ...fields },
          `groundtruth ${shown(axis.space)}`,
        );
      }
    }
  }
  const search = section(grid, 'search', where);
  if (search) {
    if (scales.length === 0) throw new BadInputError(`${where}: search needs scale`);
    const searchSpaces = listOf(search.spaces ?? spaces);
    const searchData = listOf(search.datasets ?? (datasets.length ? datasets : [undefined]));
    for (const scale of scales) {
      for (const space of searchSpaces) {
        for (const dataset of searchData) {
          for (const seed of listOf(search.seeds ?? seeds)) {
            for (const fields of product(without(search, 'spaces', 'datasets', 'seeds'))) {
              add(
                { stage: 'search', space, scale, seed, dataset, ...fields },
                `search ${shown(space)}`,
              );
            }
          }
        }
      }
    }
  }
  const sub = section(grid, 'subspace', where);
  if (sub) {
    needAxes('subspace');
    const repeats = sub.repeats ?? 1;
    if (!(Number.isInteger(repeats) && (repeats as number) >= 1 && (repeats as number) <= 1000)) {
      throw new BadInputError(`${where}: subspace.repeats must be an integer in [1, 1000]`);
    }
    if (sub.repeat !== undefined && sub.repeats !== undefined) {
      throw new BadInputError(`${where}: give subspace.repeat or subspace.repeats, not both`);
    }
    const repeat = sub.repeat ?? Array.from({ length: repeats as number }, (_, r) => r);
    const subGt = section(sub, 'groundtruth', `${where}: subspace`);
    if (subGt) {
      if (listOf(sub.reduction).some((r) => r !== 'random')) {
        throw new BadInputError(
          `${where}: subspace.groundtruth trains the scored cells of random reductions; a pruned space's ground truth is its table`,
        );
      }
      for (const k of Object.keys(subGt)) {
        if (k !== 'shards' && k !== 'seed') {
          throw new BadInputError(
            `${where}: subspace.groundtruth takes shards and seed, not ${JSON.stringify(k)}`,
          );
        }
      }
    }
    for (const axis of axes(seeds)) {
      for (const fields of product({ ...without(sub, 'repeats', 'groundtruth'), repeat })) {
        add({ stage: 'subspace', ...axis, ...fields }, `subspace ${shown(axis.space)}`);
        if (!subGt) continue;
        // The cells this job scores, trained stand-alone (per space x dataset, like
        // groundtruth: the same list reached from two seeds is one job).
        const { sample, reduction, factor, repeat: r } = fields;
        addGroundTruth(
          {
            stage: 'groundtruth',
            ...axis,
            seed: subGt.seed ?? 0,
            sample,
            reduction,
            factor,
            repeat: r,
            ...(subGt.shards === undefined ? {} : { shards: subGt.shards }),
          },
          `groundtruth of subspace ${shown(axis.space)} 1/${shown(factor)} repeat ${shown(r)}`,
        );
      }
    }
  }
  for (const [i, spec] of listOf(grid.jobs).entries()) add(spec as Dict, `jobs[${i}]`);
  return orderJobs([...jobs.values()], where);
}

/** Jobs with every dependency before its dependents; an unknown dependency is an error. */
function orderJobs(jobs: ResolvedJob[], where: string): ResolvedJob[] {
  const byId = new Map(jobs.map((j) => [j.id, j]));
  const scoredRuns = new Map<string, string>();
  for (const j of jobs) {
    for (const dep of j.after) {
      if (!byId.has(dep)) {
        throw new BadInputError(`${where}: ${describeJob(j)} needs ${dep}, which the grid lacks`);
      }
    }
    if (j.spec.stage === 'score') {
      // Score jobs write their train run's scores/: one per run, so none overwrites another.
      const other = scoredRuns.get(j.spec.train);
      if (other) {
        throw new BadInputError(
          `${where}: ${j.id} and ${other} both score ${j.spec.train}; give one score setting per train job`,
        );
      }
      scoredRuns.set(j.spec.train, j.id);
    }
  }
  const rank = (j: ResolvedJob): number => (j.after.length === 0 ? 0 : 1);
  return jobs
    .map((j, i) => ({ j, i }))
    .sort((a, b) => rank(a.j) - rank(b.j) || a.i - b.i)
    .map((x) => x.j);
}

/** The plan of a grid file: its name (the grid's `name`, else the file's base name) and jobs. */
export function planGrid(file: string): SweepPlan {
  const grid = readGridFile(file);
  const where = path.basename(file);
  if (grid.name !== undefined && typeof grid.name !== 'string') {
    throw new BadInputError(`${where}: name must be text, got ${JSON.stringify(grid.name)}`);
  }
  let name: string;
  try {
    name = checkSweepName(grid.name ?? path.basename(file).replace(/\.(ya?ml|json)$/i, ''));
  } catch (err) {
    throw new BadInputError(`${where}: ${(err as Error).message}`);
  }
  return { schema: 1, name, grid, jobs: expandGrid(grid, where) };
}
