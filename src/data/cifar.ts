/**
 * CIFAR-10 / CIFAR-100 from the official "binary version" archives (Krizhevsky, 2009):
 * records of <label bytes><1024 R><1024 G><1024 B> (32x32, row-major), one label byte for
 * CIFAR-10 and two (coarse, fine) for CIFAR-100. Read from the .tar.gz archive itself (gunzip +
 * a small tar reader), from a folder with the extracted files, or downloaded (with checksum) into
 * kernels-data/cache/ on request.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { packageRoot } from '../info';
import { downloadVerified, type DownloadSpec } from './download';
import { readMaybeGzip } from './idx';
import { toDataset, type Normalization } from './normalize';
import { readTar } from './tar';
import { DatasetError, type Dataset, type RawImages } from './types';

export type CifarVariant = 'cifar10' | 'cifar100';

interface CifarLayout {
  archive: DownloadSpec & { file: string };
  folder: string;
  train: string[];
  test: string[];
  labelBytes: number;
  /** Which label byte is the class (CIFAR-100: the fine label). */
  labelOffset: number;
  namesFile: string;
  numClasses: number;
  /** Benchmark normalisation (NAS-Bench-201's own mean/std, on the 0..1 scale). */
  normalization: Normalization;
}

export const CIFAR_LAYOUTS: Readonly<Record<CifarVariant, CifarLayout>> = {
  cifar10: {
    archive: {
      file: 'cifar-10-binary.tar.gz',
      url: 'https://www.cs.toronto.edu/~kriz/cifar-10-binary.tar.gz',
      md5: 'c32a1d4ab5d03f1284b67883e8d87530',
      size: 170052171,
    },
    folder: 'cifar-10-batches-bin',
    train: [1, 2, 3, 4, 5].map((i) => `data_batch_${i}.bin`),
    test: ['test_batch.bin'],
    labelBytes: 1,
    labelOffset: 0,
    namesFile: 'batches.meta.txt',
    numClasses: 10,
    normalization: {
      mean: [125.3 / 255, 123.0 / 255, 113.9 / 255],
      std: [63.0 / 255, 62.1 / 255, 66.7 / 255],
    },
  },
  cifar100: {
    archive: {
      file: 'cifar-100-binary.tar.gz',
      url: 'https://www.cs.toronto.edu/~kriz/cifar-100-binary.tar.gz',
      md5: '03b5dce01913d631647c71ecec9e9cb8',
      size: 168513733,
    },
    folder: 'cifar-100-binary',
    train: ['train.bin'],
    test: ['test.bin'],
    labelBytes: 2,
    labelOffset: 1,
    namesFile: 'fine_label_names.txt',
    numClasses: 100,
    normalization: {
      mean: [129.3 / 255, 124.1 / 255, 112.4 / 255],
      std: [68.2 / 255, 65.4 / 255, 70.4 / 255],
    },
  },
};

/** Default download cache (git-ignored). */
export const DATA_CACHE_DIR = path.join(packageRoot, 'kernels-data', 'cache');

export interface CifarOptions {
  /**
   * A .tar.gz/.tar archive, a folder holding the extracted batch files (or their
   * `cifar-10-batches-bin` / `cifar-100-binary` folder), or a folder holding the official archive.
   * Default: the official archive in `cacheDir`.
   */
  source?: string;
  /** Download the official archive into `cacheDir` when no source is found (checksum verified). */
  download?: boolean;
  cacheDir?: string;
  normalization?: Normalization;
  log?: (line: string) => void;
}

/** A batch file's bytes and where they came from. */
type CifarFile = { data: Buffer; where: string };

function readArchive(file: string): Map<string, CifarFile> {
  const buf = readMaybeGzip(file);
  const out = new Map<string, CifarFile>();
  for (const e of readTar(buf, file)) {
    if (e.type !== '0') continue;
    out.set(path.posix.basename(e.name), { data: e.data, where: `${file}:${e.name}` });
  }
  return out;
}

function readFolder(dir: string, layout: CifarLayout): Map<string, CifarFile> {
  const inner = path.join(dir, layout.folder);
  const base = fs.existsSync(inner) && fs.statSync(inner).isDirectory() ? inner : dir;
  const out = new Map<string, CifarFile>();
  for (const name of [...layout.train, ...layout.test, layout.namesFile]) {
    const p = path.join(base, name);
    if (fs.existsSync(p)) out.set(name, { data: fs.readFileSync(p), where: p });
  }
  return out;
}

