import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { initEngine, profileStep, splitTimeline } from '../../src/engine';
import { ADDON_PATH } from '../../src/engine/native';
import {
  compareRow,
  withRounds,
  formatBenchTable,
  formatProfileTable,
  formatSoakTable,
  runBench,
  targetRatio,
  type BenchComparison,
  type BenchReport,
  type TorchCandidate,
} from '../../src/bench';
import {
  measureWorkload,
  imagesPerSecond,
  profileWorkload,
  slope,
  soakWorkload,
} from '../../src/bench/workload';

const root = path.join(__dirname, '..', '..');
/** The engine of the in-process profile tests: native where the addon is built, else wasm. */
const profileEngine = fs.existsSync(ADDON_PATH) ? 'native' : 'wasm';
const ARCHS = [
  ['nor_conv_3x3', 'skip_connect', 'avg_pool_3x3', 'nor_conv_1x1', 'none', 'nor_conv_3x3'],
  ['avg_pool_3x3', 'nor_conv_1x1', 'none', 'skip_connect', 'nor_conv_3x3', 'nor_conv_1x1'],
];
const TINY = {
  channels: 4,
  cellsPerStage: 1,
  inputChannels: 3,
  classes: 10,
  imageSize: 8,
  batch: 4,
  evalBatch: 8,
  archs: ARCHS,
  warmup: 1,
  trainSteps: 2,
  evalSteps: 1,
  seed: 3,
};

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

const cand = (threads: number, ips: number, cpu: number, rss: number): TorchCandidate => ({
  threads,
  processes: 1,
  layout: 'channels_last',
  imagesPerSec: ips,
  cpuSecondsPerImage: cpu,
  peakRssMiB: rss,
});

test('compareRow takes the fastest PyTorch configuration and keeps every one measured', () => {
  const row = compareRow(
    { config: 'c', metric: 'train', engine: 'native', threads: 2, processes: 1, batch: 64 },
    { imagesPerSec: 150, cpuSecondsPerImage: 0.01, peakRssMiB: 1200, startRssMiB: 150 },
    [cand(1, 200, 0.005, 700), cand(2, 170, 0.0118, 760)],
    180,
  );
  assert.equal(row.pytorch, 200);
  assert.equal(row.pytorchThreads, 1);
  assert.equal(row.pytorchProcesses, 1);
  assert.equal(row.ratio, 0.75);
  assert.equal(row.target, 0.8);
  assert.equal(row.pytorchCandidates?.length, 2);
  assert.equal(row.pytorchPeakRssMiB, 700);
  assert.ok(Math.abs(row.cpuTimeRatio! - 2) < 1e-12);
  assert.ok(Math.abs(row.cpuRatio! - 0.5) < 1e-12); // the older field: images per CPU-second
  assert.ok(Math.abs(row.rssRatio! - 1200 / 700) < 1e-12);
  assert.equal(row.pytorchStartRssMiB, 180);
  const none = compareRow(
    {
      config: 'c',
      metric: 'train-multiprocess',
      engine: 'native',
      threads: 1,
      processes: 2,
      batch: 64,
    },
    { imagesPerSec: 150, cpuSecondsPerImage: null, peakRssMiB: null },
    null,
  );
  assert.equal(none.pytorch, null);
  assert.equal(none.ratio, null);
  assert.equal(none.cpuTimeRatio, null);
  assert.equal(none.target, 1);
  assert.equal(targetRatio('wasm', 'train'), 0.5);
});

/** The NB-201 many-runs row's identity (2 processes x 1 thread). */
const MANY_RUNS = {
  config: 'nb201-c16-n5-cifar',
  metric: 'train-multiprocess',
  engine: 'native',
  threads: 1,
  processes: 2,
  batch: 64,
} as const;

