/**
 * Run folders: the contract between training and analysis code.
 *
 *   config.json                 full resolved config (kind, space, dataset, scale, seed, engine,
 *                               every hyper-parameter, library, createdAt)
 *   log.jsonl (+ .sha256)       one object per epoch {epoch, loss, accuracy, lr, imagesPerSecond, seconds}
 *   checkpoints/epoch-0007/     manifest.json + tensors.bin (weights, optimizer state, RNG state);
 *                               the manifest records tensors.bin's sha256 and byte length, and
 *                               manifest.json.sha256 holds the manifest's own sha256
 *   checkpoints/latest.json     {"epoch": 7, "path": "epoch-0007"}: newest complete checkpoint
 *   scores/epoch-0007.csv       arch,accuracy,loss
 *   groundtruth.csv             arch,val_accuracy,test_accuracy,params,flops,epochs,seconds
 *
 * Every file is written atomically (temp file in the same folder, then rename); a checkpoint is
 * written into a temp folder that is renamed into place once complete. Tables (scores,
 * groundtruth.csv) have a sidecar `<file>.sha256` (src/runs/integrity.ts); reading a checkpoint or
 * a table verifies its checksum and throws a CorruptFileError naming the file on a mismatch.
 * Folders written before checksums existed have none and read as before.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { CorruptFileError } from '../errors';
import { packageRoot } from '../info';
import {
  checksumSidecarPath,
  digestOf,
  formatChecksumSidecar,
  parseChecksumSidecar,
  readVerifiedFile,
  verifyDigest,
  type FileDigest,
} from './integrity';

/** Default parent of run folders: kernels-data/runs/ under the package root. */
export function defaultRunsRoot(): string {
  return path.join(packageRoot, 'kernels-data', 'runs');
}

let tempCounter = 0;
function tempName(target: string): string {
  return path.join(
    path.dirname(target),
    `.${path.basename(target)}.tmp-${process.pid}-${Date.now()}-${tempCounter++}`,
  );
}

/**
 * Writes a file atomically: temp file in the same folder, fsync, rename. On failure (disk full,
 * say) the temp file is removed and the previous file is left as it was.
 */
export function writeFileAtomic(file: string, data: string | Uint8Array): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const tmp = tempName(file);
  try {
    const fd = fs.openSync(tmp, 'w');
    try {
      // writeSync may write less than asked (a disk filling up): loop until all is written,
      // so that a full disk is an ENOSPC error, never a short file renamed into place.
      const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
      for (let done = 0; done < bytes.byteLength; ) {
        done += fs.writeSync(fd, bytes, done, bytes.byteLength - done);
      }
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    fs.renameSync(tmp, file);
  } catch (err) {
    fs.rmSync(tmp, { force: true });
    throw err;
  }
}

/**
 * Writes JSON atomically; with `checksum` (results that numbers are read from) also its sidecar
 * `<file>.sha256`, which `readJson` verifies.
 */
export function writeJsonAtomic(
  file: string,
  value: unknown,
  options: { checksum?: boolean } = {},
): void {
  const text = JSON.stringify(value, null, 2) + '\n';
  if (options.checksum) writeTableAtomic(file, text);
  else writeFileAtomic(file, text);
}

/** Reads a JSON file, verifying its sidecar checksum when it has one (CorruptFileError if not). */
export function readJson<T>(file: string): T {
  let text: string;
  try {
    text = readVerifiedFile(file, checksumRemedy(file)).data.toString('utf8');
  } catch (err) {
    if (err instanceof CorruptFileError) throw err;
    throw new Error(`cannot read ${file}: ${(err as Error).message}`);
  }
  return parseJsonFile<T>(file, text);
}

function checksumRemedy(file: string): string {
  return (
    `Delete it (and ${path.basename(file)}.sha256) and re-run the command that wrote it, ` +
    'or restore both from a copy.'
  );
}

function parseJsonFile<T>(file: string, text: string): T {
  try {
    return JSON.parse(text) as T;
  } catch (err) {
    throw new CorruptFileError(file, `${file} is not valid JSON: ${(err as Error).message}`);
  }
}

/**
 * Writes a table (or a result file) atomically with its checksum sidecar `<file>.sha256`: the old
 * sidecar is removed first, so a crash in between leaves a table without checksum (read
 * unchecked), never a table whose checksum does not match. Processes that rewrite one table
 * concurrently must serialise the rewrite (`withTableLock`, src/runs/lock.ts).
 */
