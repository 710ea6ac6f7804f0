import * as fs from 'node:fs';
import * as path from 'node:path';

export const repoRoot = path.join(__dirname, '..', '..');
export const sharedData = path.join(repoRoot, '..', 'shared', 'data');
export const nb201Csv = path.join(sharedData, 'nas-bench-201', 'test-accuracy-200-epochs.csv');
export const naslibJson = path.join(sharedData, 'nas-bench-201', 'naslib-zc-subset.json');

/** Skip reason when the shared reference data is absent (tests then pin committed copies). */
export function missing(file: string): string | false {
  return fs.existsSync(file) ? false : `reference file not present: ${file}`;
}

/** Test-only seeded generator (mulberry32). */
export function testRng(seed: number): { next(): number } {
  let a = seed >>> 0;
  return {
    next() {
      a = (a + 0x6d2b79f5) >>> 0;
      let t = a;
      t = Math.imul(t ^ (t >>> 15), t | 1);
      t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    },
  };
}

/** Rows of the shared benchmark CSV: [c10, c100, in16, arch, unique]. */
export function readBenchmarkRows(): string[][] {
  const lines = fs.readFileSync(nb201Csv, 'utf8').trim().split(/\r?\n/);
  return lines.slice(1).map((l) => l.split(','));
}
