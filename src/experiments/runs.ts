/**
 * Run folders for the study notebooks: find a run in the runs folder whose configuration matches
 * (whoever made it: a notebook, `npm run figures`, `supernet-lab train`), resume it when it is
 * incomplete, train it when there is none; score architectures on its checkpoints when their
 * scores are missing. Everything goes through the run-folder format of src/train, so the
 * analysis and report code read these runs like any other.
 */
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as aq from 'arquero';
import type { ColumnTable } from 'arquero';
import { withSources, displayPath } from '../analysis/provenance';
import { loadNb201GroundTruth } from '../groundtruth/nb201';
import { formatNb201 } from '../spaces/nb201/arch';
import type { Nb201Arch } from '../spaces/nb201/definition';
import type { TrainingData } from '../train/data';
import { type TrainDataset } from '../core/scale';
import { supernetPreset, type SupernetHyper } from '../supernet/nb201/presets';
import type { Nb201Net } from '../supernet/nb201/binding';
import type { ImageDataSettings } from '../supernet/binding';
import { formatDuration, type ProgressSink } from '../train/progress';
import {
  latestCheckpoint,
  listCheckpoints,
  readJson,
  readLog,
  scoresPath,
  type EpochLogEntry,
  type ScoreRow,
} from '../runs/folder';
import {
  defaultSeeds,
  normalizeRunConfig,
  readRunConfig,
  type RunConfig,
  type RunConfigInput,
} from '../runs/config';
import { imageRunData, trainRun } from '../train/pipeline';
import { scoreRun } from '../evaluate/score-run';
import { ensureEngine, trainingData, type ExperimentContext } from './context';
import type { BaseSupernetSettings } from './scales';
import { trainSubspaceSupernet, type SubspaceSpec } from './subspace';
import { runDir } from '../sweep/storage';
import { runOnQueue, scoreJob, scoresMissing, trainOnQueue } from './queue';

const IGNORED_KEYS = new Set([
  'library',
  'createdAt',
  'engine',
  'scale',
  'checkpointEpochs',
  'schema',
]);
/** Keys of reduced-space runs: a run without them is a run on the whole space. */
const SPACE_KEYS = ['spaceReduction', 'spaceFactor', 'spaceSeed', 'spaceTruth'];

/** A supernet run the experiments want: everything that defines it. */
export interface SupernetRequest {
  /** Short label for the folder name, e.g. 'base', 'lrwd', 'downscaled-f8'. */
  purpose: string;
  dataset: TrainDataset;
  seed: number;
  hyper: SupernetHyper & Record<string, unknown>;
  /** Train on a reduced space (uniform sampling inside it) instead of all of NB-201. */
  subspace?: SubspaceSpec;
  /**
   * A reduced-space run of notebooks 03 / 06 (reduced-spaces.ts reducedRun): its repeat and the
   * cells scored on it, which with the rest make it the sweep's `subspace` job (queue.ts).
   */
  subspaceRun?: { repeat: number; sample: number };
  /** This run folder (resumed or reused when it holds the run) instead of ctx.runsDir's. */
  dir?: string;
}

/** A run folder ready to use. */
export interface SupernetRun {
  dir: string;
  name: string;
  /** The folder's config (schema 2) with the experiment's extra settings. */
  config: RunConfig & Record<string, unknown>;
  /** True when a matching complete run was found and nothing was trained. */
  reused: boolean;
  /** Seconds of training this call did. */
  seconds: number;
  log: EpochLogEntry[];
}

/** The SPOS hyper-parameters of the scale's preset with the experiment's base settings. */
export function baseHyper(
  ctx: Pick<ExperimentContext, 'scale'>,
  base: BaseSupernetSettings,
  overrides: Partial<SupernetHyper> & Record<string, unknown> = {},
): SupernetHyper & Record<string, unknown> {
  return {
    ...supernetPreset(ctx.scale),
    ...base,
    checkpointEpochs: [...base.checkpointEpochs],
    ...overrides,
  };
}

/** The settings part of a config, canonical (sorted keys), for matching and naming. */
function settingsOf(config: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(config).sort()) {
    if (!IGNORED_KEYS.has(k) && config[k] !== undefined) out[k] = config[k];
  }
  return out;
}

/** Short stable hash of the settings (part of new run folder names). */
export function settingsHash(config: Record<string, unknown>): string {
  return crypto
    .createHash('sha256')
    .update(JSON.stringify(settingsOf(config)))
    .digest('hex')
    .slice(0, 8);
}

