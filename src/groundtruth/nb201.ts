/**
 * NAS-Bench-201 ground truth from the committed tables in kernels-data/nb201/ (never from
 * ../shared at run time): test accuracy of all 15625 cells on CIFAR-10/100 and ImageNet16-120,
 * computed params/FLOPs, and NASLib's validation-accuracy subset. See kernels-data/nb201/README.md.
 */
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import * as aq from 'arquero';
import type { ColumnTable } from 'arquero';
import { packageRoot } from '../info';
import { displayPath, withSources } from '../analysis/provenance';
import {
  formatNb201,
  nb201FromOrdinal,
  nb201Ordinal,
  parseNb201,
  NB201_SIZE,
  type Nb201Arch,
} from '../spaces/nb201';
import { NB201_GROUND_TRUTH_COLUMNS, NB201_SUBSET_COLUMNS } from './nb201-build';

/** Folder of the committed NAS-Bench-201 tables. */
export const NB201_DATA_DIR = path.join(packageRoot, 'kernels-data', 'nb201');
export const NB201_GROUND_TRUTH_FILE = 'ground-truth.csv.gz';
export const NB201_SUBSET_FILE = 'naslib-subset.csv';
const VERSION = 'NAS-Bench-201 (NATS-Bench topology space), 200-epoch schedule';

/** The benchmark's columns for supernets trained on a dataset: test accuracy, params, name. */
export interface Nb201TruthColumns {
  column: string;
  params: string;
  name: string;
}

/** The training datasets NAS-Bench-201 has ground truth for (cifar10-subset: via CIFAR-10). */
export const NB201_TRUTH_COLUMNS: Readonly<Record<string, Nb201TruthColumns>> = {
  cifar10: { column: 'cifar10_test', params: 'params', name: 'CIFAR-10' },
  'cifar10-subset': { column: 'cifar10_test', params: 'params', name: 'CIFAR-10' },
  cifar100: { column: 'cifar100_test', params: 'params_cifar100', name: 'CIFAR-100' },
};

export interface Nb201TableOptions {
  /** Folder holding the tables (default kernels-data/nb201 of the package). */
  dir?: string;
}

function readFileNamed(file: string): Buffer {
  try {
    return fs.readFileSync(file);
  } catch (err) {
    throw new Error(`cannot read NAS-Bench-201 table ${file}: ${(err as Error).message}`);
  }
}

/** Text of the ground-truth CSV (decompressed). */
export function readNb201GroundTruthCsv(options: Nb201TableOptions = {}): string {
  const file = path.join(options.dir ?? NB201_DATA_DIR, NB201_GROUND_TRUTH_FILE);
  try {
    return zlib.gunzipSync(readFileNamed(file)).toString('utf8');
  } catch (err) {
    throw new Error(`corrupt NAS-Bench-201 table ${file}: ${(err as Error).message}`);
  }
}

/** Text of the NASLib subset CSV. */
export function readNb201SubsetCsv(options: Nb201TableOptions = {}): string {
  return readFileNamed(path.join(options.dir ?? NB201_DATA_DIR, NB201_SUBSET_FILE)).toString(
    'utf8',
  );
}

type ColumnKind = 'int' | 'number' | 'string' | 'boolean';

function parseCsvColumns(
  text: string,
  columns: readonly string[],
  kinds: Record<string, ColumnKind>,
  file: string,
): Record<string, unknown[]> {
  const lines = text.replace(/\r\n/g, '\n').trimEnd().split('\n');
  if (lines[0] !== columns.join(',')) {
    throw new Error(
      `${file}: header ${JSON.stringify(lines[0])}, expected ${JSON.stringify(columns.join(','))}`,
    );
  }
  const out: Record<string, unknown[]> = {};
  for (const c of columns) out[c] = new Array(lines.length - 1);
  for (let i = 1; i < lines.length; i++) {
    const f = lines[i].split(',');
    if (f.length !== columns.length) {
      throw new Error(`${file} line ${i + 1}: expected ${columns.length} fields, got ${f.length}`);
    }
    columns.forEach((c, k) => {
      const kind = kinds[c] ?? 'string';
      const s = f[k];
      let v: unknown = s;
      if (kind === 'int' || kind === 'number') {
        const n = Number(s);
        if (s === '' || !Number.isFinite(n) || (kind === 'int' && !Number.isInteger(n))) {
          throw new Error(
            `${file} line ${i + 1}: column ${c} is not a number: ${JSON.stringify(s)}`,
          );
        }
        v = n;
      } else if (kind === 'boolean') {
        if (s !== 'true' && s !== 'false') {
          throw new Error(
            `${file} line ${i + 1}: column ${c} is not true/false: ${JSON.stringify(s)}`,
          );
        }
        v = s === 'true';
      }
      out[c][i - 1] = v;
    });
  }
  return out;
}

