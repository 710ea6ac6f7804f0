// Reduced spaces of every space (issue 13): NB-101 reduces its listed 95985 valid cells like
// NB-201 its 15284; ProxylessNAS (too large to list) draws distinct cells with its sampler; a
// pruned NB-101 space ranks by a user's table; a tiny NB-101 subspace supernet trains through
// the pipeline and records the reduction; bad tables and bad jobs get one clear error.
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as aq from 'arquero';
import { initEngine } from '../../src/engine';
import {
  prunedCells,
  randomCells,
  readSpaceFile,
  readTruthTable,
  scoredCells,
  trainSubspaceSupernet,
} from '../../src/experiments/subspace';
import { subspaceCommand } from '../../src/cli/commands/subspace';
import { UsageError } from '../../src/cli/command';
import { nb101FromOrdinal, nb101Ordinal, formatNb101, isValidNb101 } from '../../src/spaces/nb101';
import { formatProxyless, proxylessCount } from '../../src/spaces/proxyless';
import { readCheckpoint, readJson, toCsv, writeTableAtomic } from '../../src/runs/folder';
import type { RunConfigInput } from '../../src/runs/config';
import { spaceBinding } from '../../src/supernet/registry';
import { createProgress, type TrainingData } from '../../src/train';
import { imageRunData, trainRun } from '../../src/train/pipeline';
import { resolveJob, jobArgv, type JobSpec } from '../../src/sweep/spec';
import { fakeImages as fakeDataset } from '../supernet/smoke-data';

before(async () => {
  await initEngine('cpu');
});

/** Valid NB-101 cells of this subspace (5 nodes with 1,1,1,2,2 inputs): 395 wirings x 3^5. */
const NB101_VALID = 395 * 243;

test('random NB-101 subspaces: round(95985/factor) distinct valid cells, seeded, factor 1 = all', () => {
  assert.equal(NB101_VALID, 95985);
  for (const factor of [8, 1000]) {
    const a = randomCells('nb101', factor, 3)!;
    assert.equal(a.length, Math.round(NB101_VALID / factor));
    const keys = a.map((c) => formatNb101(c as never));
    assert.equal(new Set(keys).size, keys.length, 'distinct');
    assert.ok(
      a.every((c) => isValidNb101(c as never)),
      'valid',
    );
    const ords = a.map((c) => nb101Ordinal(c as never));
    assert.deepEqual(
      ords,
      [...ords].sort((x, y) => x - y),
      'in the space order',
    );
    assert.deepEqual(
      randomCells('nb101', factor, 3)!.map((c) => formatNb101(c as never)),
      keys,
    );
    const other = randomCells('nb101', factor, 4)!.map((c) => formatNb101(c as never));
    assert.notDeepEqual(other, keys, 'another seed, another subspace');
  }
  const all = randomCells('nb101', 1, 0)!;
  assert.equal(all.length, NB101_VALID);
  for (const o of [0, 1, 243, 95984]) {
    assert.equal(formatNb101(all[o] as never), formatNb101(nb101FromOrdinal(o)));
  }
});

test('random ProxylessNAS subspaces (too large to list): sampler draws, distinct, seeded; factor 1 = the uniform sampler', () => {
  const total = Number(proxylessCount());
  const factor = total / 50;
  const a = randomCells('proxyless', factor, 1)!;
  assert.equal(a.length, 50);
  const keys = a.map((c) => formatProxyless(c as never));
  assert.equal(new Set(keys).size, 50, 'distinct by canonical string');
  assert.deepEqual(
    randomCells('proxyless', factor, 1)!.map((c) => formatProxyless(c as never)),
    keys,
  );
  assert.notDeepEqual(
    randomCells('proxyless', factor, 2)!.map((c) => formatProxyless(c as never)),
    keys,
  );
  assert.equal(randomCells('proxyless', 1, 0), null, 'the whole space: no pool');
  assert.throws(
    () => randomCells('proxyless', 2, 0),
    /more than the 1000000 .* use a factor of at least/,
  );
  const scored = scoredCells('proxyless', null, 7, 'random', 1, 0);
  assert.equal(new Set(scored.map((c) => formatProxyless(c as never))).size, 7);
});

/** A synthetic NB-101 table: value of ordinal o = (o * 7919) mod N, a permutation of 0..N-1. */
function syntheticTable(drop = 0) {
  const arch: string[] = [];
  const acc: number[] = [];
  for (let o = drop; o < NB101_VALID; o++) {
    arch.push(formatNb101(nb101FromOrdinal(o)));
    acc.push((o * 7919) % NB101_VALID);
  }
  return { arch, acc };
}