test('withRounds takes the median of the rounds and keeps round 1 for CPU time and memory', () => {
  const row = compareRow(
    MANY_RUNS,
    { imagesPerSec: 100, cpuSecondsPerImage: 0.02, peakRssMiB: 700 },
    [{ ...cand(1, 100, 0.01, 800), processes: 2 }],
  );
  // Ratios by round 2, 1.5, 0.8: the median ratio is 1.5, while the ratio of the medians is 1.
  const r = withRounds(row, [100, 300, 200], [50, 200, 250]);
  assert.equal(r.ratio, 1.5);
  assert.equal(r.ours, 200);
  assert.equal(r.pytorch, 200);
  assert.deepEqual(r.rounds?.[1], { ours: 300, pytorch: 200 });
  assert.equal(r.cpuTimeRatio, 2);
  assert.equal(r.oursPeakRssMiB, 700);
  assert.equal(withRounds(row, [100], [100]), row);
  const noTorch = withRounds(row, [100, 300], null);
  assert.equal(noTorch.ratio, row.ratio);
  assert.equal(noTorch.ours, 200);
  const text = formatBenchTable({ comparisons: [r] } as unknown as BenchReport);
  assert.match(text, /ratio by round 2\.00 \/ 1\.50 \/ 0\.80/);
  assert.match(text, /medians over the rounds/);
});

test('the table prints the new rows, the PyTorch configuration and both thread counts', () => {
  const rows: BenchComparison[] = [
    compareRow(
      {
        config: 'nb201-c16-n5-cifar',
        metric: 'train',
        engine: 'native',
        threads: 2,
        processes: 1,
        batch: 64,
      },
      { imagesPerSec: 172, cpuSecondsPerImage: 0.01, peakRssMiB: 3000 },
      [cand(1, 206, 0.005, 733), cand(2, 176, 0.011, 740)],
    ),
    compareRow(
      {
        config: 'nb201-c16-n5-cifar',
        metric: 'train-batch16',
        engine: 'native',
        threads: 2,
        processes: 1,
        batch: 16,
      },
      { imagesPerSec: 61, cpuSecondsPerImage: 0.03, peakRssMiB: 900 },
      [cand(1, 150, 0.0066, 500), cand(2, 161, 0.012, 510)],
    ),
    compareRow(
      {
        config: 'nb201-c16-n5-cifar',
        metric: 'train-single-thread',
        engine: 'native',
        threads: 1,
        processes: 1,
        batch: 64,
      },
      { imagesPerSec: 110, cpuSecondsPerImage: 0.009, peakRssMiB: 2900 },
      [cand(1, 206, 0.005, 733)],
    ),
    compareRow(MANY_RUNS, { imagesPerSec: 227, cpuSecondsPerImage: 0.009, peakRssMiB: 2900 }, [
      { ...cand(1, 412, 0.0049, 733), processes: 2 },
    ]),
  ];
  const text = formatBenchTable({
    comparisons: rows,
    scaling: [],
    engines: [],
    notes: [],
  } as unknown as BenchReport);
  assert.match(
    text,
    /train 2 threads\s+native\s+172\.0\s+206\.0\s+0\.83\s+>= 0\.8 met\s+1x1 cl\s+2\.00\s+3000\s+733\s+1t 206 \/ 2t 176/,
  );
  assert.match(
    text,
    /train b16 2 threads\s+native\s+61\.0\s+161\.0\s+0\.38\s+>= 0\.8 NOT met\s+1x2 cl/,
  );
  assert.match(text, /train 1 proc x 1 thr\s+native\s+110\.0\s+206\.0\s+0\.53/);
  assert.match(
    text,
    /train 2 proc x 1 thr\s+native\s+227\.0\s+412\.0\s+0\.55\s+>= 1 NOT met\s+2x1 cl/,
  );
});

