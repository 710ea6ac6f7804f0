import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import type { Dataset } from '../../src/data/types';
import { meanEntropy } from '../../src/optim';
import { nb201BenchmarkIndex } from '../../src/groundtruth/nb201';
import { NB201_OPS } from '../../src/spaces/nb201/definition';
import { formatNb201 } from '../../src/spaces/nb201/arch';
import {
  readArchRecords,
  runSearch,
  type SearchConfigInput,
  type SearchMethod,
} from '../../src/search';
import type { TrainingData } from '../../src/train/data';
import { readLog, readScores } from '../../src/runs/folder';

tf.setBackend('cpu');

/** Tiny synthetic image set: class k has a bright k-th row band (learnable, 8x8 grey). */
function synthetic(name: string, n: number, seed: number): Dataset {
  let s = seed;
  const rnd = () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32) * 2 - 1;
  const images = new Float32Array(n * 64);
  const labels = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const k = i % 3;
    labels[i] = k;
    for (let p = 0; p < 64; p++)
      images[i * 64 + p] = 0.3 * rnd() + (Math.floor(p / 8) % 3 === k ? 1 : 0);
  }
  return {
    name,
    images,
    labels,
    shape: [n, 8, 8, 1],
    numClasses: 3,
    classNames: ['a', 'b', 'c'],
    mean: [0],
    std: [1],
    source: 'synthetic',
  };
}

const DATA: TrainingData = {
  train: synthetic('syn/train', 32, 1),
  valid: synthetic('syn/valid', 32, 2),
  test: synthetic('syn/test', 16, 3),
  inputChannels: 1,
  classes: 3,
  imageSize: 8,
};

function input(method: SearchMethod, extra: Partial<SearchConfigInput> = {}): SearchConfigInput {
  return {
    method,
    dataset: 'fashion-mnist',
    scale: 'smoke',
    seed: 3,
    engine: 'cpu',
    groundTruth: 'benchmark',
    overrides: {
      epochs: 2,
      batchSize: 8,
      channels: 2,
      trainImages: 32,
      validImages: 32,
      rswsSamples: 3,
      calibrationBatches: 1,
      calibrationBatchSize: 8,
    },
    ...extra,
  };
}

const silent = { update() {}, line() {}, done() {} };
const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'search-run-'));

test('a killed search resumes to the same result as an uninterrupted one', async () => {
  const a = tmp();
  const b = tmp();
  const first = await runSearch(input('darts-1'), {
    runDir: a,
    data: DATA,
    progress: silent,
    maxEpochs: 1,
  });
  assert.equal(first.result, null, 'stopped after one epoch');
  assert.equal(readLog(a).length, 1);
  const resumed = await runSearch(input('darts-1'), { runDir: a, data: DATA, progress: silent });
  const straight = await runSearch(input('darts-1'), { runDir: b, data: DATA, progress: silent });
  assert.equal(resumed.epochsRun, 1);
  const ra = readArchRecords(a);
  const rb = readArchRecords(b);
  assert.deepEqual(
    ra.map((r) => r.epoch),
    [0, 1, 2],
  );
  assert.deepEqual(ra, rb, 'arch.jsonl identical');
  assert.deepEqual(resumed.result?.derived, straight.result?.derived);
  const logs = readLog(a);
  assert.deepEqual(
    logs.map((e) => e.epoch),
    [1, 2],
  );
  for (const key of ['loss', 'accuracy', 'lr', 'imagesPerSecond', 'seconds', 'entropy']) {
    assert.equal(typeof logs[1][key], 'number', key);
  }
  const config = JSON.parse(fs.readFileSync(path.join(a, 'config.json'), 'utf8'));
  assert.equal(config.kind, 'search');
  assert.equal(config.method, 'darts-1');
  assert.equal(config.hyper.dartsAdam.lr, 3e-4);
  assert.ok(config.library && config.createdAt);
  assert.ok(fs.existsSync(path.join(a, 'result.json')));
  // a different configuration in the same folder is refused, naming the field
  await assert.rejects(
    runSearch(input('darts-1', { seed: 4 }), { runDir: a, data: DATA, progress: silent }),
    /seed/,
  );
  fs.rmSync(a, { recursive: true });
  fs.rmSync(b, { recursive: true });
});

test('arch.jsonl records simplex weights, their entropy, the argmax cell and its benchmark row', async () => {
  const dir = tmp();
  const out = await runSearch(input('gaea-erm'), { runDir: dir, data: DATA, progress: silent });
  const records = readArchRecords(dir);
  assert.deepEqual(
    records.map((r) => r.epoch),
    [0, 1, 2],
  );
  assert.ok(Math.abs(records[0].entropy - Math.log(5)) < 1e-12, 'GAEA starts uniform');
  for (const r of records) {
    assert.equal(r.weights.length, 6);
    assert.ok(Math.abs(r.entropy - meanEntropy(r.weights)) < 1e-12);
    const argmax = r.weights.map((row) => NB201_OPS[row.indexOf(Math.max(...row))]);
    assert.equal(r.derived, formatNb201(argmax));
    assert.deepEqual(r.params, r.weights, 'GAEA parameters are the simplex weights');
    assert.equal(r.benchmark?.index, nb201BenchmarkIndex(r.derived));
  }
  assert.ok(records[2].entropy < records[0].entropy);
  assert.equal(out.result?.derived, records[2].derived);
  fs.rmSync(dir, { recursive: true });
});

test('rsws: supernet run folder, scores of the sampled cells, best cell, stand-alone truth', async () => {
  const dir = tmp();
  const out = await runSearch(input('rsws', { groundTruth: 'standalone' }), {
    runDir: dir,
    data: DATA,
    standaloneData: DATA,
    progress: silent,
  });
  const scores = readScores(path.join(dir, 'scores', 'epoch-0002.csv'));
  assert.equal(scores.length, 3);
  const best = Math.max(...scores.map((r) => r.accuracy));
  assert.equal(out.result?.supernetScore, best);
  assert.ok(scores.some((r) => r.arch === out.result?.derived && r.accuracy === best));
  const sub = JSON.parse(fs.readFileSync(path.join(dir, 'supernet', 'config.json'), 'utf8'));
  assert.equal(sub.kind, 'supernet');
  assert.equal(sub.epochs, 2);
  assert.equal(sub.lr, 0.025);
  const gt = fs.readFileSync(path.join(dir, 'groundtruth.csv'), 'utf8').split('\n');
  assert.equal(gt[0], 'arch,val_accuracy,test_accuracy,params,flops,epochs,seconds');
  assert.ok(gt[1].startsWith(out.result!.derived));
  assert.ok(out.result?.standalone && out.result.standalone.epochs === 1);
  assert.equal(readLog(dir).length, 2);
  fs.rmSync(dir, { recursive: true });
});