test('pruned NB-101 spaces keep the best 1/factor by a user table, best first', () => {
  const t = syntheticTable();
  assert.equal(new Set(t.acc).size, NB101_VALID, 'distinct values');
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'pruned-nb101-'));
  try {
    const file = path.join(tmp, 'truth.csv');
    fs.writeFileSync(
      file,
      toCsv(
        ['arch', 'acc'],
        t.arch.map((a, i) => [a, t.acc[i]]),
      ),
    );
    const table = readTruthTable(file, '--truth-table');
    const got = prunedCells('nb101', table, 'acc', 64).map((c) => nb101Ordinal(c as never));
    for (const factor of [64, 1000]) {
      const n = Math.round(NB101_VALID / factor);
      // Oracle: the ordinals whose value is among the n largest, by value, descending (best
      // first, so 1/1000 is the start of 1/64).
      const expected = t.acc
        .map((v, o) => ({ v, o }))
        .filter((e) => e.v >= NB101_VALID - n)
        .sort((x, y) => y.v - x.v)
        .map((e) => e.o);
      assert.deepEqual(got.slice(0, n), expected);
      if (factor === 64) assert.equal(got.length, n);
    }
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
});

test('a bad ground-truth table gets one clear error naming it', () => {
  const what = '--truth-table t.csv';
  const t = syntheticTable(1);
  const missing = aq.table({ arch: t.arch, acc: t.acc });
  assert.throws(
    () => prunedCells('nb101', missing, 'acc', 8, what),
    /--truth-table t.csv has no finite 'acc' for 1 of the 95985 valid nb101 cells \(first: /,
  );
  assert.throws(
    () => prunedCells('nb101', missing, 'test_accuracy', 8, what),
    /--truth-table t.csv has no column 'test_accuracy' \(columns: arch, acc\)/,
  );
  assert.throws(
    () => prunedCells('nb101', aq.table({ name: ['x'], acc: [1] }), 'acc', 8, what),
    /no column 'arch'/,
  );
  const nb201Rows = aq.table({
    arch: ['|none~0|+|none~0|none~1|+|none~0|none~1|none~2|'],
    acc: [1],
  });
  assert.throws(
    () => prunedCells('nb101', nb201Rows, 'acc', 8, what),
    /--truth-table t.csv row 1: .* is not a nb101 architecture/,
  );
  assert.throws(
    () => prunedCells('darts', missing, 'acc', 8, what),
    /darts has too many cells to list/,
  );
  assert.throws(
    () => readTruthTable('/nonexistent/t.csv', '--truth-table'),
    /--truth-table \/nonexistent\/t.csv does not exist/,
  );
});

test('subspace command and jobs: a pruned NB-101 space without a table is refused, naming the flag/field', async () => {
  await assert.rejects(
    subspaceCommand.run(
      {
        space: 'nb101',
        scale: 'smoke',
        reduction: 'pruned',
        factor: '8',
        sample: '4',
        repeat: '0',
        out: path.join(os.tmpdir(), 'never-written-subspace'),
      },
      [],
    ),
    (err: Error) => err instanceof UsageError && /give --truth-table FILE/.test(err.message),
  );
  assert.equal(fs.existsSync(path.join(os.tmpdir(), 'never-written-subspace')), false);
  const job = {
    stage: 'subspace',
    space: 'nb101',
    scale: 'paper',
    seed: 0,
    reduction: 'pruned',
    factor: 8,
    repeat: 0,
    sample: 1000,
  };
  assert.throws(
    () => resolveJob(job as JobSpec, 'g'),
    /g: a pruned nb101 space .* give truthTable/,
  );
  assert.throws(
    () => resolveJob({ ...job, truthTable: '../x.csv', truthColumn: 'acc' } as JobSpec, 'g'),
    /truthTable must be a relative path under the storage root/,
  );
  const ok = resolveJob(
    { ...job, truthTable: 'tables/nb101.csv', truthColumn: 'acc' } as JobSpec,
    'g',
  );
  const argv = jobArgv(ok.spec, '/s/runs/x', '/s');
  assert.deepEqual(argv.slice(argv.indexOf('--truth-table'), argv.indexOf('--truth-table') + 4), [
    '--truth-table',
    path.join('/s', 'tables/nb101.csv'),
    '--truth-column',
    'acc',
  ]);
  assert.throws(
    () => resolveJob({ ...job, space: 'darts', reduction: 'random', factor: 8 } as JobSpec, 'g'),
    /1\/8 of darts is .* at most 1000000/,
  );
  // Left out, the space is NB-201 (the jobs of grids written before), with the same id.
  const nb201 = {
    stage: 'subspace',
    scale: 'smoke',
    seed: 0,
    reduction: 'random',
    factor: 8,
    repeat: 1,
    sample: 10,
  };
  assert.equal(
    resolveJob(nb201 as JobSpec, 'g').id,
    resolveJob({ ...nb201, space: 'nb201' } as JobSpec, 'g').id,
  );
  // Ground truth of a subspace job's scored cells: the list subspace scores, clamped to its size.
  const gt = resolveJob(
    {
      stage: 'groundtruth',
      space: 'nb101',
      scale: 'smoke',
      seed: 0,
      sample: 500,
      factor: 1000,
      repeat: 2,
    } as JobSpec,
    'g',
  );
  assert.equal((gt.spec as { sample: number }).sample, 96);
  const gtArgv = jobArgv(gt.spec, '/s/runs/y', '/s');
  assert.ok(gtArgv.join(' ').includes('--reduction random --factor 1000 --repeat 2'));
  assert.throws(
    () => resolveJob({ ...(gt.spec as object), archSeed: 1 } as JobSpec, 'g'),
    /give archSeed .* or factor .*, not both/,
  );
});

const data: TrainingData = {
  train: fakeDataset(32, 1),
  valid: fakeDataset(16, 2),
  test: fakeDataset(16, 3),
  inputChannels: 1,
  classes: 3,
  imageSize: 8,
};

/** A schema-2 NB-101 supernet config (the smoke preset). */
function config(epochs: number): RunConfigInput & Record<string, unknown> {
  const preset = spaceBinding('nb101').preset('smoke');
  return {
    ...preset.supernet,
    epochs,
    batchSize: 16,
    checkpointEpochs: [epochs],
    kind: 'supernet',
    space: 'nb101',
    dataset: 'fashion-mnist',
    scale: 'smoke',
    skeleton: preset.skeleton,
    data: preset.data,
    seed: 3,
    sampler: 'uniform',
    engine: 'cpu',
  };
}

const silent = createProgress({ silent: true });

test('a tiny NB-101 subspace supernet trains through the pipeline and its run folder records the reduction', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'subspace-nb101-'));
  const whole = fs.mkdtempSync(path.join(os.tmpdir(), 'subspace-nb101-uniform-'));
  try {
    const spec = { reduction: 'random' as const, factor: 1000, seed: 2 };
    const reduction = {
      spaceReduction: 'random',
      spaceFactor: 1000,
      spaceSeed: 2,
      spaceTruth: null,
    };
    await trainSubspaceSupernet({
      runDir: dir,
      config: { ...config(1), ...reduction },
      subspace: spec,
      data,
      progress: silent,
    });
    const cfg = readJson<Record<string, unknown>>(path.join(dir, 'config.json'));
    assert.equal(cfg['space'], 'nb101');
    assert.equal(cfg['spaceReduction'], 'random');
    assert.equal(cfg['spaceFactor'], 1000);
    assert.equal(cfg['spaceSeed'], 2);
    assert.equal(cfg['spaceSize'], 96);
    const listed = readSpaceFile(dir, 'nb101').map((c) => formatNb101(c as never));
    assert.deepEqual(
      listed,
      randomCells('nb101', 1000, 2)!.map((c) => formatNb101(c as never)),
    );
    assert.ok(readCheckpoint(dir, 1).tensors.size > 0, 'epoch 1 checkpoint');
    // Factor 1: the pool of all 95985 cells draws what the uniform sampler draws.
    const full = fs.mkdtempSync(path.join(os.tmpdir(), 'subspace-nb101-full-'));
    try {
      await trainRun({
        runDir: whole,
        config: config(1),
        data: imageRunData(data),
        progress: silent,
      });
      await trainSubspaceSupernet({
        runDir: full,
        config: { ...config(1), ...reduction, spaceFactor: 1, spaceSeed: 0 },
        subspace: { reduction: 'random', factor: 1, seed: 0 },
        data,
        progress: silent,
      });
      const bin = (d: string) =>
        fs.readFileSync(path.join(d, 'checkpoints', 'epoch-0001', 'tensors.bin'));
      assert.ok(bin(whole).equals(bin(full)), 'bit-identical to uniform SPOS');
    } finally {
      fs.rmSync(full, { recursive: true, force: true });
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
    fs.rmSync(whole, { recursive: true, force: true });
  }
});

test('writeTableAtomic-written tables read back as truth tables (checksummed CSV)', () => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'truth-sidecar-'));
  try {
    const file = path.join(tmp, 't.csv');
    writeTableAtomic(file, toCsv(['arch', 'acc'], [[formatNb101(nb101FromOrdinal(5)), 0.5]]));
    const t = readTruthTable(file, '--truth-table');
    assert.deepEqual(t.columnNames(), ['arch', 'acc']);
    assert.equal(t.get('arch', 0), formatNb101(nb101FromOrdinal(5)));
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
});