/**
 * Keys on which `existing` (a run folder's config) differs from `wanted`: every settings key of
 * `wanted`, plus the reduced-space keys either side has. Keys only an existing config has (say,
 * a field a newer trainer records) are not compared.
 */
export function configDifferences(
  existing: Record<string, unknown>,
  wanted: Record<string, unknown>,
): string[] {
  const keys = new Set([...Object.keys(settingsOf(wanted)), ...SPACE_KEYS]);
  return [...keys].filter((k) => JSON.stringify(existing[k]) !== JSON.stringify(wanted[k]));
}

/** configDifferences of the run folder `dir`'s config against `wanted`. */
function folderDifferences(dir: string, wanted: RunConfigInput): string[] {
  const r = (c: unknown) => c as Record<string, unknown>;
  return configDifferences(r(readRunConfig(dir)), r(wanted));
}

/** Whether a run folder can serve: same settings, and it keeps (or will keep) `epochs`. */
function usable(dir: string, config: Record<string, unknown>, epochs: readonly number[]): boolean {
  const done = latestCheckpoint(dir);
  const total = Number(config['epochs']);
  const have = new Set(listCheckpoints(dir));
  const scored = (e: number) => fs.existsSync(scoresPath(dir, e));
  const planned = new Set([...((config['checkpointEpochs'] as number[] | undefined) ?? []), total]);
  return epochs.every(
    (e) =>
      // Kept (or scored) already, or still to come from a run that will keep it.
      have.has(e) || scored(e) || (planned.has(e) && (done === null || e > done)),
  );
}

/**
 * The run folder in `runsDir` (a folder of run folders, or several) whose config matches
 * `wanted` (see configDifferences) and that has or will have the checkpoints of `epochs`;
 * complete runs first, then the most advanced.
 */
export function findMatchingRun(
  runsDir: string | readonly string[],
  wanted: Record<string, unknown>,
  epochs: readonly number[],
): string | null {
  const roots = (typeof runsDir === 'string' ? [runsDir] : runsDir).filter((d) => fs.existsSync(d));
  const candidates: { dir: string; done: number }[] = [];
  const dirs = roots.flatMap((r) =>
    fs
      .readdirSync(r)
      .sort()
      .map((name) => path.join(r, name)),
  );
  for (const dir of dirs) {
    const file = path.join(dir, 'config.json');
    if (!fs.existsSync(file)) continue;
    let config: Record<string, unknown>;
    try {
      // Folders of any schema compare in schema 2 (older NB-201 folders are reused).
      config = normalizeRunConfig(
        readJson<Record<string, unknown>>(file),
        file,
      ) as unknown as Record<string, unknown>;
    } catch {
      continue;
    }
    if (configDifferences(config, wanted).length > 0) continue;
    if (!usable(dir, config, epochs)) continue;
    candidates.push({ dir, done: latestCheckpoint(dir) ?? 0 });
  }
  candidates.sort((a, b) => b.done - a.done);
  return candidates[0]?.dir ?? null;
}

/** Progress for notebooks: one line per epoch / stage, no redrawn bar. */
export function lineProgress(log: (line: string) => void): ProgressSink {
  return { update: () => undefined, line: (text) => log(text), done: () => undefined };
}

/** The NB-201 skeleton and image data settings of an NB-201 run config. */
export function nb201Settings(
  config: Pick<RunConfig, 'skeleton' | 'data'>,
): Nb201Net & ImageDataSettings {
  if (config.data.kind !== 'images') throw new Error('an NB-201 run trains on images');
  return { ...(config.skeleton.net as Nb201Net), ...config.data };
}

/** The image splits a supernet run trains and scores on. */
export function runData(
  ctx: ExperimentContext,
  config: Pick<RunConfig, 'skeleton' | 'data'>,
): Promise<TrainingData> {
  const d = nb201Settings(config);
  return trainingData(ctx, d.dataset, {
    trainImages: d.trainImages,
    validImages: d.validImages,
    validFraction: d.validFraction,
  });
}

/** The schema-2 config of an experiment's NB-201 supernet request. */
function requestConfig(
  ctx: ExperimentContext,
  request: SupernetRequest,
  engine: string,
): RunConfigInput {
  const { channels, cellsPerStage, trainImages, validImages, validFraction, ...hyper } =
    request.hyper;
  return {
    ...hyper,
    kind: 'supernet',
    space: 'nb201',
    dataset: request.dataset,
    scale: ctx.scale,
    skeleton: { space: 'nb201', net: { channels, cellsPerStage } },
    data: { kind: 'images', dataset: request.dataset, trainImages, validImages, validFraction },
    seed: request.seed,
    seeds: defaultSeeds(request.seed),
    engine,
    ...(request.subspace
      ? {
          spaceReduction: request.subspace.reduction,
          spaceFactor: request.subspace.factor,
          spaceSeed: request.subspace.seed,
          spaceTruth: request.subspace.truth ?? null,
        }
      : {}),
  };
}

