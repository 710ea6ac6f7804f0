/**
 * Regenerates kernels-data/nb201/ from the published reference files.
 * Usage: npx tsx scripts/nb201-groundtruth.ts [SOURCE_DIR] [OUT_DIR]
 *   SOURCE_DIR defaults to ../shared/data/nas-bench-201 (relative to the repository root),
 *   OUT_DIR to kernels-data/nb201. Files are written atomically (temp file + rename).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import {
  buildNb201GroundTruthCsv,
  buildNb201SubsetCsv,
  indexOfArchFromGroundTruthCsv,
  NB201_GROUND_TRUTH_FILE,
  NB201_SUBSET_FILE,
} from '../src/groundtruth';

const root = path.join(__dirname, '..');
const sourceDir = path.resolve(
  process.argv[2] ?? path.join(root, '..', 'shared', 'data', 'nas-bench-201'),
);
const outDir = path.resolve(process.argv[3] ?? path.join(root, 'kernels-data', 'nb201'));

function writeAtomic(file: string, data: Buffer | string): void {
  const tmp = path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.tmp`);
  fs.writeFileSync(tmp, data);
  fs.renameSync(tmp, file);
}

const csvFile = path.join(sourceDir, 'test-accuracy-200-epochs.csv');
const jsonFile = path.join(sourceDir, 'naslib-zc-subset.json');
const gt = buildNb201GroundTruthCsv(fs.readFileSync(csvFile, 'utf8'), csvFile);
const subset = buildNb201SubsetCsv(
  fs.readFileSync(jsonFile, 'utf8'),
  indexOfArchFromGroundTruthCsv(gt),
  jsonFile,
);
fs.mkdirSync(outDir, { recursive: true });
writeAtomic(
  path.join(outDir, NB201_GROUND_TRUTH_FILE),
  zlib.gzipSync(Buffer.from(gt), { level: 9 }),
);
writeAtomic(path.join(outDir, NB201_SUBSET_FILE), subset);
console.log(
  `wrote ${path.join(outDir, NB201_GROUND_TRUTH_FILE)} (${gt.split('\n').length - 2} rows) and ` +
    `${path.join(outDir, NB201_SUBSET_FILE)} (${subset.split('\n').length - 2} rows)`,
);