export function writeTableAtomic(file: string, text: string): void {
  const sidecar = checksumSidecarPath(file);
  fs.rmSync(sidecar, { force: true });
  writeFileAtomic(file, text);
  writeFileAtomic(sidecar, formatChecksumSidecar(file, digestOf(text)));
}

/** Reads a table, verifying its sidecar checksum when it has one (CorruptFileError if not). */
export function readTableText(file: string): string {
  return readVerifiedFile(file, checksumRemedy(file)).data.toString('utf8');
}

// ---- log.jsonl ----

export interface EpochLogEntry {
  epoch: number;
  loss: number;
  /** Training accuracy in percent. */
  accuracy: number;
  lr: number;
  imagesPerSecond: number;
  seconds: number;
  [extra: string]: number | string | null;
}

export function logPath(runDir: string): string {
  return path.join(runDir, 'log.jsonl');
}

export function readLog(runDir: string): EpochLogEntry[] {
  const file = logPath(runDir);
  if (!fs.existsSync(file)) return [];
  const out: EpochLogEntry[] = [];
  const lines = readJournalText(file).split('\n');
  lines.forEach((line, i) => {
    if (line.trim() === '') return;
    try {
      out.push(JSON.parse(line) as EpochLogEntry);
    } catch {
      // A torn last line (a log appended to by older code, killed mid-append) is dropped;
      // anything else is an error.
      if (i < lines.length - 1 && lines.slice(i + 1).some((l) => l.trim() !== '')) {
        throw new CorruptFileError(file, `${file}:${i + 1} is not valid JSON`);
      }
    }
  });
  return out;
}

/**
 * A JSON-lines journal's text (log.jsonl, arch.jsonl), checked against its sidecar like any
 * table. A torn last line after the content the checksum covers (an append cut short) is
 * dropped; any other mismatch is an error.
 */
export function readJournalText(file: string): string {
  try {
    return readTableText(file);
  } catch (err) {
    if (!(err instanceof CorruptFileError)) throw err;
    const text = fs.readFileSync(file, 'utf8');
    const whole = text.slice(0, text.lastIndexOf('\n') + 1);
    const sidecar = checksumSidecarPath(file);
    const expected = parseChecksumSidecar(sidecar, fs.readFileSync(sidecar, 'utf8'));
    if (whole !== text && digestOf(whole).sha256 === expected) return whole;
    throw err;
  }
}

/**
 * Adds one epoch line. The log is small (a line per epoch), so it is rewritten whole with its
 * checksum, atomically: a reader never sees a half-written line or an unchecked number.
 */
export function appendLog(runDir: string, entry: EpochLogEntry): void {
  writeLog(runDir, [...readLog(runDir), entry]);
}

/** Writes log.jsonl (atomically, with its checksum sidecar). */
export function writeLog(runDir: string, entries: readonly EpochLogEntry[]): void {
  fs.mkdirSync(runDir, { recursive: true });
  writeTableAtomic(logPath(runDir), entries.map((e) => JSON.stringify(e) + '\n').join(''));
}

/** Keeps only log entries with epoch <= maxEpoch (rewritten atomically). */
export function truncateLog(runDir: string, maxEpoch: number): void {
  writeLog(
    runDir,
    readLog(runDir).filter((e) => e.epoch <= maxEpoch),
  );
}

// ---- checkpoints ----

export function checkpointName(epoch: number): string {
  if (!Number.isInteger(epoch) || epoch < 0) throw new Error(`bad checkpoint epoch ${epoch}`);
  return `epoch-${String(epoch).padStart(4, '0')}`;
}

export function checkpointsDir(runDir: string): string {
  return path.join(runDir, 'checkpoints');
}

export interface LatestMarker {
  epoch: number;
  path: string;
}

/** Epochs of the complete checkpoints in a run folder, ascending. */
export function listCheckpoints(runDir: string): number[] {
  const dir = checkpointsDir(runDir);
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir)
    .map((n) => /^epoch-(\d{4,})$/.exec(n))
    .filter((m): m is RegExpExecArray => m !== null)
    .filter((m) => fs.existsSync(path.join(dir, m[0], 'manifest.json')))
    .map((m) => Number(m[1]))
    .sort((a, b) => a - b);
}