/** The batch files of one variant, by base name, and where they came from. */
async function locate(
  variant: CifarVariant,
  options: CifarOptions,
): Promise<{ files: Map<string, CifarFile>; origin: string }> {
  const layout = CIFAR_LAYOUTS[variant];
  const cacheDir = options.cacheDir ?? DATA_CACHE_DIR;
  const candidates = options.source ? [path.resolve(options.source)] : [];
  const cached = path.join(cacheDir, layout.archive.file);
  if (!options.source) candidates.push(cached);
  for (const c of candidates) {
    if (!fs.existsSync(c)) continue;
    if (fs.statSync(c).isFile()) return { files: readArchive(c), origin: c };
    const official = path.join(c, layout.archive.file);
    const files = readFolder(c, layout);
    if (files.size === 0 && fs.existsSync(official))
      return { files: readArchive(official), origin: official };
    return { files, origin: c };
  }
  if (options.source) {
    throw new DatasetError(`${variant}: source ${options.source} does not exist`, options.source);
  }
  if (options.download) {
    await downloadVerified(layout.archive, cached, options.log);
    return { files: readArchive(cached), origin: cached };
  }
  throw new DatasetError(
    `${variant}: no data found. Put the official archive ${layout.archive.file} in ${cacheDir}, pass a ` +
      `source (archive or extracted folder), or allow download from ${layout.archive.url}`,
    cached,
  );
}

function decode(parts: CifarFile[], layout: CifarLayout, origin: string): RawImages {
  const rec = layout.labelBytes + 3072;
  let n = 0;
  for (const p of parts) {
    if (p.data.length === 0 || p.data.length % rec !== 0) {
      throw new DatasetError(
        `${p.where}: ${p.data.length} bytes is not a whole number of ${rec}-byte CIFAR records (truncated or wrong variant)`,
        p.where,
      );
    }
    n += p.data.length / rec;
  }
  const pixels = new Uint8Array(n * 3072);
  const labels = new Int32Array(n);
  let i = 0;
  for (const p of parts) {
    const d = p.data;
    for (let r = 0; r < d.length; r += rec, i++) {
      labels[i] = d[r + layout.labelOffset];
      const src = r + layout.labelBytes;
      const dst = i * 3072;
      // planar RGB -> interleaved HWC
      for (let k = 0; k < 1024; k++) {
        pixels[dst + 3 * k] = d[src + k];
        pixels[dst + 3 * k + 1] = d[src + 1024 + k];
        pixels[dst + 3 * k + 2] = d[src + 2048 + k];
      }
    }
  }
  for (let j = 0; j < n; j++) {
    if (labels[j] >= layout.numClasses) {
      throw new DatasetError(
        `${origin}: label ${labels[j]} of record ${j} is out of range`,
        origin,
      );
    }
  }
  return { pixels, labels, shape: [n, 32, 32, 3], source: origin };
}

export interface CifarSplits {
  train: Dataset;
  test: Dataset;
  /** Training batch files found (the official archive has all; a subset may have fewer). */
  trainFiles: string[];
}

/**
 * Loads both official splits of CIFAR-10 or CIFAR-100, normalised with the benchmark's mean/std.
 * Training batches that are absent are skipped (the shared real subset has only data_batch_1);
 * `trainFiles` records which were read.
 */
export async function loadCifar(
  variant: CifarVariant,
  options: CifarOptions = {},
): Promise<CifarSplits> {
  const layout = CIFAR_LAYOUTS[variant];
  const { files, origin } = await locate(variant, options);
  const trainParts = layout.train.filter((f) => files.has(f));
  const missingTest = layout.test.filter((f) => !files.has(f));
  if (trainParts.length === 0 || missingTest.length > 0) {
    throw new DatasetError(
      `${origin}: not a ${variant} binary archive/folder (found ${[...files.keys()].join(', ') || 'no files'}; ` +
        `need ${layout.train[0]} and ${layout.test.join(', ')})`,
      origin,
    );
  }
  const names = files.get(layout.namesFile);
  let classNames = names
    ? names.data
        .toString('utf8')
        .split(/\r?\n/)
        .map((s) => s.trim())
        .filter(Boolean)
    : [];
  if (classNames.length !== layout.numClasses) {
    classNames = Array.from({ length: layout.numClasses }, (_, i) => `class_${i}`);
  }
  const norm = options.normalization ?? layout.normalization;
  const raw = (list: string[]) =>
    decode(
      list.map((f) => files.get(f)!),
      layout,
      origin,
    );
  return {
    train: toDataset(raw(trainParts), `${variant}/train`, norm, classNames),
    test: toDataset(raw(layout.test), `${variant}/test`, norm, classNames),
    trainFiles: trainParts,
  };
}