const cache = new Map<string, ColumnTable>();

/** The table of `file`, parsed once per process, carrying its file as benchmark provenance. */
function cachedTable(
  file: string,
  version: string,
  parse: () => Record<string, unknown[]>,
): ColumnTable {
  const key = path.resolve(file);
  const hit = cache.get(key);
  if (hit) return hit;
  const sha256 = crypto.createHash('sha256').update(readFileNamed(file)).digest('hex');
  const table = withSources(aq.table(parse()), [
    { kind: 'benchmark', path: displayPath(file), version, sha256 },
  ]);
  cache.set(key, table);
  return table;
}

/**
 * All 15625 NAS-Bench-201 cells, one row each in benchmark index order, as an arquero table:
 * index, arch (benchmark string), unique (benchmark isomorphism key), valid, cifar10_test,
 * cifar100_test, imagenet16_test (mean test accuracy in %, 200 epochs), params and flops
 * (CIFAR-10 skeleton), params_cifar100, flops_cifar100, params_imagenet16, flops_imagenet16.
 * The table carries its provenance (see analysis `provenanceOf`).
 */
export function loadNb201GroundTruth(options: Nb201TableOptions = {}): ColumnTable {
  const file = path.join(options.dir ?? NB201_DATA_DIR, NB201_GROUND_TRUTH_FILE);
  return cachedTable(file, VERSION, () => {
    const kinds: Record<string, ColumnKind> = {
      arch: 'string',
      unique: 'string',
      valid: 'boolean',
    };
    for (const c of NB201_GROUND_TRUTH_COLUMNS) {
      if (!(c in kinds))
        kinds[c] =
          c === 'index' || c.startsWith('params') || c.startsWith('flops') ? 'int' : 'number';
    }
    const csv = readNb201GroundTruthCsv(options);
    const cols = parseCsvColumns(csv, NB201_GROUND_TRUTH_COLUMNS, kinds, file);
    if (cols.index.length !== NB201_SIZE) {
      throw new Error(`${file}: expected ${NB201_SIZE} rows, got ${cols.index.length}`);
    }
    return cols;
  });
}

/**
 * NASLib's subset with validation accuracy (about 725 cells per dataset): dataset (cifar10 |
 * cifar100 | imagenet16), index, arch, val_accuracy (%), params_m and flops_m (NASLib's published
 * numbers, millions; they equal nb201Cost for the dataset's skeleton).
 */
export function loadNb201Subset(options: Nb201TableOptions = {}): ColumnTable {
  const file = path.join(options.dir ?? NB201_DATA_DIR, NB201_SUBSET_FILE);
  const version = 'NASLib zc_nasbench201.json (NAS-Bench-201 validation accuracy)';
  return cachedTable(file, version, () =>
    parseCsvColumns(
      readNb201SubsetCsv(options),
      NB201_SUBSET_COLUMNS,
      { index: 'int', val_accuracy: 'number', params_m: 'number', flops_m: 'number' },
      file,
    ),
  );
}

let ordinalToIndex: Int32Array | null = null;
let indexToOrdinal: Int32Array | null = null;

function indexMaps(): { o2i: Int32Array; i2o: Int32Array } {
  if (!ordinalToIndex || !indexToOrdinal) {
    const t = loadNb201GroundTruth();
    const archs = t.array('arch') as ArrayLike<string>;
    const o2i = new Int32Array(NB201_SIZE).fill(-1);
    const i2o = new Int32Array(NB201_SIZE);
    for (let i = 0; i < archs.length; i++) {
      const o = nb201Ordinal(parseNb201(archs[i]));
      o2i[o] = i;
      i2o[i] = o;
    }
    ordinalToIndex = o2i;
    indexToOrdinal = i2o;
  }
  return { o2i: ordinalToIndex, i2o: indexToOrdinal };
}

/** The benchmark's own index of an architecture (row of its tables, 0..15624). */
export function nb201BenchmarkIndex(arch: Nb201Arch | string): number {
  const a = typeof arch === 'string' ? parseNb201(arch) : arch;
  return indexMaps().o2i[nb201Ordinal(a)];
}

/** The architecture at a benchmark index. */
export function nb201ArchAtBenchmarkIndex(index: number): Nb201Arch {
  if (!Number.isInteger(index) || index < 0 || index >= NB201_SIZE) {
    throw new Error(
      `NAS-Bench-201 index must be an integer in [0, ${NB201_SIZE - 1}], got ${index}`,
    );
  }
  return nb201FromOrdinal(indexMaps().i2o[index]);
}

/** Benchmark string of the architecture at a benchmark index. */
export function nb201ArchStringAtBenchmarkIndex(index: number): string {
  return formatNb201(nb201ArchAtBenchmarkIndex(index));
}