test('the table reads the reports written before the new fields (committed reference JSON)', () => {
  const dir = path.join(root, 'kernels-data', 'bench');
  const files = fs.existsSync(dir) ? fs.readdirSync(dir).filter((f) => f.endsWith('.json')) : [];
  const old = files.filter((f) => {
    const r = JSON.parse(fs.readFileSync(path.join(dir, f), 'utf8')) as BenchReport;
    return (
      r.comparisons.length > 0 && r.comparisons.every((c) => c.pytorchCandidates === undefined)
    );
  });
  // A hand-made old row in case no such report is committed any more.
  const oldRow = {
    oursPerCpuSecond: 127.2,
    pytorchPerCpuSecond: 97.1,
    cpuRatio: 1.31,
    oursPeakRssMiB: 3455.5,
    pytorchPeakRssMiB: 808.1,
    config: 'nb201-c16-n5-cifar',
    metric: 'train',
    engine: 'native',
    ours: 139.55,
    pytorch: 155.39,
    pytorchLayout: 'nchw',
    ratio: 0.898,
    target: 0.5,
    threads: 2,
    processes: 1,
    batch: 64,
  };
  const reports: BenchReport[] = [
    ...old.map((f) => JSON.parse(fs.readFileSync(path.join(dir, f), 'utf8')) as BenchReport),
    { comparisons: [oldRow], scaling: [], engines: [], notes: [] } as unknown as BenchReport,
  ];
  for (const report of reports) {
    const text = formatBenchTable(report);
    for (const c of report.comparisons) assert.ok(text.includes(c.engine));
    assert.doesNotMatch(text, /NaN|undefined/);
  }
  // CPU seconds per image (ours / PyTorch) comes from the older images-per-CPU-second ratio.
  assert.match(
    formatBenchTable(reports.at(-1)!),
    /train 2 threads\s+native\s+139\.6\s+155\.4\s+0\.90\s+>= 0\.5 met\s+nchw\s+0\.76\s+3456\s+808/,
  );
});

test('splitTimeline: exclusive time per category, GC pauses moved out of what they interrupted', () => {
  // dispatch 0-10, kernel JS 10-12, native 12-20, kernel JS 20-22, alloc 22-23, dispatch 23-30.
  const times = [0, 10, 12, 20, 22, 23, 30];
  const cats = [0, 1, 2, 1, 3, 0, 0];
  const noGc = splitTimeline(times, cats, [], 0, 30);
  assert.deepEqual(noGc.split, {
    dispatchJsMs: 17,
    kernelJsMs: 4,
    nativeMs: 8,
    allocMs: 1,
    gcMs: 0,
  });
  // A pause 5-11 (dispatch 5 ms, kernel JS 1 ms) and one 21.5-25 (kernel 0.5, alloc 1, dispatch 2).
  const r = splitTimeline(
    times,
    cats,
    [
      { start: 5, duration: 6 },
      { start: 21.5, duration: 3.5 },
      { start: 40, duration: 1 },
    ],
    0,
    30,
  );
  assert.equal(r.gcCount, 2);
  assert.deepEqual(r.split, {
    dispatchJsMs: 10,
    kernelJsMs: 2.5,
    nativeMs: 8,
    allocMs: 0,
    gcMs: 9.5,
  });
  const sum = Object.values(r.split).reduce((a, b) => a + b, 0);
  assert.equal(sum, 30);
});

test(`profileStep splits a step into kernels, ${profileEngine === 'native' ? 'native calls, ' : ''}dispatch and allocation`, async () => {
  const engine = await initEngine(profileEngine);
  const x = tf.randomNormal([4, 8, 8, 3]) as tf.Tensor4D;
  const w = tf.randomNormal([3, 3, 3, 4]) as tf.Tensor4D;
  const kernelsBefore = tf.getKernelsForBackend(engine.backend).map((k) => k.kernelFunc);
  const p = await profileStep(() => {
    const y = tf.tidy(() => tf.relu(tf.conv2d(x, w, 1, 'same')).sum());
    y.dataSync();
    y.dispose();
  });
  tf.dispose([x, w]);
  assert.equal(p.backend, engine.backend);
  const sum = p.nativeMs + p.kernelJsMs + p.dispatchJsMs + p.allocMs + p.gcMs;
  assert.ok(Math.abs(sum - p.wallMs) < 1e-6 * Math.max(1, p.wallMs), `${sum} vs ${p.wallMs}`);
  for (const v of [p.nativeMs, p.kernelJsMs, p.dispatchJsMs, p.allocMs, p.gcMs]) assert.ok(v >= 0);
  assert.ok(p.kernelCalls >= 3, `kernel calls ${p.kernelCalls}`);
  assert.ok(p.allocCalls > 0);
  const conv = p.kernels.find((k) => k.kernel === 'Conv2D');
  assert.ok(conv && conv.calls === 1 && conv.selfMs <= conv.ms + 1e-9);
  if (profileEngine === 'native') {
    assert.ok(p.nativeCalls >= 3 && p.nativeMs > 0);
    assert.ok(conv.nativeMs > 0 && conv.nativeMs <= conv.ms);
  } else assert.equal(p.nativeCalls, 0);
  // The wrappers are gone afterwards.
  const kernelsAfter = tf.getKernelsForBackend(engine.backend).map((k) => k.kernelFunc);
  assert.equal(kernelsAfter.length, kernelsBefore.length);
  assert.ok(kernelsAfter.every((f, i) => f === kernelsBefore[i]));
});

