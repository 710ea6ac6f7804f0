/**
 * The one ground-truth runner, for every space: stand-alone training of listed architectures,
 * each from scratch with its own seeded weights and data order (src/runs/config.ts `seeds`),
 * recording validation accuracy (the split the supernet is scored on), test accuracy (where the
 * run has a test split), validation loss, parameters, FLOPs, epochs and wall time.
 *
 * Resumable and parallel: each architecture's result is a file under results/; an architecture
 * is claimed by creating claims/<arch> (mkdir is atomic), so several processes working on the
 * same run folder share the list without overlap, a killed run skips what is done, and a claim
 * whose owner process is gone is taken over. groundtruth.csv and standalone-loss.csv (loss and
 * perplexity) are rewritten (atomically) from the result files after each architecture, in the
 * order of the list.
 */
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Rng } from '../engine/random';
import { pidAlive, withTableLock } from '../runs/lock';
import { BadInputError } from '../errors';
import { fillSeed, prepareRunFolder, type RunConfig, type RunConfigInput } from '../runs/config';
import {
  groundTruthPath,
  readJson,
  toCsv,
  writeGroundTruth,
  writeJsonAtomic,
  writeTableAtomic,
  type GroundTruthRow,
} from '../runs/folder';
import type { SpaceRunSpec, SpaceSetup } from '../supernet/binding';
import { fit } from '../train/fit';
import { createProgress, formatDuration, type ProgressSink } from '../train/progress';
import { runSetup, validateHyper, type RunData } from '../train/pipeline';
import { standaloneStrategy } from '../train/strategies';
import { evaluate, scoreArch } from './score';
import { canonicalArchs } from './score-run';

/** Per-architecture validation loss and perplexity = exp(loss) of a ground-truth run. */
export const STANDALONE_LOSS_FILE = 'standalone-loss.csv';

export interface StandaloneResult {
  valAccuracy: number;
  /** NaN when the run has no test split. */
  testAccuracy: number;
  valLoss: number;
  params: number;
  flops: number;
  epochs: number;
  seconds: number;
  /** Training loss and accuracy (percent) of the last epoch. */
  trainLoss: number;
  trainAccuracy: number;
}

/** The groundtruth.csv row of a stand-alone result. */
export function groundTruthRow(arch: string, r: StandaloneResult): GroundTruthRow {
  return {
    arch,
    val_accuracy: r.valAccuracy,
    test_accuracy: r.testAccuracy,
    params: r.params,
    flops: r.flops,
    epochs: r.epochs,
    seconds: r.seconds,
  };
}

/** A short stable id of an architecture: the space's own, else a hash of its string. */
export function archId<A>(spec: SpaceRunSpec<A>, arch: A): string {
  return (
    spec.archId?.(arch) ??
    crypto.createHash('sha256').update(spec.format(arch)).digest('hex').slice(0, 12)
  );
}

/**
 * Trains one architecture stand-alone from scratch through the one loop, then evaluates it on
 * the validation split (and the test split when the run has one) with its running statistics
 * (or recalibrated ones when the run asks for calibration batches).
 */
export function trainStandalone(
  config: RunConfig,
  setup: SpaceSetup,
  data: RunData,
  arch: unknown,
  progress?: ProgressSink,
): StandaloneResult {
  const started = Date.now();
  const { spec } = setup;
  const id = archId(spec, arch);
  const init = config.seeds.standaloneInit;
  const seed = typeof init === 'number' ? init : new Rng(fillSeed(init, { arch: id })).uint32();
  const net = spec.standalone ? spec.standalone(arch, seed) : spec.build(seed);
  const source = data.source({ augment: config.augment });
  try {
    const r = fit({
      strategy: standaloneStrategy(net, arch),
      source,
      hyper: { ...config, nesterov: config.nesterov ?? false },
      seeds: {
        data: fillSeed(config.seeds.standaloneData, { arch: id }),
        sampler: () => `standalone/${id}`,
      },
      describe: spec.format,
      what: `stand-alone training of ${spec.format(arch)}`,
      progress,
    });
    const calibration = {
      batches: config.calibrationBatches,
      batchSize: config.calibrationBatchSize,
      seed: config.seeds.calibration,
    };
    const val = scoreArch(net, arch, source, calibration, config.evalBatchSize);
    const hasTest = config.data.kind === 'images' && config.data.testImages !== undefined;
    const test =
      hasTest && source.test ? evaluate(net, arch, source.test(config.evalBatchSize)) : null;
    return {
      valAccuracy: val.accuracy,
      testAccuracy: test ? test.accuracy : NaN,
      valLoss: val.loss,
      params: spec.params(arch),
      flops: spec.flops(arch),
      epochs: config.epochs,
      seconds: (Date.now() - started) / 1000,
      trainLoss: r.loss,
      trainAccuracy: r.accuracy,
    };
  } finally {
    net.dispose();
  }
}

