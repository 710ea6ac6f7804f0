import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

export const repoRoot = path.join(__dirname, '..', '..');
export const sharedData = path.join(repoRoot, '..', 'shared', 'data');
export const cifarSubset = path.join(
  sharedData,
  'cifar-10-subset',
  'cifar-10-binary-subset.tar.gz',
);
export const ptbDir = path.join(sharedData, 'ptb');
export const fmnistDir = '/usr/share/datasets/fashion-mnist';

export function missing(p: string): string | false {
  return fs.existsSync(p) ? false : `not present: ${p}`;
}

/** A python3 with numpy (the independent oracle), or undefined. */
export const numpyPython = ['python3', '/usr/bin/python3'].find(
  (py) => spawnSync(py, ['-c', 'import numpy'], { encoding: 'utf8' }).status === 0,
);

/** Runs a python snippet and parses its JSON stdout. */
export function py<T>(code: string, input = ''): T {
  const r = spawnSync(numpyPython as string, ['-c', code], {
    input,
    encoding: 'utf8',
    maxBuffer: 1 << 26,
  });
  if (r.status !== 0) throw new Error(`python failed: ${r.stderr}`);
  return JSON.parse(r.stdout) as T;
}

export function tmpDir(prefix: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), `supernet-lab-${prefix}-`));
}