/**
 * A complete supernet run for `request`: reused when a matching complete one exists, resumed
 * when a matching one is incomplete, else trained into a new folder
 * `<purpose>-<dataset>-<scale>-seed<seed>-<hash>` of the runs folder. With a queue
 * (ExperimentContext.queue, SUPERNET_LAB_QUEUE) the queue's workers train a missing run instead
 * and it is read from their storage root (see trainQueued).
 */
export async function ensureSupernet(
  ctx: ExperimentContext,
  request: SupernetRequest,
): Promise<SupernetRun> {
  return (await supernetRun(ctx, request, true))!;
}

/** The complete run folder matching `request`, or null; never trains anything. */
export async function lookupSupernet(
  ctx: ExperimentContext,
  request: SupernetRequest,
): Promise<SupernetRun | null> {
  return supernetRun(ctx, request, false);
}

/** The checkpoints a run of `request` keeps: its checkpoint epochs and its last. */
const neededEpochs = (r: SupernetRequest) => [
  ...new Set([...r.hyper.checkpointEpochs, r.hyper.epochs]),
];

/** Where an experiment looks for run folders: its runs folder, and the queue's storage root. */
function runFolders(ctx: ExperimentContext): string[] {
  return ctx.queue ? [ctx.runsDir, path.join(ctx.queue.storage, 'runs')] : [ctx.runsDir];
}

function completeRunIn(
  ctx: ExperimentContext,
  wanted: RunConfigInput,
  needed: readonly number[],
  epochs: number,
): string | null {
  const found = findMatchingRun(runFolders(ctx), wanted, needed);
  return found && (latestCheckpoint(found) ?? 0) >= epochs ? found : null;
}

/**
 * The complete run folder (all epochs trained) matching `request` in the runs folder or the
 * queue's storage root, or null: a run an experiment is not missing, so nothing is submitted.
 */
export async function completeSupernetRun(
  ctx: ExperimentContext,
  request: SupernetRequest,
): Promise<string | null> {
  const engine = await ensureEngine();
  const wanted = requestConfig(ctx, request, engine.name);
  const needed = neededEpochs(request);
  return completeRunIn(ctx, wanted, needed, request.hyper.epochs);
}

/**
 * With a queue: unless a complete matching run exists, the queue's workers train `request`
 * (when a sweep job reproduces it: a train job, or a reduced space's subspace job, see
 * src/experiments/queue.ts) and this waits for them. The run
 * folder they write must match the request, or the experiment stops (never reads another run).
 */
async function trainQueued(
  ctx: ExperimentContext,
  request: SupernetRequest,
  wanted: RunConfigInput,
  needed: readonly number[],
): Promise<void> {
  const epochs = request.hyper.epochs;
  if (completeRunIn(ctx, wanted, needed, epochs)) return;
  const job = await trainOnQueue(ctx, request);
  if (!job) return;
  const dir = runDir(ctx.queue!.storage, job.id);
  const differ = fs.existsSync(path.join(dir, 'config.json'))
    ? folderDifferences(dir, wanted)
    : ['config.json'];
  const done = latestCheckpoint(dir) ?? 0;
  if (differ.length > 0 || done < epochs) {
    throw new Error(
      `queued job ${job.id} finished, but its run folder ${dir} is not the run the experiment asked for ` +
        `(${differ.length > 0 ? `it differs on ${differ.join(', ')}` : `${done} of ${epochs} epochs`}): ` +
        `unset SUPERNET_LAB_QUEUE to train it here, and report the mismatch (src/experiments/queue.ts)`,
    );
  }
}

