/**
 * Scoring architectures on a supernet checkpoint of any space -> scores/epoch-XXXX.csv
 * (arch,accuracy,loss), with the run's recorded BN calibration unless overridden.
 *
 * Work can be split into shards run by separate processes (`shard: {index, count}` takes every
 * count-th architecture). Each shard keeps its results in scores/parts/ (rewritten atomically as
 * it goes, so a killed shard resumes where it stopped); whichever shard finds all parts complete
 * merges them into scores/epoch-XXXX.csv in the order of the architecture list. Rows already in
 * scores/epoch-XXXX.csv are not scored again.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { BadInputError } from '../errors';
import { DivergenceError } from '../core/divergence';
import {
  checkpointName,
  parseCsv,
  readScores,
  readTableText,
  scoresCsv,
  scoresPath,
  writeScores,
  writeTableAtomic,
  type ScoreRow,
} from '../runs/folder';
import { withTableLock } from '../runs/lock';
import type { SpaceSetup } from '../supernet/binding';
import { createProgress, type ProgressSink } from '../train/progress';
import { loadRunNetworks, type RunData } from '../train/pipeline';
import { scoreArch, type CalibrationSettings } from './score';

export interface ScoreRunOptions {
  runDir: string;
  /** Checkpoint epoch (default: the newest). */
  epoch?: number;
  /** Architecture strings of the run's space (canonicalised and checked). */
  archs: readonly string[];
  data: RunData;
  /** Override the run's BN calibration (B batches of S examples). */
  calibration?: { batches: number; batchSize: number };
  evalBatchSize?: number;
  /** Score this shard only: architectures i with i % count === index. */
  shard?: { index: number; count: number };
  progress?: ProgressSink;
}

export interface ScoreRunResult {
  epoch: number;
  /** This shard's rows, in list order (all rows when unsharded). */
  rows: ScoreRow[];
  /** scores/epoch-XXXX.csv once every shard is complete, else null. */
  file: string | null;
  /** Architectures scored by this call. */
  scored: number;
  seconds: number;
}

/** Parses listed architecture strings into canonical strings; errors name the bad entry. */
export function canonicalArchs(setup: SpaceSetup, texts: readonly string[]): string[] {
  const out = texts.map((t, i) => {
    try {
      return setup.spec.format(setup.parse(t));
    } catch (err) {
      throw new BadInputError(
        `architecture ${i + 1} (${JSON.stringify(t)}): ${(err as Error).message}`,
      );
    }
  });
  const seen = new Set<string>();
  for (const a of out) {
    if (seen.has(a)) throw new BadInputError(`architecture ${JSON.stringify(a)} is listed twice`);
    seen.add(a);
  }
  return out;
}

function partPath(runDir: string, epoch: number, index: number, count: number): string {
  return path.join(
    runDir,
    'scores',
    'parts',
    `${checkpointName(epoch)}.part-${index}-of-${count}.csv`,
  );
}

function readPart(file: string): Map<string, ScoreRow> {
  const out = new Map<string, ScoreRow>();
  if (!fs.existsSync(file)) return out;
  for (const r of parseCsv(readTableText(file)).rows) {
    out.set(r[0], { arch: r[0], accuracy: Number(r[1]), loss: Number(r[2]) });
  }
  return out;
}

function writePart(file: string, rows: Iterable<ScoreRow>): void {
  writeTableAtomic(file, scoresCsv([...rows]));
}

/** Scores architectures on a checkpoint of a supernet run; see the module comment. */
export function scoreRun(options: ScoreRunOptions): ScoreRunResult {
  const started = Date.now();
  const shard = options.shard ?? { index: 0, count: 1 };
  const { index, count } = shard;
  if (!(Number.isInteger(count) && Number.isInteger(index) && index >= 0 && index < count)) {
    throw new BadInputError(`bad shard ${index}/${count}`);
  }
  // Few-shot runs hold one sub-supernet per option of the split decision; `route` picks an
  // architecture's own.
  const run = loadRunNetworks(options.runDir, options.data, options.epoch);
  const { config, epoch, setup } = run;
  const progress = options.progress ?? createProgress({ label: `score ${checkpointName(epoch)} ` });
  try {
    const keys = canonicalArchs(setup, options.archs);
    const merged = scoresPath(options.runDir, epoch);
    const known = new Map(fs.existsSync(merged) ? readScores(merged).map((r) => [r.arch, r]) : []);
    const mine = keys.filter((_, i) => i % shard.count === shard.index);
    const file = partPath(options.runDir, epoch, shard.index, shard.count);
    const done = readPart(file);
    const calibration: CalibrationSettings = {
      batches: options.calibration?.batches ?? config.calibrationBatches,
      batchSize: options.calibration?.batchSize ?? config.calibrationBatchSize,
      seed: config.seeds.calibration,
    };
    const source = options.data.source();
    const evalBatchSize = options.evalBatchSize ?? config.evalBatchSize;
    let scored = 0;
    let lastWrite = Date.now();
    mine.forEach((key, k) => {
      if (done.has(key)) return;
      const old = known.get(key);
      if (old && !options.calibration) {
        done.set(key, old);
        return;
      }
      const arch = setup.parse(key);
      const r = scoreArch(run.nets[run.route(arch)], arch, source, calibration, evalBatchSize);
      if (!Number.isFinite(r.loss) || !Number.isFinite(r.accuracy)) {
        throw new DivergenceError(
          `scoring ${key} at ${checkpointName(epoch)} of ${options.runDir} gave loss ${r.loss}, accuracy ${r.accuracy}: the checkpoint holds non-finite weights or statistics`,
        );
      }
      done.set(key, { arch: key, accuracy: r.accuracy, loss: r.loss });
      scored++;
      if (Date.now() - lastWrite > 5000) {
        writePart(file, done.values());
        lastWrite = Date.now();
      }
      progress.update(k + 1, mine.length, `last ${r.accuracy.toFixed(2)}%`);
    });
    writePart(file, done.values());
    progress.done();
    // Merge when every shard is complete (under the scores folder's table lock: shards that
    // finish together merge one after the other, each keeping the rows the other wrote).
    const out = withTableLock(
      path.dirname(merged),
      `evaluate merge ${checkpointName(epoch)}`,
      () => {
        const all = new Map<string, ScoreRow>();
        for (let i = 0; i < shard.count; i++) {
          for (const [key, row] of readPart(partPath(options.runDir, epoch, i, shard.count))) {
            all.set(key, row);
          }
        }
        if (!keys.every((key) => all.has(key))) return null;
        // Keep rows of other architectures already in the file (a superset list).
        const extra = (fs.existsSync(merged) ? readScores(merged) : []).filter(
          (r) => !all.has(r.arch),
        );
        return writeScores(options.runDir, epoch, [...keys.map((key) => all.get(key)!), ...extra]);
      },
    );
    // Rows as stored (7 significant digits), so a fresh call and a resumed one agree exactly.
    const stored = readPart(file);
    return {
      epoch,
      rows: mine.map((key) => stored.get(key)!),
      file: out,
      scored,
      seconds: (Date.now() - started) / 1000,
    };
  } finally {
    run.dispose();
  }
}
