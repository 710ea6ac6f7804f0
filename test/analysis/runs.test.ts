import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { alignRuns, joinWithGroundTruth, loadRunFolder, readCsvTable } from '../../src/analysis';

function makeRun(root: string, name: string, scores: string, gt?: string): string {
  const dir = path.join(root, name);
  fs.mkdirSync(path.join(dir, 'scores'), { recursive: true });
  fs.writeFileSync(
    path.join(dir, 'config.json'),
    JSON.stringify({ kind: 'supernet', space: 'nb201', dataset: 'cifar10', seed: 1 }),
  );
  fs.writeFileSync(
    path.join(dir, 'log.jsonl'),
    '{"epoch":1,"loss":2.1,"accuracy":20}\n{"epoch":2,"loss":1.9,"accuracy":30}\n{"epo',
  );
  fs.writeFileSync(path.join(dir, 'scores', 'epoch-0002.csv'), scores);
  fs.writeFileSync(path.join(dir, 'scores', 'epoch-0001.csv'), scores);
  if (gt) fs.writeFileSync(path.join(dir, 'groundtruth.csv'), gt);
  return dir;
}

test('run folders load with provenance; joins and alignment give clear errors', () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'analysis-runs-'));
  try {
    const a = loadRunFolder(
      makeRun(
        root,
        'run-a',
        'arch,accuracy,loss\nA,50,1\nB,60,1\nC,55,1\n',
        'arch,val_accuracy,test_accuracy,params,flops,epochs,seconds\nA,80,79,1,1,1,1\nB,90,89,1,1,1,1\nC,85,84,1,1,1,1\n',
      ),
    );
    assert.equal(a.name, 'run-a');
    assert.equal(a.log.length, 2); // torn last line skipped
    assert.deepEqual(
      a.scores.map((s) => s.epoch),
      [1, 2],
    );
    const joined = joinWithGroundTruth(a.scores[1].table, a.groundTruth!);
    assert.deepEqual(joined.array('val_accuracy'), [80, 90, 85]);
    const gtOnly = readCsvTable(path.join(a.dir, 'groundtruth.csv'));
    assert.ok(gtOnly.numRows() === 3);

    const b = loadRunFolder(makeRun(root, 'run-b', 'arch,accuracy,loss\nA,40,1\nD,61,1\nC,52,1\n'));
    assert.throws(
      () => joinWithGroundTruth(b.scores[0].table, a.groundTruth!),
      /1 of 3 architectures in run-b\/scores\/epoch-0001.csv have no ground truth in run-a\/groundtruth.csv: 'D'/,
    );
    assert.equal(
      joinWithGroundTruth(b.scores[0].table, a.groundTruth!, { onMissing: 'drop' }).numRows(),
      2,
    );
    assert.throws(
      () =>
        alignRuns([
          { label: 'a', table: a.scores[0].table, column: 'accuracy' },
          { label: 'b', table: b.scores[0].table, column: 'accuracy' },
        ]),
      /runs 'a' and 'b' scored different architectures: 1 only in 'a' \('B'\), 1 only in 'b' \('D'\)/,
    );
    const common = alignRuns(
      [
        { label: 'a', table: a.scores[0].table, column: 'accuracy' },
        { label: 'b', table: b.scores[0].table, column: 'accuracy' },
      ],
      { mode: 'intersect' },
    );
    assert.deepEqual(common.array('arch'), ['A', 'C']);
    assert.deepEqual(common.array('b'), [40, 52]);

    fs.writeFileSync(path.join(root, 'run-b', 'scores', 'epoch-0003.csv'), 'arch,acc\nA,1\n');
    assert.throws(() => loadRunFolder(path.join(root, 'run-b')), /no column 'accuracy'/);
    assert.throws(() => loadRunFolder(path.join(root, 'nope')), /does not exist/);
    fs.mkdirSync(path.join(root, 'empty'));
    assert.throws(() => loadRunFolder(path.join(root, 'empty')), /has no config.json/);
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
});