async function supernetRun(
  ctx: ExperimentContext,
  request: SupernetRequest,
  train: boolean,
): Promise<SupernetRun | null> {
  const engine = await ensureEngine();
  const wanted = requestConfig(ctx, request, engine.name);
  const data = await runData(ctx, wanted);
  const needed = neededEpochs(request);
  if (train && ctx.queue) await trainQueued(ctx, request, wanted, needed);
  const found = request.dir
    ? fs.existsSync(path.join(request.dir, 'config.json'))
      ? request.dir
      : null
    : findMatchingRun(runFolders(ctx), wanted, needed);
  const dir =
    found ??
    request.dir ??
    path.join(
      ctx.runsDir,
      `${request.purpose}-${request.dataset}-${ctx.scale}-seed${request.seed}-${settingsHash(wanted)}`,
    );
  const name = path.basename(dir);
  if (request.dir && found) {
    const differs = folderDifferences(found, wanted);
    if (differs.length > 0) {
      throw new Error(`${found} holds another run (its config differs in ${differs.join(', ')})`);
    }
  }
  const done = found ? (latestCheckpoint(found) ?? 0) : 0;
  if (!train && done < request.hyper.epochs) return null;
  let seconds = 0;
  if (done < request.hyper.epochs) {
    // Resume with the folder's own recorded scale so the resume check accepts it.
    const config = { ...wanted, ...(found ? { scale: readRunConfig(found).scale } : {}) };
    ctx.log(
      `${found ? `resuming ${name} after epoch ${done}` : `training ${name}`}: ${request.hyper.epochs} epochs, ` +
        `C=${request.hyper.channels} N=${request.hyper.cellsPerStage}, ${data.train.shape[0]} training images, engine ${engine.name}` +
        (request.subspace
          ? `, ${request.subspace.reduction} space 1/${request.subspace.factor}`
          : ''),
    );
    const t0 = Date.now();
    const progress = lineProgress(ctx.log);
    if (request.subspace) {
      await trainSubspaceSupernet({
        runDir: dir,
        config,
        subspace: request.subspace,
        truth: request.subspace.reduction === 'pruned' ? loadNb201GroundTruth() : undefined,
        data,
        progress,
      });
    } else {
      await trainRun({ runDir: dir, config, data: imageRunData(data), progress });
    }
    seconds = (Date.now() - t0) / 1000;
  } else {
    ctx.log(`reusing ${name} (complete, ${done} epochs)`);
  }
  return {
    dir,
    name,
    config: readRunConfig(dir) as RunConfig & Record<string, unknown>,
    reused: done >= request.hyper.epochs,
    seconds,
    log: readLog(dir),
  };
}

/**
 * Supernet scores (validation accuracy after BN recalibration, the run's calibration settings)
 * of `archs` at checkpoint `epoch`, through the one scorer: rows already scored are kept,
 * missing ones are scored and merged in (a killed kernel resumes). Returns the rows in the
 * order of `archs`. With a queue, missing rows of a run the queue trained are its score job's
 * (src/experiments/queue.ts scoreJob), which this waits for.
 */
export async function ensureScores(
  ctx: ExperimentContext,
  run: Pick<SupernetRun, 'dir' | 'name' | 'config'>,
  epoch: number,
  archs: readonly Nb201Arch[],
): Promise<ScoreRow[]> {
  if (ctx.queue) {
    const texts = archs.map((a) => formatNb201(a));
    if (scoresMissing(run.dir, epoch, texts)) {
      await runOnQueue(
        ctx,
        scoreJob(ctx, run.dir, epoch, texts),
        `${run.name}: ${texts.length} architectures at epoch ${epoch} are scored`,
      );
    }
  }
  await ensureEngine();
  const data = imageRunData(await runData(ctx, run.config));
  const t0 = Date.now();
  const r = scoreRun({
    runDir: run.dir,
    epoch,
    archs: archs.map((a) => formatNb201(a)),
    data,
    progress: lineProgress(ctx.log),
  });
  if (r.scored > 0) {
    const s = (Date.now() - t0) / 1000;
    ctx.log(
      `${run.name}: scored ${r.scored} architectures at epoch ${epoch} in ${formatDuration(s)} ` +
        `(${(s / r.scored).toFixed(2)} s each)`,
    );
  }
  return r.rows;
}

/** Score rows as an arquero table (arch, accuracy, loss) that names the run and epoch. */
export function scoreTable(
  run: Pick<SupernetRun, 'dir' | 'name'>,
  epoch: number,
  rows: readonly ScoreRow[],
): ColumnTable {
  return withSources(
    aq.table({
      arch: rows.map((r) => r.arch),
      accuracy: rows.map((r) => r.accuracy),
      loss: rows.map((r) => r.loss),
    }),
    [
      {
        kind: 'run',
        path: displayPath(run.dir),
        version: run.name,
        detail: `scores/epoch-${String(epoch).padStart(4, '0')}.csv`,
      },
    ],
  );
}
