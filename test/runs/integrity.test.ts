import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { readCsvTable } from '../../src/analysis/runs';
import { CorruptFileError } from '../../src/errors';
import { sha256Hex } from '../../src/runs/integrity';
import {
  appendLog,
  checkpointName,
  checkpointsDir,
  groundTruthPath,
  latestCheckpoint,
  latestVerifiedCheckpoint,
  logPath,
  readCheckpoint,
  readLog,
  readGroundTruth,
  readScores,
  writeCheckpoint,
  writeGroundTruth,
  writeScores,
  type GroundTruthRow,
} from '../../src/runs/folder';

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'integrity-'));
after(() => fs.rmSync(root, { recursive: true, force: true }));
let runs = 0;
function tempRun(): string {
  return path.join(root, `run-${runs++}`);
}

function checkpoint(runDir: string, epoch: number): string {
  const data = Float32Array.from({ length: 64 }, (_, i) => Math.sin(i + epoch));
  writeCheckpoint(runDir, epoch, [{ name: 'w', shape: [8, 8], data }], { step: epoch * 10 });
  return path.join(checkpointsDir(runDir), checkpointName(epoch));
}

function corruptMessage(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof CorruptFileError, `expected CorruptFileError, got ${String(err)}`);
    return err.message;
  }
  assert.fail('expected a CorruptFileError');
}

test('a checkpoint manifest records the sha256 and length of tensors.bin; it reads back', () => {
  const run = tempRun();
  const dir = checkpoint(run, 3);
  const bin = fs.readFileSync(path.join(dir, 'tensors.bin'));
  const manifest = JSON.parse(fs.readFileSync(path.join(dir, 'manifest.json'), 'utf8'));
  assert.deepEqual(manifest.tensorsBin, { sha256: sha256Hex(bin), bytes: 256 });
  const { tensors } = readCheckpoint(run, 3);
  assert.equal(tensors.get('w')!.data[5], Math.fround(Math.sin(8)));
});

test('flipped bytes in tensors.bin (same size): readCheckpoint throws naming the file', () => {
  const run = tempRun();
  const dir = checkpoint(run, 1);
  const file = path.join(dir, 'tensors.bin');
  const buf = fs.readFileSync(file);
  buf[17] ^= 0xff;
  buf[100] ^= 0x01;
  fs.writeFileSync(file, buf);
  const message = corruptMessage(() => readCheckpoint(run, 1));
  assert.ok(message.includes(file), message);
  assert.match(message, /corrupt \(checksum mismatch\)/);
  assert.match(message, /delete that folder/);
});

test('truncated tensors.bin: readCheckpoint throws naming the file', () => {
  const run = tempRun();
  const dir = checkpoint(run, 1);
  const file = path.join(dir, 'tensors.bin');
  fs.truncateSync(file, 100);
  const message = corruptMessage(() => readCheckpoint(run, 1));
  assert.ok(message.includes(file), message);
  assert.match(message, /corrupt \(truncated\): it has 100 bytes, its manifest.json records 256/);
});

test('an edited manifest.json fails its own checksum', () => {
  const run = tempRun();
  const dir = checkpoint(run, 2);
  const file = path.join(dir, 'manifest.json');
  fs.writeFileSync(file, fs.readFileSync(file, 'utf8').replace('"step": 20', '"step": 21'));
  const message = corruptMessage(() => readCheckpoint(run, 2));
  assert.ok(message.includes(file), message);
});

test('a checkpoint written before checksums (no tensorsBin, no sidecar) still reads', () => {
  const run = tempRun();
  const dir = checkpoint(run, 4);
  const file = path.join(dir, 'manifest.json');
  const manifest = JSON.parse(fs.readFileSync(file, 'utf8'));
  delete manifest.tensorsBin;
  fs.writeFileSync(file, JSON.stringify(manifest, null, 2) + '\n');
  fs.rmSync(`${file}.sha256`);
  assert.equal(readCheckpoint(run, 4).tensors.get('w')!.data.length, 64);
  fs.truncateSync(path.join(dir, 'tensors.bin'), 252); // the length check still applies
  assert.match(
    corruptMessage(() => readCheckpoint(run, 4)),
    /truncated/,
  );
});