interface ClaimOwner {
  pid: number;
  host: string;
  startedAt: string;
}

/** Claims an architecture for this process; false when another live process holds it. */
function claim(dir: string): boolean {
  const owner: ClaimOwner = {
    pid: process.pid,
    host: os.hostname(),
    startedAt: new Date().toISOString(),
  };
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      fs.mkdirSync(dir);
      writeJsonAtomic(path.join(dir, 'owner.json'), owner);
      return true;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      let current: ClaimOwner | null = null;
      try {
        current = readJson<ClaimOwner>(path.join(dir, 'owner.json'));
      } catch {
        // Claimed a moment ago, owner file not written yet: treat as live.
        return false;
      }
      const stale = current.host === os.hostname() && !pidAlive(current.pid);
      if (!stale) return false;
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }
  return false;
}

/** Result row + extras, as stored in results/arch-<id>.json. */
interface StoredResult extends GroundTruthRow {
  val_loss: number;
  train_loss: number;
  train_accuracy: number;
  worker: string;
}

/** A ground-truth run: its config, its space's setup and the list in order. */
export interface GroundTruthRun {
  runDir: string;
  config: RunConfig;
  setup: SpaceSetup;
  /** Canonical architecture strings, in order. */
  archs: string[];
}

/** Writes (or checks, on resume) a ground-truth run folder's config. */
export function openGroundTruthRun(
  runDir: string,
  input: RunConfigInput,
  data: RunData,
): GroundTruthRun {
  if (input.kind !== 'groundtruth') throw new Error('a ground-truth run needs kind "groundtruth"');
  validateHyper(input);
  const setup = runSetup(input, data);
  const archs = canonicalArchs(setup, input.archs ?? []);
  if (archs.length === 0) throw new BadInputError('a ground-truth run needs architectures');
  const config = prepareRunFolder(runDir, { ...input, archs });
  return { runDir, config, setup, archs };
}

function resultFile(run: GroundTruthRun, arch: string): string {
  const id = archId(run.setup.spec, run.setup.parse(arch));
  return path.join(run.runDir, 'results', `arch-${id.padStart(5, '0')}.json`);
}

/** The groundtruth.csv row of a stored result (its extras dropped). */
function rowOf(r: StoredResult): GroundTruthRow {
  const { val_loss: _l, train_loss: _t, train_accuracy: _a, worker: _w, ...row } = r;
  return row;
}

/** Rows of all finished architectures of the list, in list order. */
export function collectGroundTruth(run: GroundTruthRun): GroundTruthRow[] {
  return readResults(run).map(rowOf);
}

function readResults(run: GroundTruthRun): StoredResult[] {
  return run.archs
    .map((a) => resultFile(run, a))
    .filter((f) => fs.existsSync(f))
    .map((f) => readJson<StoredResult>(f));
}

/**
 * Rewrites groundtruth.csv and standalone-loss.csv from the result files, under the folder's
 * table lock: of the processes sharing the folder, the one that rewrites last has read every
 * result written before it (no row is lost, no table is paired with another's checksum).
 */
export function writeGroundTruthTables(run: GroundTruthRun): GroundTruthRow[] {
  return withTableLock(run.runDir, 'groundtruth tables', () => {
    const results = readResults(run);
    const rows = results.map(rowOf);
    writeGroundTruth(groundTruthPath(run.runDir), rows);
    writeTableAtomic(
      path.join(run.runDir, STANDALONE_LOSS_FILE),
      toCsv(
        ['arch', 'accuracy', 'loss', 'perplexity'],
        results.map((r) => [r.arch, r.val_accuracy, r.val_loss, Math.exp(r.val_loss)]),
      ),
    );
    return rows;
  });
}

