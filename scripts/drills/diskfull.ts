/**
 * Disk full while writing, on a size-limited tmpfs (mounting needs root; without it the drill
 * is skipped with the reason): a table rewrite and a checkpoint that do not fit fail with ENOSPC
 * and leave the previous table / checkpoint verifying and no temp files behind; `train` into a
 * folder that fills up fails with a clear error, keeps only checkpoints that verify, and once
 * space is back the same command completes bit-identical to an uninterrupted run.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  latestCheckpoint,
  latestVerifiedCheckpoint,
  listCheckpoints,
  readTableText,
  verifyCheckpoint,
  writeCheckpoint,
  writeTableAtomic,
} from '../../src/runs/folder';
import {
  clearError,
  newResult,
  runCli,
  skipped,
  tail,
  tempDir,
  timed,
  type DrillResult,
} from './common';
import type { DrillFixtures } from './fixtures';
import { trainArtefacts } from './kill';

function mount(dir: string, size: string, remount = false): string | null {
  const args = remount
    ? ['-o', `remount,size=${size}`, dir]
    : ['-t', 'tmpfs', '-o', `size=${size}`, 'tmpfs', dir];
  const r = spawnSync('mount', args, { encoding: 'utf8' });
  return r.status === 0 ? null : (r.stderr || r.error?.message || `mount exit ${r.status}`).trim();
}

/** Whether `fn` throws ENOSPC (anything else is rethrown; no error is false). */
function failsNoSpace(fn: () => void): boolean {
  try {
    fn();
    return false;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOSPC') return true;
    throw err;
  }
}

/** Files whose names mark an unfinished atomic write. */
const leftovers = (dir: string) =>
  fs
    .readdirSync(dir, { recursive: true })
    .map(String)
    .filter((f) => /\.tmp-/.test(f));

export async function diskFullDrill(fx: DrillFixtures): Promise<DrillResult> {
  const name = 'disk full while writing (tmpfs)';
  if (process.getuid?.() !== 0) return skipped('disk-full', name, 'needs root to mount a tmpfs');
  const dir = tempDir('diskfull');
  const refused = mount(dir, '256k');
  if (refused) return skipped('disk-full', name, `mount -t tmpfs failed: ${refused}`);
  const result = newResult('disk-full', name);
  try {
    await timed(result, async () => {
      const check = (what: string, ok: boolean, note: string) => {
        result.tried++;
        if (ok) result.ok++;
        else result.notes.push(`${what}: ${note}`);
      };
      const table = path.join(dir, 'table.csv');
      const old = 'arch,accuracy,loss\na,1,2\n';
      writeTableAtomic(table, old);
      const full = failsNoSpace(() => writeTableAtomic(table, 'x'.repeat(400 * 1024)));
      check(
        'table rewrite',
        full && readTableText(table) === old && leftovers(dir).length === 0,
        full
          ? `previous table or temp files not intact: ${leftovers(dir).join(', ')}`
          : 'no ENOSPC',
      );

      const run = path.join(dir, 'run');
      const small = [{ name: 'w', shape: [1000], data: new Float32Array(1000).fill(1) }];
      writeCheckpoint(run, 1, small, { step: 1 });
      const big = [{ name: 'w', shape: [100_000], data: new Float32Array(100_000).fill(2) }];
      const ckFull = failsNoSpace(() => writeCheckpoint(run, 2, big, { step: 2 }));
      let verifies = true;
      try {
        verifyCheckpoint(run, 1);
      } catch {
        verifies = false;
      }
      check(
        'checkpoint write',
        ckFull && verifies && latestCheckpoint(run) === 1 && leftovers(dir).length === 0,
        ckFull
          ? `checkpoint 1 verifies: ${verifies}, latest ${latestCheckpoint(run)}, left: ${leftovers(dir).join(', ')}`
          : 'no ENOSPC',
      );
      fs.rmSync(run, { recursive: true, force: true });
      fs.rmSync(table, { force: true });
      fs.rmSync(`${table}.sha256`, { force: true });

      // train into a folder with room for about one checkpoint
      const trained = await fx.trainedRun();
      const ck = fs.statSync(
        path.join(trained.dir, 'checkpoints', 'epoch-0003', 'tensors.bin'),
      ).size;
      const sizeKb = Math.ceil((ck * 1.6 + 64 * 1024) / 1024);
      const resized = mount(dir, `${sizeKb}k`, true);
      if (resized) {
        result.notes.push(`train on a full disk not tried: remount failed: ${resized}`);
        return;
      }
      const out = path.join(dir, 'train');
      const first = await runCli(trained.args(out));
      const skips: string[] = [];
      const verified = fs.existsSync(out)
        ? latestVerifiedCheckpoint(out, (m) => skips.push(m))
        : null;
      check(
        'train on a full disk',
        first.code === 1 &&
          clearError(first) &&
          /ENOSPC|no space/i.test(first.stderr) &&
          skips.length === 0 &&
          leftovers(dir).length === 0,
        `exit ${first.code}, newest verifying checkpoint ${verified}, skipped ${skips.length}, left ${leftovers(dir).join(', ')}: ${tail(first.stderr)}`,
      );
      const back = mount(dir, '64m', true);
      if (back) {
        result.notes.push(`resume after the disk full not tried: remount failed: ${back}`);
        return;
      }
      const again = await runCli(trained.args(out));
      const same = again.code === 0 && trainArtefacts(out) === trainArtefacts(trained.dir);
      if (again.code === 0 && !same) result.silentWrong++;
      if (again.code !== 0) result.lost++;
      check(
        'resume once space is back',
        same,
        `exit ${again.code}, checkpoints ${listCheckpoints(out).join(',')}: ${tail(again.stderr)}`,
      );
    });
  } finally {
    spawnSync('umount', [dir]);
    fs.rmSync(dir, { recursive: true, force: true });
  }
  return result;
}