/** The newest complete checkpoint's epoch, or null. Trusts latest.json, falls back to a scan. */
export function latestCheckpoint(runDir: string): number | null {
  const marker = path.join(checkpointsDir(runDir), 'latest.json');
  if (fs.existsSync(marker)) {
    const m = readJson<LatestMarker>(marker);
    if (fs.existsSync(path.join(checkpointsDir(runDir), m.path, 'manifest.json'))) return m.epoch;
  }
  const all = listCheckpoints(runDir);
  return all.length > 0 ? all[all.length - 1] : null;
}

export interface StoredTensor {
  name: string;
  shape: number[];
  data: Float32Array;
}

export interface TensorEntry {
  name: string;
  shape: number[];
  /** Offset in float32 elements into tensors.bin. */
  offset: number;
  length: number;
}

export interface CheckpointManifest<S = unknown> {
  format: 'supernet-lab-checkpoint/1';
  epoch: number;
  createdAt: string;
  tensors: TensorEntry[];
  /** Loop state: optimizer step, RNG state, anything needed to resume. */
  state: S;
  /** sha256 and byte length of tensors.bin (absent in checkpoints written before checksums). */
  tensorsBin?: FileDigest;
}

/**
 * Writes checkpoints/epoch-XXXX atomically (temp folder, then rename) and points latest.json
 * at it. Replaces an existing checkpoint of the same epoch.
 */
export function writeCheckpoint<S>(
  runDir: string,
  epoch: number,
  tensors: StoredTensor[],
  state: S,
): string {
  const dir = checkpointsDir(runDir);
  fs.mkdirSync(dir, { recursive: true });
  const name = checkpointName(epoch);
  const final = path.join(dir, name);
  const tmp = tempName(final);
  let offset = 0;
  const entries: TensorEntry[] = tensors.map((t) => {
    const e = { name: t.name, shape: t.shape, offset, length: t.data.length };
    offset += t.data.length;
    return e;
  });
  const all = new Float32Array(offset);
  tensors.forEach((t, i) => all.set(t.data, entries[i].offset));
  const bytes = new Uint8Array(all.buffer, all.byteOffset, all.byteLength);
  const manifest: CheckpointManifest<S> = {
    format: 'supernet-lab-checkpoint/1',
    epoch,
    createdAt: new Date().toISOString(),
    tensors: entries,
    state,
    tensorsBin: digestOf(bytes),
  };
  try {
    fs.mkdirSync(tmp);
    writeFileAtomic(path.join(tmp, 'tensors.bin'), bytes);
    writeJsonAtomic(path.join(tmp, 'manifest.json'), manifest, { checksum: true });
    if (fs.existsSync(final)) fs.rmSync(final, { recursive: true, force: true });
    fs.renameSync(tmp, final);
  } catch (err) {
    // Disk full, say: the temp folder goes, the previous checkpoints stay as they were.
    fs.rmSync(tmp, { recursive: true, force: true });
    throw err;
  }
  writeJsonAtomic(path.join(dir, 'latest.json'), { epoch, path: name } satisfies LatestMarker);
  return final;
}

/**
 * Reads a checkpoint's manifest and tensors.bin and verifies them: the manifest against
 * manifest.json.sha256, tensors.bin against the sha256 and length the manifest records (legacy
 * checkpoints without them: the length the tensor list implies). Throws a CorruptFileError
 * naming the file and saying what to do.
 */
