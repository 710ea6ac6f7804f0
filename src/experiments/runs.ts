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
import { formatNb201, parseNb201 } from '../spaces/nb201/arch';
import type { Nb201Arch } from '../spaces/nb201/definition';
import { calibrationIndices, scoreArchitecture } from '../supernet/evaluate';
import type { TrainingData } from '../train/data';
import { type TrainDataset } from '../core/scale';
import { supernetPreset, type SupernetHyper } from '../supernet/nb201/presets';
import { formatDuration, type ProgressSink } from '../train/progress';
import {
  latestCheckpoint,
  listCheckpoints,
  readJson,
  readLog,
  readScores,
  scoresPath,
  writeScores,
  type EpochLogEntry,
  type ScoreRow,
} from '../runs/folder';
import { loadSupernets, trainSupernet, type SupernetRunConfig } from '../train/supernet-trainer';
import { ensureEngine, trainingData, type ExperimentContext } from './context';
import type { BaseSupernetSettings } from './scales';
import { trainSubspaceSupernet, type SubspaceSpec } from './subspace';

/** Config keys never compared when matching runs (provenance, not settings). */
const IGNORED_KEYS = new Set(['library', 'createdAt', 'engine', 'scale', 'checkpointEpochs']);
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
}

/** A run folder ready to use. */
export interface SupernetRun {
  dir: string;
  name: string;
  config: SupernetRunConfig & Record<string, unknown>;
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
 * The run folder in `runsDir` whose config matches `wanted` (see configDifferences) and that
 * has or will have the checkpoints of `epochs`; complete runs first, then the most advanced.
 */
export function findMatchingRun(
  runsDir: string,
  wanted: Record<string, unknown>,
  epochs: readonly number[],
): string | null {
  if (!fs.existsSync(runsDir)) return null;
  const candidates: { dir: string; done: number }[] = [];
  for (const name of fs.readdirSync(runsDir).sort()) {
    const dir = path.join(runsDir, name);
    const file = path.join(dir, 'config.json');
    if (!fs.existsSync(file)) continue;
    let config: Record<string, unknown>;
    try {
      config = readJson<Record<string, unknown>>(file);
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

/** The image splits a supernet run trains and scores on. */
export function runData(
  ctx: ExperimentContext,
  config: Pick<SupernetHyper, 'trainImages' | 'validImages' | 'validFraction'> & {
    dataset: TrainDataset;
  },
): Promise<TrainingData> {
  return trainingData(ctx, config.dataset, {
    trainImages: config.trainImages,
    validImages: config.validImages,
    validFraction: config.validFraction,
  });
}

/**
 * A complete supernet run for `request`: reused when a matching complete one exists, resumed
 * when a matching one is incomplete, else trained into a new folder
 * `<purpose>-<dataset>-<scale>-seed<seed>-<hash>` of the runs folder.
 */
export async function ensureSupernet(
  ctx: ExperimentContext,
  request: SupernetRequest,
): Promise<SupernetRun> {
  return supernetRun(ctx, request, true) as Promise<SupernetRun>;
}

/** The complete run folder matching `request`, or null; never trains anything. */
export async function lookupSupernet(
  ctx: ExperimentContext,
  request: SupernetRequest,
): Promise<SupernetRun | null> {
  return supernetRun(ctx, request, false);
}

async function supernetRun(
  ctx: ExperimentContext,
  request: SupernetRequest,
  train: boolean,
): Promise<SupernetRun | null> {
  const data = await runData(ctx, { ...request.hyper, dataset: request.dataset });
  const engine = await ensureEngine();
  const wanted: Omit<SupernetRunConfig, 'library' | 'createdAt'> & Record<string, unknown> = {
    ...request.hyper,
    kind: 'supernet',
    space: 'nb201',
    dataset: request.dataset,
    scale: ctx.scale,
    seed: request.seed,
    engine: engine.name,
    inputChannels: data.inputChannels,
    classes: data.classes,
    imageSize: data.imageSize,
    ...(request.subspace
      ? {
          spaceReduction: request.subspace.reduction,
          spaceFactor: request.subspace.factor,
          spaceSeed: request.subspace.seed,
          spaceTruth: request.subspace.truth ?? null,
        }
      : {}),
  };
  const needed = [...new Set([...request.hyper.checkpointEpochs, request.hyper.epochs])];
  const found = findMatchingRun(ctx.runsDir, wanted, needed);
  const dir =
    found ??
    path.join(
      ctx.runsDir,
      `${request.purpose}-${request.dataset}-${ctx.scale}-seed${request.seed}-${settingsHash(wanted)}`,
    );
  const name = path.basename(dir);
  const done = found ? (latestCheckpoint(found) ?? 0) : 0;
  if (!train && done < request.hyper.epochs) return null;
  let seconds = 0;
  if (done < request.hyper.epochs) {
    // Resume with the folder's own recorded scale/engine so the trainer accepts it.
    const existing = found
      ? readJson<Record<string, unknown>>(path.join(found, 'config.json'))
      : {};
    const config = { ...wanted, ...(found ? { scale: existing['scale'] } : {}) } as Omit<
      SupernetRunConfig,
      'library' | 'createdAt'
    >;
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
      await trainSupernet({ runDir: dir, config, data, progress });
    }
    seconds = (Date.now() - t0) / 1000;
  } else {
    ctx.log(`reusing ${name} (complete, ${done} epochs)`);
  }
  return {
    dir,
    name,
    config: readJson<SupernetRunConfig & Record<string, unknown>>(path.join(dir, 'config.json')),
    reused: done >= request.hyper.epochs,
    seconds,
    log: readLog(dir),
  };
}

function readScoreFile(file: string): Map<string, ScoreRow> {
  const out = new Map<string, ScoreRow>();
  if (!fs.existsSync(file)) return out;
  for (const r of readScores(file)) out.set(r.arch, r);
  return out;
}

/**
 * Supernet scores (validation accuracy after BN recalibration, the run's calibration settings)
 * of `archs` at checkpoint `epoch`: rows already in scores/epoch-XXXX.csv are kept, missing ones
 * are scored and merged in (the file is rewritten atomically as it grows, so a killed kernel
 * resumes). Returns the rows in the order of `archs`.
 */
export async function ensureScores(
  ctx: ExperimentContext,
  run: Pick<SupernetRun, 'dir' | 'name' | 'config'>,
  epoch: number,
  archs: readonly Nb201Arch[],
): Promise<ScoreRow[]> {
  const keys = archs.map((a) => formatNb201(a));
  const file = scoresPath(run.dir, epoch);
  const rows = readScoreFile(file);
  const missing = archs.filter((_, i) => !rows.has(keys[i]));
  if (missing.length > 0) {
    await ensureEngine();
    const data = await runData(ctx, run.config);
    const t0 = Date.now();
    // Few-shot runs hold one sub-supernet per op of the split edge; `route` picks an arch's own.
    const { nets, route, config } = loadSupernets(run.dir, epoch);
    try {
      const calibration = {
        batches: config.calibrationBatches,
        batchSize: config.calibrationBatchSize,
      };
      const seed = `${config.seed}/calibration`;
      const batches = calibrationIndices(data.train.shape[0], calibration, seed);
      let lastWrite = Date.now();
      let lastLine = Date.now();
      missing.forEach((arch, i) => {
        const r = scoreArchitecture(
          nets[route(arch)],
          arch,
          data.train,
          data.valid,
          { calibration, calibrationSeed: seed, evalBatchSize: config.evalBatchSize },
          batches,
        );
        const key = formatNb201(arch);
        rows.set(key, { arch: key, accuracy: r.accuracy, loss: r.loss });
        if (Date.now() - lastWrite > 10_000 || i === missing.length - 1) {
          writeScores(run.dir, epoch, [...rows.values()]);
          lastWrite = Date.now();
        }
        if (Date.now() - lastLine > 60_000 && i < missing.length - 1) {
          const each = (Date.now() - t0) / 1000 / (i + 1);
          ctx.log(
            `${run.name}: scored ${i + 1}/${missing.length} at epoch ${epoch}, ` +
              `ETA ${formatDuration(each * (missing.length - i - 1))}`,
          );
          lastLine = Date.now();
        }
      });
    } finally {
      for (const n of nets) n.dispose();
    }
    const s = (Date.now() - t0) / 1000;
    ctx.log(
      `${run.name}: scored ${missing.length} architectures at epoch ${epoch} in ${formatDuration(s)} ` +
        `(${(s / missing.length).toFixed(2)} s each)`,
    );
  }
  return keys.map((k) => rows.get(k)!);
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

/** Parses architecture strings (the inverse of formatNb201), naming a bad one. */
export function parseArchs(list: readonly string[]): Nb201Arch[] {
  return list.map((a) => parseNb201(a));
}
