import * as fs from 'node:fs';
import * as path from 'node:path';
import { readTableText, writeTableAtomic } from '../runs/folder';
import type { BenchmarkAccuracies } from './benchmark';

/** One line of arch.jsonl: the architecture after an epoch (epoch 0 = the start). */
export interface ArchRecord {
  epoch: number;
  weights: number[][];
  entropy: number;
  derived: string;
  params: number[][];
  benchmark: BenchmarkAccuracies | null;
}

export function archPath(runDir: string): string {
  return path.join(runDir, 'arch.jsonl');
}

/** arch.jsonl of a search run folder ([] when absent). */
export function readArchRecords(runDir: string): ArchRecord[] {
  const file = archPath(runDir);
  if (!fs.existsSync(file)) return [];
  return readTableText(file)
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l, i) => {
      try {
        return JSON.parse(l) as ArchRecord;
      } catch {
        throw new Error(`${file}:${i + 1} is not valid JSON`);
      }
    });
}

export function writeArchRecords(runDir: string, records: readonly ArchRecord[]): void {
  writeTableAtomic(archPath(runDir), records.map((r) => JSON.stringify(r) + '\n').join(''));
}