function loadCheckpointFiles<S>(
  runDir: string,
  epoch: number,
): { dir: string; manifest: CheckpointManifest<S>; buf: Buffer } {
  const dir = path.join(checkpointsDir(runDir), checkpointName(epoch));
  const remedy =
    `The checkpoint ${dir} cannot be used: delete that folder and re-run (training resumes ` +
    'from the newest checkpoint that verifies), or restore it from a copy.';
  const manifestFile = path.join(dir, 'manifest.json');
  let manifestText: Buffer;
  try {
    manifestText = readVerifiedFile(manifestFile, remedy).data;
  } catch (err) {
    if (err instanceof CorruptFileError) throw err;
    throw new Error(`cannot read ${manifestFile}: ${(err as Error).message}`);
  }
  const manifest = parseJsonFile<CheckpointManifest<S>>(manifestFile, manifestText.toString());
  if (manifest.format !== 'supernet-lab-checkpoint/1') {
    throw new CorruptFileError(
      manifestFile,
      `${manifestFile}: unknown checkpoint format ${JSON.stringify(manifest.format)}`,
    );
  }
  const binFile = path.join(dir, 'tensors.bin');
  let buf: Buffer;
  try {
    buf = fs.readFileSync(binFile);
  } catch (err) {
    throw new CorruptFileError(
      binFile,
      `cannot read ${binFile}: ${(err as Error).message}. ${remedy}`,
    );
  }
  if (manifest.tensorsBin !== undefined) {
    verifyDigest(binFile, digestOf(buf), manifest.tensorsBin, 'its manifest.json', remedy);
  }
  const total = manifest.tensors.reduce((s, t) => s + t.length, 0) * 4;
  if (buf.byteLength !== total) {
    throw new CorruptFileError(
      binFile,
      `${binFile} is corrupt (${buf.byteLength < total ? 'truncated' : 'longer than written'}): ` +
        `it has ${buf.byteLength} bytes, the tensor list of its manifest.json needs ${total}. ${remedy}`,
    );
  }
  return { dir, manifest, buf };
}

/** Throws a CorruptFileError naming the file when checkpoint `epoch` fails its checksums. */
export function verifyCheckpoint(runDir: string, epoch: number): void {
  loadCheckpointFiles(runDir, epoch);
}

/**
 * The newest checkpoint that verifies (the one `latestCheckpoint` names, else older ones,
 * newest first), or null when none does. Each checkpoint skipped is reported through `onSkip`
 * with a message naming it and why.
 */
export function latestVerifiedCheckpoint(
  runDir: string,
  onSkip?: (message: string) => void,
): number | null {
  let newest: number | null = Infinity;
  try {
    newest = latestCheckpoint(runDir);
  } catch (err) {
    onSkip?.(`${(err as Error).message}; looking through the checkpoint folders instead`);
  }
  if (newest === null) return null;
  const limit = newest;
  const candidates = listCheckpoints(runDir)
    .filter((e) => e <= limit)
    .reverse();
  for (const epoch of candidates) {
    try {
      verifyCheckpoint(runDir, epoch);
      return epoch;
    } catch (err) {
      const dir = path.join(checkpointsDir(runDir), checkpointName(epoch));
      onSkip?.(`skipping checkpoint ${dir}: ${(err as Error).message}`);
    }
  }
  return null;
}

export function readCheckpoint<S>(
  runDir: string,
  epoch: number,
): { manifest: CheckpointManifest<S>; tensors: Map<string, StoredTensor> } {
  const { manifest, buf } = loadCheckpointFiles<S>(runDir, epoch);
  const floats = new Float32Array(
    buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength),
  );
  const tensors = new Map<string, StoredTensor>();
  for (const t of manifest.tensors) {
    tensors.set(t.name, {
      name: t.name,
      shape: t.shape,
      data: floats.subarray(t.offset, t.offset + t.length),
    });
  }
  return { manifest, tensors };
}

/** Deletes checkpoints not in `keep` (never the newest one). */
export function pruneCheckpoints(runDir: string, keep: ReadonlySet<number>): void {
  const latest = latestCheckpoint(runDir);
  for (const epoch of listCheckpoints(runDir)) {
    if (epoch === latest || keep.has(epoch)) continue;
    fs.rmSync(path.join(checkpointsDir(runDir), checkpointName(epoch)), {
      recursive: true,
      force: true,
    });
  }
}

// ---- CSV tables ----

function csvField(v: string | number): string {
  const s = typeof v === 'number' ? formatNumber(v) : v;
  return /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

function formatNumber(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  return Number.isInteger(v) ? String(v) : String(Number(v.toPrecision(7)));
}

export function toCsv(
  header: readonly string[],
  rows: ReadonlyArray<ReadonlyArray<string | number>>,
) {
  return [header.join(','), ...rows.map((r) => r.map(csvField).join(','))].join('\n') + '\n';
}

/** Parses a simple CSV (quoted fields allowed) into header + rows of strings. */
export function parseCsv(text: string): { header: string[]; rows: string[][] } {
  const records: string[][] = [];
  let field = '';
  let record: string[] = [];
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (quoted) {
      if (ch === '"') {
        if (text[i + 1] === '"') {
          field += '"';
          i++;
        } else quoted = false;
      } else field += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') {
      record.push(field);
      field = '';
    } else if (ch === '\n' || ch === '\r') {
      if (ch === '\r' && text[i + 1] === '\n') i++;
      record.push(field);
      field = '';
      if (record.length > 1 || record[0] !== '') records.push(record);
      record = [];
    } else field += ch;
  }
  if (field !== '' || record.length > 0) {
    record.push(field);
    records.push(record);
  }
  const [header = [], ...rows] = records;
  return { header, rows };
}