test('profileWorkload reports per-step means, kernels, tf.profile and memory of a tiny supernet', async () => {
  const engine = await initEngine(profileEngine);
  const r = await profileWorkload(
    { ...TINY, profileSteps: 2 },
    { workerIndex: 0, jobIndex: 0, engine },
  );
  assert.equal(r.engine, profileEngine);
  assert.equal(r.steps, 2);
  assert.equal(r.plainStepMs.length, 2);
  assert.equal(r.profiledStepMs.length, 2);
  const m = r.mean;
  const sum = m.nativeMs + m.kernelJsMs + m.dispatchJsMs + m.allocMs + m.gcMs;
  assert.ok(Math.abs(sum - m.wallMs) < 1e-6 * Math.max(1, m.wallMs));
  assert.ok(m.kernelCalls > 100 && m.cpuMs > 0);
  assert.ok(r.kernels.length > 0 && r.kernels.length <= 12);
  assert.ok(r.tfProfile.kernels > 100 && r.tfProfile.peakBytes > 0);
  assert.ok(r.memoryMiB.rss > 0 && r.memoryMiB.peakRss >= r.memoryMiB.rss - 1);
  const text = formatProfileTable([
    { config: 'tiny', engine: profileEngine, result: r },
    { config: 'other', engine: 'webgpu', error: 'no GPU adapter found' },
  ]);
  assert.match(text, /Profile of one SPOS training step \(ms per step, mean of 2 profiled steps/);
  assert.match(text, new RegExp(`tiny\\s+${profileEngine}\\s+4\\s+\\d+\\.\\d`));
  assert.match(text, /other\s+webgpu\s+not profiled: no GPU adapter found/);
  assert.match(text, /tiny \w+ slowest kernels \(self ms x calls\): \w+/);
});

test('a quick bench of a tiny network records every new field (PyTorch where installed)', async () => {
  const { report, file } = await runBench({
    quick: true,
    engines: [profileEngine],
    threads: 2,
    processes: 2,
    noScaling: true,
    profile: true,
    soak: 12,
    rounds: 2,
    outDir: null,
    log: () => undefined,
    configs: [{ id: 'tiny', title: 'tiny', ...TINY, batch: 8, stepFactor: 1 }],
    steps: { warmup: 1, train: 2, eval: 1 },
  });
  assert.equal(file, null);
  assert.equal(report.schema, 1);
  assert.deepEqual(report.settings.pytorchThreads, [1, 2]);
  assert.equal(report.settings.smallBatch, 16);
  assert.equal(report.machine.loadAverageEnd?.length, 3);
  const metrics = report.comparisons.map((c) => c.metric).sort();
  assert.deepEqual(metrics, [
    'eval',
    'train',
    'train-batch16',
    'train-multiprocess',
    'train-single-thread',
  ]);
  const torch = report.pytorch != null;
  for (const c of report.comparisons) {
    assert.ok(c.ours > 0 && c.oursPeakRssMiB! > 0 && c.oursCpuSecondsPerImage! > 0, c.metric);
    assert.ok(c.oursStartRssMiB! > 0);
    if (!torch) {
      assert.equal(c.ratio, null);
      continue;
    }
    assert.ok(c.pytorch! > 0 && c.ratio! > 0 && c.cpuTimeRatio! > 0 && c.rssRatio! > 0, c.metric);
    assert.ok(c.pytorchPeakRssMiB! > 0 && c.pytorchStartRssMiB! > 0);
    const want =
      c.metric === 'train-multiprocess' ? [1] : c.metric === 'train-single-thread' ? [1] : [1, 2];
    assert.deepEqual(
      [...new Set(c.pytorchCandidates!.map((k) => k.threads))].sort(),
      want,
      c.metric,
    );
    const best = Math.max(...c.pytorchCandidates!.map((k) => k.imagesPerSec));
    if (c.metric !== 'train-multiprocess') {
      assert.equal(c.pytorch, best);
      continue;
    }
    assert.equal(c.pytorchProcesses, 2);
    // Two alternating rounds: round 1 is the fastest candidate, the row takes the medians.
    const [a, b] = c.rounds!;
    assert.equal(c.rounds!.length, 2);
    assert.equal(a.pytorch, best);
    assert.ok(Math.abs(c.ratio! - (a.ours / a.pytorch! + b.ours / b.pytorch!) / 2) < 1e-12);
    assert.ok(Math.abs(c.pytorch! - (a.pytorch! + b.pytorch!) / 2) < 1e-9);
    assert.ok(Math.abs(c.ours - (a.ours + b.ours) / 2) < 1e-9);
  }
  assert.equal(report.profile?.length, 1);
  assert.ok(report.profile![0].result!.mean.wallMs > 0);
  assert.equal(report.soak?.length, 1);
  assert.equal(report.soak![0].result!.steps, 12);
  const text = formatBenchTable(report);
  assert.match(text, /Profile of one SPOS training step/);
  assert.match(text, /train b16 \d threads?/);
  assert.match(text, /Memory soak \(SPOS training/);
  if (torch) assert.match(text, /train 2 proc x 1 thr.*ratio by round \d\.\d\d \/ \d\.\d\d/);
  assert.match(text, /tiny\s+\w+\s+12\s/);
});

test('slope is the least-squares slope', () => {
  assert.equal(slope([0, 1, 2, 3], [5, 7, 9, 11]), 2);
  assert.equal(slope([0, 1, 2], [3, 3, 3]), 0);
  assert.equal(slope([4], [1]), 0);
});

test('the memory soak samples RSS and tf.memory() from start to end, flat on a tiny supernet', async () => {
  const engine = await initEngine(profileEngine);
  const r = await soakWorkload(
    { ...TINY, warmup: 3, trainSteps: 60, samples: 6 },
    { workerIndex: 0, jobIndex: 0, engine },
  );
  assert.equal(r.steps, 60);
  assert.deepEqual(
    r.samples.map((s) => s.step),
    [0, 10, 20, 30, 40, 50, 60],
  );
  assert.equal(r.start.step, 0);
  assert.equal(r.middle.step, 30);
  assert.equal(r.end.step, 60);
  assert.equal(r.tensorGrowth, 0, 'tf.memory() tensors are flat');
  assert.equal(r.byteGrowth, 0);
  assert.ok(r.samples.every((s) => s.rssMiB > 0 && s.heapUsedMiB > 0));
  assert.equal(r.end.pooledMiB == null, profileEngine !== 'native');
  assert.ok(Number.isFinite(r.rssSlopeMiBPer1000) && r.peakRssMiB >= r.end.rssMiB - 1);
  assert.ok(Number.isFinite(r.lossFirst) && Number.isFinite(r.lossLast));
  const text = formatSoakTable([
    { config: 'tiny', engine: profileEngine, result: r },
    { config: 'other', engine: 'wasm', error: 'worker setup failed' },
  ]);
  assert.match(text, new RegExp(`tiny\\s+${profileEngine}\\s+60\\s`));
  assert.match(text, /other\s+wasm\s+not run: worker setup failed/);
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
