/**
 * Scoring architectures on a supernet checkpoint: inherit weights, recalibrate BN on training
 * images, evaluate on the validation split -> scores/epoch-XXXX.csv (arch,accuracy,loss).
 *
 * Work can be split into shards run by separate processes (`shard: {index, count}` takes every
 * count-th architecture). Each shard keeps its results in scores/parts/ (rewritten atomically as
 * it goes, so a killed shard resumes where it stopped); whichever shard finds all parts complete
 * merges them into scores/epoch-XXXX.csv in the order of the architecture list.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Rng } from '../engine/random';
import { formatNb201, parseNb201 } from '../spaces/nb201/arch';
import type { Nb201Arch } from '../spaces/nb201/definition';
import { sampleNb201 } from '../spaces/nb201/sample';
import { calibrationIndices, scoreArchitecture } from '../supernet/evaluate';
import type { TrainingData } from './data';
import { createProgress, type ProgressSink } from './progress';
import {
  checkpointName,
  parseCsv,
  scoresPath,
  toCsv,
  writeFileAtomic,
  writeScores,
  type ScoreRow,
} from '../runs/folder';
import { loadSupernets } from './supernet-trainer';

/** `count` distinct valid architectures drawn uniformly (seeded), in draw order. */
export function sampleArchitectures(count: number, seed: number | string): Nb201Arch[] {
  if (!Number.isInteger(count) || count < 0 || count > 15284) {
    throw new Error(`cannot sample ${count} distinct valid NB-201 architectures (there are 15284)`);
  }
  const rng = new Rng(`nb201-arch-sample/${seed}`);
  const seen = new Set<string>();
  const out: Nb201Arch[] = [];
  while (out.length < count) {
    const arch = sampleNb201(rng);
    const key = formatNb201(arch);
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(arch);
  }
  return out;
}

/** Reads an architecture list: one NB-201 string per line (blank lines and # comments skipped). */
export function readArchList(file: string): Nb201Arch[] {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw new Error(`cannot read architecture list ${file}: ${(err as Error).message}`);
  }
  const archs: Nb201Arch[] = [];
  text.split(/\r?\n/).forEach((line, i) => {
    const t = line.trim();
    if (t === '' || t.startsWith('#') || t === 'arch') return;
    const first = t.split(',')[0];
    try {
      archs.push(parseNb201(first));
    } catch (err) {
      throw new Error(`${file}:${i + 1}: ${(err as Error).message}`);
    }
  });
  return archs;
}

export function writeArchList(file: string, archs: readonly Nb201Arch[]): void {
  writeFileAtomic(file, archs.map((a) => formatNb201(a)).join('\n') + '\n');
}

export interface ScoreSupernetOptions {
  runDir: string;
  /** Checkpoint epoch (default: the newest). */
  epoch?: number;
  archs: readonly Nb201Arch[];
  data: TrainingData;
  /** Override the run's BN calibration (B batches of S images). */
  calibration?: { batches: number; batchSize: number };
  evalBatchSize?: number;
  /** Score this shard only: architectures i with i % count === index. */
  shard?: { index: number; count: number };
  progress?: ProgressSink;
}

export interface ScoreSupernetResult {
  epoch: number;
  /** This shard's rows (all rows when unsharded). */
  rows: ScoreRow[];
  /** scores/epoch-XXXX.csv once every shard is complete, else null. */
  file: string | null;
  seconds: number;
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
  for (const r of parseCsv(fs.readFileSync(file, 'utf8')).rows) {
    out.set(r[0], { arch: r[0], accuracy: Number(r[1]), loss: Number(r[2]) });
  }
  return out;
}

function writePart(file: string, rows: Iterable<ScoreRow>): void {
  writeFileAtomic(
    file,
    toCsv(
      ['arch', 'accuracy', 'loss'],
      [...rows].map((r) => [r.arch, r.accuracy, r.loss]),
    ),
  );
}

/** Scores architectures on a checkpoint of a supernet run; see the module comment. */
export function scoreSupernet(options: ScoreSupernetOptions): ScoreSupernetResult {
  const started = Date.now();
  // Few-shot runs hold one sub-supernet per op of the split edge; `route` picks an arch's own.
  const { nets, route, config, epoch } = loadSupernets(options.runDir, options.epoch);
  const progress = options.progress ?? createProgress({ label: `score ${checkpointName(epoch)} ` });
  try {
    const shard = options.shard ?? { index: 0, count: 1 };
    if (
      !(
        Number.isInteger(shard.count) &&
        shard.count >= 1 &&
        shard.index >= 0 &&
        shard.index < shard.count
      )
    ) {
      throw new Error(`bad shard ${shard.index}/${shard.count}`);
    }
    const keys = options.archs.map((a) => formatNb201(a));
    if (new Set(keys).size !== keys.length) throw new Error('the architecture list has duplicates');
    const mine = options.archs.filter((_, i) => i % shard.count === shard.index);
    const file = partPath(options.runDir, epoch, shard.index, shard.count);
    const done = readPart(file);
    const calibration = options.calibration ?? {
      batches: config.calibrationBatches,
      batchSize: config.calibrationBatchSize,
    };
    const batches = calibrationIndices(
      options.data.train.shape[0],
      calibration,
      `${config.seed}/calibration`,
    );
    let k = 0;
    let lastWrite = Date.now();
    for (const arch of mine) {
      const key = formatNb201(arch);
      k++;
      if (done.has(key)) continue;
      const r = scoreArchitecture(
        nets[route(arch)],
        arch,
        options.data.train,
        options.data.valid,
        {
          calibration,
          calibrationSeed: `${config.seed}/calibration`,
          evalBatchSize: options.evalBatchSize ?? config.evalBatchSize,
        },
        batches,
      );
      done.set(key, { arch: key, accuracy: r.accuracy, loss: r.loss });
      if (Date.now() - lastWrite > 5000 || k === mine.length) {
        writePart(file, done.values());
        lastWrite = Date.now();
      }
      progress.update(k, mine.length, `last ${r.accuracy.toFixed(2)}%`);
    }
    writePart(file, done.values());
    progress.done();
    const rows = mine.map((a) => done.get(formatNb201(a))!);
    // Merge when every shard is complete.
    const all = new Map<string, ScoreRow>();
    for (let i = 0; i < shard.count; i++) {
      for (const [key, row] of readPart(partPath(options.runDir, epoch, i, shard.count)))
        all.set(key, row);
    }
    let merged: string | null = null;
    if (keys.every((key) => all.has(key))) {
      merged = writeScores(
        options.runDir,
        epoch,
        keys.map((key) => all.get(key)!),
      );
    }
    return { epoch, rows, file: merged, seconds: (Date.now() - started) / 1000 };
  } finally {
    nets.forEach((n) => n.dispose());
  }
}

export { scoresPath };