export interface ScoreRow {
  arch: string;
  /** Validation top-1 in percent after BN recalibration. */
  accuracy: number;
  loss: number;
}

export const SCORES_HEADER = ['arch', 'accuracy', 'loss'] as const;

export function scoresPath(runDir: string, epoch: number): string {
  return path.join(runDir, 'scores', `${checkpointName(epoch)}.csv`);
}

/** A scores table's text (header arch,accuracy,loss). */
export function scoresCsv(rows: readonly ScoreRow[]): string {
  return toCsv(
    SCORES_HEADER,
    rows.map((r) => [r.arch, r.accuracy, r.loss]),
  );
}

export function writeScores(runDir: string, epoch: number, rows: readonly ScoreRow[]): string {
  const file = scoresPath(runDir, epoch);
  writeTableAtomic(file, scoresCsv(rows));
  return file;
}

export function readScores(file: string): ScoreRow[] {
  const { header, rows } = parseCsv(readTableText(file));
  expectHeader(file, header, SCORES_HEADER);
  return rows.map((r, i) => ({
    arch: r[0],
    accuracy: finiteField(file, i, 'accuracy', r[1]),
    loss: finiteField(file, i, 'loss', r[2]),
  }));
}

/**
 * A table's number that must be finite (scores and ground truth are never NaN: scoring and
 * stand-alone training refuse to write one); anything else is a CorruptFileError naming the
 * file, row and column.
 */
function finiteField(file: string, row: number, column: string, text: string | undefined): number {
  const v = text === undefined || text.trim() === '' ? NaN : Number(text);
  if (!Number.isFinite(v)) {
    throw new CorruptFileError(
      file,
      `${file} row ${row + 2}: ${column} is ${JSON.stringify(text ?? '')}, not a finite number. ${checksumRemedy(file)}`,
    );
  }
  return v;
}

export interface GroundTruthRow {
  arch: string;
  val_accuracy: number;
  test_accuracy: number;
  params: number;
  flops: number;
  epochs: number;
  seconds: number;
}

export const GROUNDTRUTH_HEADER = [
  'arch',
  'val_accuracy',
  'test_accuracy',
  'params',
  'flops',
  'epochs',
  'seconds',
] as const;

export function groundTruthPath(runDir: string): string {
  return path.join(runDir, 'groundtruth.csv');
}

export function readGroundTruth(file: string): GroundTruthRow[] {
  if (!fs.existsSync(file)) return [];
  const { header, rows } = parseCsv(readTableText(file));
  expectHeader(file, header, GROUNDTRUTH_HEADER);
  return rows.map((r, i) => ({
    arch: r[0],
    val_accuracy: finiteField(file, i, 'val_accuracy', r[1]),
    // empty (NaN) where the run has no test split
    test_accuracy:
      r[2] === '' || r[2] === 'NaN' ? NaN : finiteField(file, i, 'test_accuracy', r[2]),
    params: finiteField(file, i, 'params', r[3]),
    flops: finiteField(file, i, 'flops', r[4]),
    epochs: finiteField(file, i, 'epochs', r[5]),
    seconds: finiteField(file, i, 'seconds', r[6]),
  }));
}

export function writeGroundTruth(file: string, rows: readonly GroundTruthRow[]): void {
  writeTableAtomic(
    file,
    toCsv(
      GROUNDTRUTH_HEADER,
      rows.map((r) => GROUNDTRUTH_HEADER.map((k) => r[k])),
    ),
  );
}

function expectHeader(file: string, header: string[], expected: readonly string[]): void {
  if (header.join(',') !== expected.join(',')) {
    throw new Error(
      `${file}: expected header ${JSON.stringify(expected.join(','))}, got ${JSON.stringify(header.join(','))}`,
    );
  }
}
