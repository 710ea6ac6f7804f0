import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import { initEngine } from '../../src/engine';
import {
  benchmarkTopOps,
  benchmarkTruth,
  prunedSubspace,
  randomSubspace,
  readSpaceFile,
  sampleFrom,
  trainSubspaceSupernet,
  validCells,
} from '../../src/experiments';
import { loadNb201GroundTruth } from '../../src/groundtruth';
import { formatNb201 } from '../../src/spaces';
import { createSupernet } from '../../src/supernet';
import { createProgress, readCheckpoint, readJson, type TrainingData } from '../../src/train';
import { imageRunData, trainRun } from '../../src/train/pipeline';
import type { RunConfigInput } from '../../src/runs/config';
import { spaceBinding } from '../../src/supernet/registry';
import { fakeImages as fakeDataset } from '../supernet/smoke-data';

before(async () => {
  await initEngine('cpu');
});

const root = path.join(__dirname, '..', '..');

/** The benchmark table read straight from the committed file (independent of src/groundtruth). */
function rawTable(): { arch: string; valid: boolean; cifar10: number }[] {
  const text = zlib
    .gunzipSync(fs.readFileSync(path.join(root, 'kernels-data', 'nb201', 'ground-truth.csv.gz')))
    .toString('utf8')
    .trim()
    .split('\n');
  const head = text[0].split(',');
  const a = head.indexOf('arch');
  const v = head.indexOf('valid');
  const c = head.indexOf('cifar10_test');
  return text.slice(1).map((l) => {
    const f = l.split(',');
    return { arch: f[a], valid: f[v] === 'true', cifar10: Number(f[c]) };
  });
}

test('random subspaces: round(15284/factor) distinct valid cells, seeded, factor 1 = all', () => {
  const all = validCells().map((a) => formatNb201(a));
  assert.equal(all.length, 15284);
  const valid = new Set(
    rawTable()
      .filter((r) => r.valid)
      .map((r) => r.arch),
  );
  assert.equal(valid.size, 15284);
  assert.ok(
    all.every((a) => valid.has(a)),
    'validCells are the benchmark valid cells',
  );
  for (const [factor, size] of [
    [1, 15284],
    [8, 1911],
    [64, 239],
    [15284, 1],
  ] as const) {
    const sub = randomSubspace(factor, 3).map((a) => formatNb201(a));
    assert.equal(sub.length, size, `factor ${factor}`);
    assert.equal(new Set(sub).size, size, 'distinct');
    assert.ok(sub.every((a) => valid.has(a)));
  }
  assert.deepEqual(randomSubspace(1, 9).map(formatNb201), all, 'factor 1 keeps the ordinal order');
  const a = randomSubspace(64, 1).map(formatNb201);
  assert.deepEqual(randomSubspace(64, 1).map(formatNb201), a, 'same seed, same subspace');
  assert.notDeepEqual(randomSubspace(64, 2).map(formatNb201), a, 'another seed, another subspace');
  assert.throws(() => randomSubspace(0.5, 0), /factor must be a number >= 1, got 0.5/);
});

test('pruned subspaces keep the best cells by the ground-truth column', () => {
  const rows = rawTable().filter((r) => r.valid);
  const byTruth = [...rows].sort((x, y) => y.cifar10 - x.cifar10);
  const table = loadNb201GroundTruth();
  for (const factor of [8, 128]) {
    const pruned = prunedSubspace(table, 'cifar10_test', factor).map(formatNb201);
    const n = Math.round(15284 / factor);
    assert.equal(pruned.length, n);
    const cut = byTruth[n - 1].cifar10;
    const above = new Set(byTruth.filter((r) => r.cifar10 > cut).map((r) => r.arch));
    assert.ok(
      [...above].every((a) => pruned.includes(a)),
      'every cell strictly above the cut',
    );
    const truth = new Map(rows.map((r) => [r.arch, r.cifar10]));
    assert.ok(
      pruned.every((a) => truth.get(a)! >= cut),
      'nothing below the cut',
    );
    assert.equal(truth.get(pruned[0]), byTruth[0].cifar10, 'best first');
  }
  assert.throws(() => prunedSubspace(table, 'no_such_column', 2), /no_such_column/);
});

test('sampleFrom: all cells when there are few, else a seeded distinct sample', () => {
  const cells = randomSubspace(64, 0);
  assert.deepEqual(sampleFrom(cells, 1000, 'x'), cells);
  const s = sampleFrom(cells, 10, 'x').map(formatNb201);
  assert.equal(new Set(s).size, 10);
  assert.deepEqual(sampleFrom(cells, 10, 'x').map(formatNb201), s);
  const pool = new Set(cells.map(formatNb201));
  assert.ok(s.every((a) => pool.has(a)));
});

const data: TrainingData = {
  train: fakeDataset(48, 1),
  valid: fakeDataset(24, 2),
  test: fakeDataset(24, 3),
  inputChannels: 1,
  classes: 3,
  imageSize: 8,
};

