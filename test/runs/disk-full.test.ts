/**
 * Writes onto a full disk (a 128 KiB tmpfs; mounting needs root, the test is skipped with the
 * reason otherwise): an atomic table rewrite and a checkpoint that do not fit throw ENOSPC and
 * leave the previous table / checkpoint as they were, with no temp files behind. (fs.writeSync
 * writes short on a filling disk: a single call renamed a truncated file into place.)
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  latestCheckpoint,
  readTableText,
  verifyCheckpoint,
  writeCheckpoint,
  writeTableAtomic,
} from '../../src/runs/folder';

function mountTmpfs(): { dir: string; unmount: () => void } | string {
  if (process.getuid?.() !== 0) return 'needs root to mount a tmpfs';
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'disk-full-'));
  const r = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=128k', 'tmpfs', dir], {
    encoding: 'utf8',
  });
  if (r.status !== 0) {
    fs.rmSync(dir, { recursive: true, force: true });
    return `mount -t tmpfs failed: ${(r.stderr || String(r.error)).trim()}`;
  }
  return {
    dir,
    unmount: () => {
      spawnSync('umount', [dir]);
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

const mounted = mountTmpfs();

test(
  'a full disk: ENOSPC, the previous table and checkpoint intact, no temp files',
  { skip: typeof mounted === 'string' ? mounted : false },
  () => {
    if (typeof mounted === 'string') return;
    try {
      const { dir } = mounted;
      const table = path.join(dir, 'scores.csv');
      const old = 'arch,accuracy,loss\na,50,1\n';
      writeTableAtomic(table, old);
      assert.throws(() => writeTableAtomic(table, 'x'.repeat(300 * 1024)), { code: 'ENOSPC' });
      assert.equal(readTableText(table), old);
      writeTableAtomic(table, old); // room again: the failed write left nothing behind
      assert.deepEqual(fs.readdirSync(dir).sort(), ['scores.csv', 'scores.csv.sha256']);

      const run = path.join(dir, 'run');
      writeCheckpoint(
        run,
        1,
        [{ name: 'w', shape: [256], data: new Float32Array(256).fill(1) }],
        {},
      );
      const big = [{ name: 'w', shape: [80_000], data: new Float32Array(80_000).fill(2) }];
      assert.throws(() => writeCheckpoint(run, 2, big, {}), { code: 'ENOSPC' });
      verifyCheckpoint(run, 1);
      assert.equal(latestCheckpoint(run), 1);
      assert.deepEqual(fs.readdirSync(path.join(run, 'checkpoints')).sort(), [
        'epoch-0001',
        'latest.json',
      ]);
    } finally {
      mounted.unmount();
    }
  },
);