test('latestVerifiedCheckpoint skips a corrupt newest checkpoint and says so', () => {
  const run = tempRun();
  checkpoint(run, 1);
  checkpoint(run, 2);
  const dir3 = checkpoint(run, 3);
  assert.equal(latestVerifiedCheckpoint(run), 3);
  const bin = path.join(dir3, 'tensors.bin');
  const buf = fs.readFileSync(bin);
  buf[0] ^= 0x40;
  fs.writeFileSync(bin, buf);
  const skipped: string[] = [];
  assert.equal(
    latestVerifiedCheckpoint(run, (m) => skipped.push(m)),
    2,
  );
  assert.equal(skipped.length, 1);
  assert.ok(skipped[0].includes(dir3) && skipped[0].includes('checksum mismatch'), skipped[0]);
  assert.equal(latestCheckpoint(run), 3, 'latestCheckpoint keeps trusting latest.json');
  fs.truncateSync(path.join(checkpointsDir(run), checkpointName(2), 'tensors.bin'), 8);
  fs.writeFileSync(path.join(checkpointsDir(run), 'latest.json'), '{"epoch": 3, "pa');
  skipped.length = 0;
  assert.equal(
    latestVerifiedCheckpoint(run, (m) => skipped.push(m)),
    1,
  );
  assert.equal(skipped.length, 3, skipped.join('\n')); // latest.json, epoch 3, epoch 2
  assert.match(skipped[0], /latest\.json is not valid JSON/);
  assert.equal(latestVerifiedCheckpoint(tempRun()), null);
});

test('a tampered scores CSV is rejected by readScores and readCsvTable, naming the file', () => {
  const run = tempRun();
  const file = writeScores(run, 5, [
    { arch: 'a', accuracy: 81.25, loss: 0.5 },
    { arch: 'b', accuracy: 70, loss: 0.75 },
  ]);
  assert.equal(fs.readFileSync(`${file}.sha256`, 'utf8').split('  ')[1], 'epoch-0005.csv\n');
  assert.equal(readScores(file)[0].accuracy, 81.25);
  assert.equal(readCsvTable(file).numRows(), 2);
  fs.writeFileSync(file, fs.readFileSync(file, 'utf8').replace('81.25', '91.25'));
  for (const read of [() => readScores(file), () => readCsvTable(file)]) {
    const message = corruptMessage(read);
    assert.ok(message.includes(file), message);
    assert.match(message, /checksum mismatch.*epoch-0005\.csv\.sha256 records/);
  }
  // rewriting through the run-folder code makes it consistent again
  writeScores(run, 5, [{ arch: 'a', accuracy: 1, loss: 2 }]);
  assert.deepEqual(readScores(file), [{ arch: 'a', accuracy: 1, loss: 2 }]);
});

test('groundtruth.csv: checksum verified; tables without a sidecar (older folders) still read', () => {
  const run = tempRun();
  const file = groundTruthPath(run);
  const row: GroundTruthRow = {
    arch: 'x',
    val_accuracy: 90,
    test_accuracy: 89.5,
    params: 1000,
    flops: 2000,
    epochs: 3,
    seconds: 1.5,
  };
  writeGroundTruth(file, [row]);
  assert.deepEqual(readGroundTruth(file), [row]);
  const sha = spawnSync('sha256sum', ['-c', `${path.basename(file)}.sha256`], { cwd: run });
  if (!sha.error) assert.equal(sha.status, 0, 'the sidecar is in sha256sum -c format');
  fs.appendFileSync(file, 'y,1,1,1,1,1,1\n');
  assert.ok(corruptMessage(() => readGroundTruth(file)).includes(file));
  fs.rmSync(`${file}.sha256`);
  assert.equal(readGroundTruth(file).length, 2, 'no sidecar: accepted unchecked');
  fs.writeFileSync(`${file}.sha256`, 'not a checksum\n');
  assert.match(
    corruptMessage(() => readGroundTruth(file)),
    /is not a sha256 checksum line/,
  );
});

test('log.jsonl carries a checksum: a changed digit is an error naming the file, a torn tail is dropped', () => {
  const dir = tempRun();
  const entry = (epoch: number) => ({
    epoch,
    loss: 2.25 - epoch / 8,
    accuracy: 10 + epoch,
    lr: 0.1,
    imagesPerSecond: 100,
    seconds: 1,
  });
  for (const e of [1, 2, 3]) appendLog(dir, entry(e));
  const file = logPath(dir);
  assert.ok(fs.existsSync(`${file}.sha256`));
  assert.deepEqual(readLog(dir), [entry(1), entry(2), entry(3)]);
  const good = fs.readFileSync(file, 'utf8');
  // An append cut short after the checked content: the complete lines still read.
  fs.appendFileSync(file, '{"epoch": 4, "lo');
  assert.deepEqual(readLog(dir), [entry(1), entry(2), entry(3)]);
  // A loss that changed on disk (still valid JSON) would be a silently wrong curve: refused.
  fs.writeFileSync(file, good.replace('"loss":2', '"loss":3'));
  assert.notEqual(fs.readFileSync(file, 'utf8'), good);
  assert.throws(
    () => readLog(dir),
    (e: unknown) => e instanceof CorruptFileError && e.message.includes(file),
  );
  // A log written before checksums existed (no sidecar) still reads.
  fs.writeFileSync(file, good);
  fs.rmSync(`${file}.sha256`);
  assert.deepEqual(readLog(dir), [entry(1), entry(2), entry(3)]);
});