/** A schema-2 NB-201 supernet config (the smoke preset with C=3, N=1). */
function config(epochs: number): RunConfigInput {
  const preset = spaceBinding('nb201').preset('smoke');
  return {
    ...preset.supernet,
    epochs,
    batchSize: 16,
    checkpointEpochs: [epochs],
    kind: 'supernet',
    space: 'nb201',
    dataset: 'fashion-mnist',
    scale: 'smoke',
    skeleton: { space: 'nb201', net: { channels: 3, cellsPerStage: 1 } },
    data: preset.data,
    seed: 5,
    sampler: 'uniform',
    engine: 'cpu',
  };
}

const silent = createProgress({ silent: true });

test('factor 1 of the random reduction trains exactly what a uniform SPOS run (trainRun) trains', async () => {
  const a = fs.mkdtempSync(path.join(os.tmpdir(), 'subspace-a-'));
  const b = fs.mkdtempSync(path.join(os.tmpdir(), 'subspace-b-'));
  try {
    await trainRun({ runDir: a, config: config(2), data: imageRunData(data), progress: silent });
    await trainSubspaceSupernet({
      runDir: b,
      config: { ...config(2), spaceReduction: 'random', spaceFactor: 1, spaceSeed: 0 },
      subspace: { reduction: 'random', factor: 1, seed: 0 },
      data,
      progress: silent,
    });
    const binA = fs.readFileSync(path.join(a, 'checkpoints', 'epoch-0002', 'tensors.bin'));
    const binB = fs.readFileSync(path.join(b, 'checkpoints', 'epoch-0002', 'tensors.bin'));
    assert.ok(binA.equals(binB), 'weights, BN statistics and momentum are bit-identical');
    const cfg = readJson<Record<string, unknown>>(path.join(b, 'config.json'));
    assert.equal(cfg['spaceFactor'], 1);
    assert.equal(cfg['spaceSize'], 15284);
    assert.equal(readSpaceFile(b).length, 15284);
  } finally {
    fs.rmSync(a, { recursive: true, force: true });
    fs.rmSync(b, { recursive: true, force: true });
  }
});

test('a one-cell space only trains the ops on that cell, and a finished run is left alone', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'subspace-one-'));
  try {
    const cell = randomSubspace(15284, 4);
    assert.equal(cell.length, 1);
    const cfg = { ...config(1), spaceReduction: 'random', spaceFactor: 15284, spaceSeed: 4 };
    const spec = { reduction: 'random' as const, factor: 15284, seed: 4 };
    await trainSubspaceSupernet({
      runDir: dir,
      config: cfg,
      subspace: spec,
      data,
      progress: silent,
    });
    const { tensors } = readCheckpoint(dir, 1);
    const fresh = createSupernet(
      { channels: 3, cellsPerStage: 1, inputChannels: 1, classes: 3 },
      { seed: 5 },
    );
    try {
      const onPath = new Set(fresh.pathNames(cell[0]).trainable);
      let changedOff = 0;
      let changedOn = 0;
      for (const [name, v] of fresh.variables.trainable) {
        const init = v.dataSync();
        const saved = tensors.get(`param/${name}`)!.data;
        const same = init.every((x, i) => x === saved[i]);
        if (!same && onPath.has(name)) changedOn++;
        if (!same && !onPath.has(name)) changedOff++;
      }
      assert.equal(changedOff, 0, 'weights off the only cell never change');
      assert.ok(changedOn > 0, 'weights on the cell were trained');
    } finally {
      fresh.dispose();
    }
    const before = fs.statSync(path.join(dir, 'checkpoints', 'epoch-0001', 'tensors.bin')).mtimeMs;
    await trainSubspaceSupernet({
      runDir: dir,
      config: cfg,
      subspace: spec,
      data,
      progress: silent,
    });
    const after = fs.statSync(path.join(dir, 'checkpoints', 'epoch-0001', 'tensors.bin')).mtimeMs;
    assert.equal(after, before, 'a complete run is not trained again');
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('benchmark top ops: the op on edge 0-3 among the best 1% of valid cells, from the raw table', () => {
  const rows = rawTable().filter((r) => r.valid);
  rows.sort((x, y) => y.cifar10 - x.cifar10);
  const n = Math.round(rows.length * 0.01);
  const counts = new Map<string, number>();
  for (const r of rows.slice(0, n)) {
    // '|a~0|+|b~0|c~1|+|d~0|e~1|f~2|': edge 0-3 is the first op of the third node.
    const op = r.arch.split('+')[2].split('|')[1].split('~')[0];
    counts.set(op, (counts.get(op) ?? 0) + 1);
  }
  const top = benchmarkTopOps(benchmarkTruth('cifar10'), '0-3', 0.01);
  assert.equal(top.cells, n);
  assert.deepEqual(
    Object.fromEntries(top.ops.map((o) => [o.op, o.count])),
    Object.fromEntries(counts),
  );
  assert.equal(top.ops[0].op, 'skip_connect', 'the seed: the best cells skip from input to output');
  assert.throws(
    () => benchmarkTopOps(benchmarkTruth('cifar10'), '0-4', 0.01),
    /no NB-201 edge '0-4'/,
  );
});
