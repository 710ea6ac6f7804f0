import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { initEngine } from '../../src/engine';
import { formatBenchTable, type BenchReport } from '../../src/engine/bench';
import { measureWorkload, imagesPerSecond } from '../../src/engine/bench/workload';

const root = path.join(__dirname, '..', '..');

test('imagesPerSecond is total images over total time', () => {
  assert.equal(imagesPerSecond(64, [500, 500]), 128);
  assert.equal(imagesPerSecond(10, []), 0);
});

test('the bench workload trains and evaluates a tiny supernet without growing memory', async () => {
  const engine = await initEngine('wasm');
  const archs = [
    ['nor_conv_3x3', 'skip_connect', 'avg_pool_3x3', 'nor_conv_1x1', 'none', 'nor_conv_3x3'],
    ['avg_pool_3x3', 'nor_conv_1x1', 'none', 'skip_connect', 'nor_conv_3x3', 'nor_conv_1x1'],
  ];
  const r = await measureWorkload(
    {
      channels: 4,
      cellsPerStage: 1,
      inputChannels: 3,
      classes: 10,
      imageSize: 8,
      batch: 4,
      evalBatch: 8,
      archs,
      warmup: 2,
      trainSteps: 4,
      evalSteps: 2,
      seed: 3,
    },
    { workerIndex: 0, jobIndex: 0, engine },
  );
  assert.equal(r.engine, 'wasm');
  assert.equal(r.trainStepMs.length, 4);
  assert.equal(r.evalStepMs.length, 2);
  assert.ok(r.trainImagesPerSec > 0 && r.evalImagesPerSec > 0);
  assert.ok(r.losses.every(Number.isFinite));
  assert.equal(r.tensors.end, r.tensors.afterWarmup);
  assert.equal(r.bytes.end, r.bytes.afterWarmup);
});

test('the ratio table marks met and missed targets', () => {
  const base = {
    config: 'nb201-c16-n5-cifar',
    engine: 'native' as const,
    pytorchLayout: 'channels_last' as const,
    target: 0.5,
    threads: 2,
    processes: 1,
    batch: 64,
    oursPerCpuSecond: null,
    pytorchPerCpuSecond: null,
    cpuRatio: null,
    oursPeakRssMiB: 100,
    pytorchPeakRssMiB: 90,
  };
  const report = {
    comparisons: [
      { ...base, metric: 'train', ours: 60, pytorch: 100, ratio: 0.6 },
      { ...base, metric: 'eval', ours: 40, pytorch: 100, ratio: 0.4 },
    ],
    scaling: [],
    engines: [{ engine: 'webgpu', available: false, reason: 'no GPU adapter found' }],
    notes: [],
  } as unknown as BenchReport;
  const text = formatBenchTable(report);
  assert.match(text, /train 2 threads\s+native\s+60\.0\s+100\.0\s+0\.60\s+>= 0\.5 met/);
  assert.match(text, /eval 2 threads\s+native\s+40\.0\s+100\.0\s+0\.40\s+>= 0\.5 NOT met/);
  assert.match(text, /webgpu: no GPU adapter found/);
});

test('bench rejects an unknown engine naming the flag (exit 2)', () => {
  const r = spawnSync(
    process.execPath,
    ['--import', 'tsx', path.join(root, 'src/cli/run.ts'), 'bench', '--engines', 'native,gpu9'],
    { cwd: root, encoding: 'utf8' },
  );
  assert.equal(r.status, 2, r.stderr);
  assert.match(r.stderr, /--engines: unknown engine "gpu9"/);
});