/** Validation losses of the finished architectures, by architecture string. */
export function groundTruthLosses(run: GroundTruthRun): Map<string, number> {
  return new Map(readResults(run).map((r) => [r.arch, r.val_loss]));
}

/**
 * Trains one architecture of a ground-truth run unless it is done or claimed by a live process;
 * returns its row, or null when skipped. Rewrites the tables afterwards.
 */
export function trainGroundTruthArch(
  run: GroundTruthRun,
  arch: string,
  data: RunData,
  options: { progress?: ProgressSink; worker?: string } = {},
): GroundTruthRow | null {
  const file = resultFile(run, arch);
  if (fs.existsSync(file)) return null;
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.mkdirSync(path.join(run.runDir, 'claims'), { recursive: true });
  const claimDir = path.join(run.runDir, 'claims', path.basename(file, '.json'));
  if (!claim(claimDir)) return null;
  try {
    if (fs.existsSync(file)) return null; // finished by another process meanwhile
    const r = trainStandalone(run.config, run.setup, data, run.setup.parse(arch), options.progress);
    if (!Number.isFinite(r.valAccuracy) || !Number.isFinite(r.valLoss)) {
      throw new BadInputError(
        `stand-alone evaluation of ${arch} gave accuracy ${r.valAccuracy}, loss ${r.valLoss}: not a number to rank (nothing was written)`,
      );
    }
    const row = groundTruthRow(arch, r);
    const stored: StoredResult = {
      ...row,
      val_loss: r.valLoss,
      train_loss: r.trainLoss,
      train_accuracy: r.trainAccuracy,
      worker: options.worker ?? `pid ${process.pid}`,
    };
    writeJsonAtomic(file, stored, { checksum: true });
    writeGroundTruthTables(run);
    return row;
  } finally {
    fs.rmSync(claimDir, { recursive: true, force: true });
  }
}

/** One progress line for a finished architecture. */
export function groundTruthLine(
  row: GroundTruthRow,
  done: number,
  total: number,
  worker: string,
): string {
  const test = Number.isFinite(row.test_accuracy) ? `  test ${row.test_accuracy.toFixed(2)}%` : '';
  return (
    `[${worker}] ${done}/${total} ${row.arch}  val ${row.val_accuracy.toFixed(2)}%${test}  ` +
    `${row.params} params  ${row.seconds.toFixed(1)}s`
  );
}

export interface GroundTruthRunOptions {
  runDir: string;
  config: RunConfigInput;
  data: RunData;
  progress?: ProgressSink;
  /** Train at most this many architectures in this call (tests). */
  limit?: number;
  /** Label of this worker in progress lines. */
  worker?: string;
}

export interface GroundTruthRunResult {
  run: GroundTruthRun;
  /** Rows of every architecture done so far (by any process), in list order. */
  rows: GroundTruthRow[];
  /** Validation losses of the finished architectures. */
  losses: Map<string, number>;
  /** Architectures this call trained. */
  trained: number;
  /** Architectures of the list not done yet (claimed by others or left by `limit`). */
  pending: number;
}

/** Trains the run's architectures that are neither done nor claimed by a live process. */
export function runGroundTruth(options: GroundTruthRunOptions): GroundTruthRunResult {
  const run = openGroundTruthRun(options.runDir, options.config, options.data);
  const worker = options.worker ?? `pid ${process.pid}`;
  const progress = options.progress ?? createProgress({ label: 'groundtruth ' });
  let trained = 0;
  const started = Date.now();
  for (const arch of run.archs) {
    if (options.limit !== undefined && trained >= options.limit) break;
    const row = trainGroundTruthArch(run, arch, options.data, { progress, worker });
    if (!row) continue;
    trained++;
    progress.done();
    const rate = (Date.now() - started) / 1000 / trained;
    progress.line(
      `${groundTruthLine(row, collectGroundTruth(run).length, run.archs.length, worker)}  ` +
        `(~${formatDuration(rate)} per arch here)`,
    );
  }
  const rows = writeGroundTruthTables(run);
  return {
    run,
    rows,
    losses: groundTruthLosses(run),
    trained,
    pending: run.archs.length - rows.length,
  };
}
