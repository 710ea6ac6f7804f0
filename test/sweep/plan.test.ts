// Sweep plans without a queue: job schema, stable ids, grid expansion, argv, estimate.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { BadInputError } from '../../src/errors';
import { SEARCH_SCALE_SETTINGS } from '../../src/search/scales';
import { spaceBinding } from '../../src/supernet/registry';
import { estimateSweep } from '../../src/sweep/estimate';
import { expandGrid, planGrid } from '../../src/sweep/grid';
import { checkPayload, redisOptions, safeUrl } from '../../src/sweep/queue';
import {
  JOB_ID,
  groundTruthGroup,
  jobArgv,
  parseJobSpec,
  resolveJob,
  shardBounds,
  type JobSpec,
} from '../../src/sweep/spec';
import { runJob } from '../../src/sweep/execute';
import { checkArchList, jobDir, runDir, writeArchList } from '../../src/sweep/storage';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'sweep-plan-'));
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

const train = (extra: Record<string, unknown> = {}) =>
  ({ stage: 'train', space: 'nb201', scale: 'smoke', seed: 0, ...extra }) as JobSpec;

test('a job id comes from the resolved config: explicit preset values are the same job', () => {
  const preset = spaceBinding('nb201').preset('smoke');
  const data = preset.data as { dataset: string; trainImages: number | null };
  const a = resolveJob(train(), 'a');
  const b = resolveJob(
    train({
      epochs: preset.supernet.epochs,
      lr: preset.supernet.lr,
      dataset: data.dataset,
      trainImages: data.trainImages ?? 'all',
      sampler: 'uniform',
    }),
    'b',
  );
  assert.match(a.id, JOB_ID);
  assert.equal(a.id, b.id);
  assert.deepEqual(a.spec, b.spec, 'the resolved spec is the same too');
  assert.equal(resolveJob(train(), 'again').id, a.id, 'planned twice: one job');
  assert.notEqual(resolveJob(train({ seed: 1 }), 'c').id, a.id);
  assert.notEqual(resolveJob(train({ lr: preset.supernet.lr * 2 }), 'd').id, a.id);
  assert.notEqual(resolveJob(train({ sampler: 'fairnas' }), 'e').id, a.id);
  const score = resolveJob({ stage: 'score', train: a.id, sample: 4, archSeed: 1 } as JobSpec, 's');
  assert.deepEqual(score.after, [a.id]);
  assert.equal((score.spec as { epoch: unknown }).epoch, 'all');
});

test('job specs are checked field by field; nothing but known names and numbers gets through', () => {
  const bad: [Record<string, unknown>, RegExp][] = [
    [{ ...train(), shell: 'rm -rf /' }, /unknown field "shell"/],
    [{ ...train(), stage: 'exec' }, /stage must be one of train, score, groundtruth, search/],
    [{ ...train(), seed: -1 }, /seed must be an integer/],
    [{ ...train(), lr: '0.1; rm -rf /' }, /lr must be a number/],
    [{ ...train(), space: '../../etc' }, /space must be one of nb201/],
    [{ ...train(), dataset: 'imagenet' }, /dataset must be one of/],
    [{ ...train(), checkpointEpochs: [] }, /non-empty list of epoch numbers/],
    [{ stage: 'score', train: '../runs/x', sample: 4, archSeed: 0 }, /train must be a job id/],
    [{ stage: 'score', sample: 4, archSeed: 0 }, /stage score needs train/],
    [{ ...train(), space: 'darts-ptb', trainImages: 10 }, /trainImages does not apply/],
    [{ ...train(), fewShotEdge: 1 }, /fewShotEdge needs sampler fewshot/],
  ];
  for (const [spec, message] of bad) {
    assert.throws(
      () => resolveJob(spec as unknown as JobSpec, 'grid.yaml: jobs[0]'),
      (err: Error) => {
        assert.match(
          err.message,
          /^grid\.yaml: jobs\[0\]: /,
          'the error names where the job came from',
        );
        assert.match(err.message, message);
        return true;
      },
    );
  }
  assert.throws(() => parseJobSpec(null, 'q'), /a job must be an object/);
  assert.throws(() => runDir('/s', '../../etc'), /not a job id/);
  assert.throws(() => jobDir('/s', 'train-0123'), /not a job id/);
});

test('a queue payload runs only when its spec resolves to the id it carries', () => {
  const job = resolveJob(train(), 'x');
  assert.equal(checkPayload(job.id, { schema: 1, id: job.id, spec: job.spec }).id, job.id);
  const altered = { schema: 1, id: job.id, spec: { ...job.spec, seed: 7 } };
  assert.throws(() => checkPayload(job.id, altered), /resolves to train-[0-9a-f]{16}, not the id/);
  assert.throws(() => checkPayload(job.id, { id: job.id, spec: job.spec }), /malformed job/);
  assert.throws(
    () => checkPayload(job.id, { schema: 1, id: job.id, spec: { stage: 'rm' } }),
    /malformed job/,
  );
});

test('argv: an array of flags and checked values, writing under the given run folder', () => {
  const job = resolveJob(train({ sampler: 'fairnas', checkpointEpochs: [2, 1] }), 'x');
  const dir = runDir('/storage', job.id);
  const argv = jobArgv(job.spec, dir);
  assert.equal(argv[0], 'train');
  assert.equal(argv[argv.indexOf('--out') + 1], dir);
  assert.equal(argv[argv.indexOf('--sampler') + 1], 'fairnas');
  assert.equal(argv[argv.indexOf('--checkpoint-epochs') + 1], '1,2');
  for (const a of argv) assert.ok(!/[;&|`$]/.test(a), `no shell syntax in ${a}`);
});

test('grid: spaces x seeds with score and ground truth; YAML and JSON plan the same jobs', () => {
  const yamlFile = path.join(tmp, 'smoke.yaml');
  fs.writeFileSync(
    yamlFile,
    [
      'name: two-spaces',
      'scale: smoke',
      'spaces: [nb201, nb101]',
      'seeds: [0, 1]',
      'train: {epochs: 2}',
      'score: {sample: 4, archSeed: 1}',
      'groundtruth: {sample: 4, archSeed: 1}',
      '',
    ].join('\n'),
  );
  const grid = {
    name: 'two-spaces',
    scale: 'smoke',
    spaces: ['nb201', 'nb101'],
    seeds: [0, 1],
    train: { epochs: 2 },
    score: { sample: 4, archSeed: 1 },
    groundtruth: { sample: 4, archSeed: 1 },
  };
  const jsonFile = path.join(tmp, 'smoke.json');
  fs.writeFileSync(jsonFile, JSON.stringify(grid));
  const a = planGrid(yamlFile);
  const b = planGrid(jsonFile);
  assert.equal(a.name, 'two-spaces');
  const stages = a.jobs.map((j) => j.spec.stage);
  assert.equal(stages.filter((s) => s === 'train').length, 4);
  assert.equal(stages.filter((s) => s === 'score').length, 4);
  assert.equal(stages.filter((s) => s === 'groundtruth').length, 2, 'ground truth is not per seed');
  assert.deepEqual(
    a.jobs.map((j) => j.id),
    b.jobs.map((j) => j.id),
  );
  // Dependencies come first.
  const index = new Map(a.jobs.map((j, i) => [j.id, i]));
  for (const j of a.jobs) for (const d of j.after) assert.ok(index.get(d)! < index.get(j.id)!);
  // The same job reached twice (an explicit duplicate) is one job.
  const twice = expandGrid(
    { ...grid, jobs: [{ stage: 'train', space: 'nb201', scale: 'smoke', seed: 0, epochs: 2 }] },
    'g',
  );
  assert.equal(twice.length, a.jobs.length);
  // A text space ignores image datasets.
  const text = expandGrid(
    { scale: 'smoke', spaces: ['darts-ptb'], datasets: ['cifar10'], train: {} },
    'g',
  );
  assert.equal((text[0].spec as { dataset: string }).dataset, 'ptb');
  assert.throws(
    () => expandGrid({ ...grid, budgets: [1] }, 'g.yaml'),
    /g\.yaml: unknown key "budgets"/,
  );
  assert.throws(
    () => expandGrid({ scale: 'smoke', spaces: ['nb999'], train: {} }, 'g'),
    /unknown space "nb999"/,
  );
});

test('a bad grid file is refused in one line naming the file (found by the grid fuzz drill)', () => {
  const warnings: string[] = [];
  const onWarning = (w: Error) => warnings.push(w.message);
  process.on('warning', onWarning);
  const cases: [string, string, RegExp][] = [
    // YAML and JSON syntax errors: the parser's message without its code frame or raw newlines
    [
      'flow.yaml',
      'scale: smoke\nspaces: [nb201\nseeds: [0]\n',
      /is not valid YAML: .*line \d+, column \d+$/,
    ],
    [
      'broken.json',
      '{\n "scale": "smoke",\n "spaces":es": [\n  "nb201"\n ]\n}',
      /is not valid JSON: /,
    ],
    // YAML warnings (an unknown tag, several documents) refuse the file, not print on stderr
    [
      'tag.yaml',
      'name: !custom tagged\nscale: smoke\nspaces: [nb201]\ntrain: {}\n',
      /Unresolved tag: !custom/,
    ],
    ['docs.yaml', 'scale: smoke\nspaces: [nb201]\n---\nspaces: [nb101]\n', /multiple documents/],
    // an alias inside what it names: a circular value (a TypeError in messages and plan.json)
    [
      'circle.yaml',
      'scale: smoke\nspaces: [nb201]\nseeds: &s [0, *s]\ntrain: {}\n',
      /alias \(\*name\) refers to a list or mapping that holds it/,
    ],
    // a field named like an Object method passed unchecked into the job (and its id)
    [
      'proto.yaml',
      'scale: smoke\nspaces: [nb201]\ntrain: {constructor: 2}\n',
      /unknown field "constructor"/,
    ],
    // errors that came without the file's name
    ['space.yaml', 'scale: smoke\nspaces: [nb999]\ntrain: {}\n', /unknown space "nb999"/],
    ['name.yaml', 'name: "a b"\nscale: smoke\nspaces: [nb201]\ntrain: {}\n', /name "a b" must be/],
    // a seed whose toString is gone made the label of the job a TypeError
    [
      'seed.json',
      JSON.stringify({ scale: 'smoke', spaces: ['nb201'], seeds: [{ toString: 0 }], train: {} }),
      /seed must be an integer/,
    ],
    // a name that is not text was ignored (the file's name used instead)
    ['number.yaml', 'name: 5\nscale: smoke\nspaces: [nb201]\ntrain: {}\n', /name must be text/],
  ];
  try {
    for (const [base, text, message] of cases) {
      const file = path.join(tmp, base);
      fs.writeFileSync(file, text);
      assert.throws(
        () => planGrid(file),
        (err: Error) => {
          assert.ok(err instanceof BadInputError, `${base}: ${err.name}: ${err.message}`);
          assert.ok(
            !err.message.includes('\n'),
            `${base}: one line: ${JSON.stringify(err.message)}`,
          );
          assert.ok(err.message.includes(base), `${base}: names the file: ${err.message}`);
          assert.match(err.message, message);
          return true;
        },
      );
    }
  } finally {
    process.off('warning', onWarning);
  }
  assert.deepEqual(warnings, [], 'nothing printed as a process warning');
});

test('estimate: images over the bench throughput, per engine', () => {
  const bench = path.join(tmp, 'bench.json');
  const rows = [
    { engine: 'native', config: 'laptop-c8-n1-fmnist', metric: 'train', ours: 500, pytorch: 1000 },
    { engine: 'native', config: 'laptop-c8-n1-fmnist', metric: 'eval', ours: 4000, pytorch: 8000 },
    // A sweep job has one thread: this row, not the 2-thread one above, gives the training rate.
    {
      engine: 'native',
      config: 'laptop-c8-n1-fmnist',
      metric: 'train-single-thread',
      ours: 250,
      pytorch: 400,
    },
    { engine: 'native', config: 'nb201-c16-n5-cifar', metric: 'train', ours: 1, pytorch: 1 },
  ];
  fs.writeFileSync(bench, JSON.stringify({ comparisons: rows }));
  const t = resolveJob(train({ epochs: 10, trainImages: 900 }), 't');
  const preset = spaceBinding('nb201').preset('smoke');
  const valid = preset.data.kind === 'images' ? (preset.data.validImages as number) : 0;
  const calib = preset.supernet.calibrationBatches * preset.supernet.calibrationBatchSize;
  const s = resolveJob(
    { stage: 'score', train: t.id, sample: 5, archSeed: 0, epoch: 'latest' } as JobSpec,
    's',
  );
  const e = estimateSweep([t, s], bench);
  assert.equal(e.jobs, 2);
  assert.equal(e.scales.length, 1);
  // 10 epochs x 900 images at 250/s; 5 archs x (calibration + validation) images at 4000/s.
  const native = (10 * 900) / 250 / 3600 + (5 * (calib + valid)) / 4000 / 3600;
  const pytorch = (10 * 900) / 400 / 3600 + (5 * (calib + valid)) / 8000 / 3600;
  assert.ok(Math.abs(e.scales[0].hours.native - native) < 1e-12);
  assert.ok(Math.abs(e.scales[0].hours.pytorch - pytorch) < 1e-12);
});

test('queue URLs: password, user, database and TLS become ioredis options; others are refused', () => {
  const o = redisOptions('redis://alice:p%40ss%20word@10.0.0.5:6380/2');
  assert.deepEqual(
    [o.host, o.port, o.db, o.username, o.password],
    ['10.0.0.5', 6380, 2, 'alice', 'p@ss word'],
  );
  assert.equal(o.tls, undefined);
  assert.equal(o.maxRetriesPerRequest, null, 'commands wait through a Redis restart');
  const t = redisOptions('rediss://:secret@redis.example');
  assert.deepEqual([t.port, t.db, t.password], [6379, 0, 'secret']);
  assert.deepEqual(t.tls, { servername: 'redis.example' });
  assert.equal(redisOptions('rediss://h?tls-insecure=1').tls.rejectUnauthorized, false);
  assert.throws(() => redisOptions('http://h:6379'), /scheme must be redis:\/\/ or rediss:\/\//);
  assert.throws(() => redisOptions('redis://h/x'), /database number/);
  assert.throws(() => redisOptions('redis://h?cmd=FLUSHALL'), /unknown parameter cmd/);
  assert.throws(() => redisOptions('not a url'), /is not a URL/);
  assert.equal(safeUrl('redis://:secret@h:1'), 'redis://:***@h:1');
});

const subspace = (extra: Record<string, unknown> = {}) =>
  ({
    stage: 'subspace',
    space: 'nb201',
    scale: 'smoke',
    seed: 0,
    reduction: 'random',
    factor: 8,
    repeat: 0,
    sample: 4,
    ...extra,
  }) as JobSpec;

test('subspace jobs: ids from the resolved config, checked fields, their argv', () => {
  const preset = spaceBinding('nb201').preset('smoke');
  const a = resolveJob(subspace(), 'a');
  assert.match(a.id, /^subspace-[0-9a-f]{16}$/);
  assert.match(a.id, JOB_ID);
  const explicit = resolveJob(
    subspace({ epochs: preset.supernet.epochs, batchSize: preset.supernet.batchSize }),
    'b',
  );
  assert.equal(explicit.id, a.id, 'preset values spelled out: the same job');
  for (const change of [
    { factor: 16 },
    { repeat: 1 },
    { reduction: 'pruned', dataset: 'cifar10' },
  ]) {
    assert.notEqual(resolveJob(subspace(change), 'c').id, a.id, JSON.stringify(change));
  }
  assert.notEqual(resolveJob(subspace({ seed: 1 }), 'c').id, a.id);
  const bad: [Record<string, unknown>, RegExp][] = [
    // Every space reduces (issue 13); pruning one without a benchmark table needs its table.
    [
      { ...subspace(), space: 'nb101', reduction: 'pruned' },
      /a pruned nb101 space ranks its cells by a ground-truth table .*give truthTable/,
    ],
    [{ ...subspace(), space: 'darts', factor: 8 }, /1\/8 of darts is \d+ cells.* at most 1000000/],
    [{ ...subspace(), reduction: 'best' }, /reduction must be one of random, pruned/],
    [{ ...subspace(), factor: 0 }, /factor must be an integer/],
    [{ ...subspace(), factor: 2.5 }, /factor must be an integer/],
    [{ ...subspace(), lr: 0.1 }, /unknown field "lr" for stage subspace/],
    [
      { ...subspace(), reduction: 'pruned' },
      /pruned space ranks cells by NAS-Bench-201.*not fashion-mnist/,
    ],
    [{ ...subspace(), repeat: undefined }, /stage subspace needs repeat/],
  ];
  for (const [spec, message] of bad) {
    assert.throws(() => resolveJob(spec as unknown as JobSpec, 'g.yaml'), message);
  }
  const argv = jobArgv(a.spec, runDir('/s', a.id));
  assert.equal(argv[0], 'subspace');
  for (const [flag, v] of [
    ['--reduction', 'random'],
    ['--factor', '8'],
    ['--repeat', '0'],
    ['--sample', '4'],
    ['--epochs', String(preset.supernet.epochs)],
  ]) {
    assert.equal(argv[argv.indexOf(flag) + 1], v, flag);
  }
  assert.equal(argv[argv.indexOf('--out') + 1], runDir('/s', a.id));
  assert.equal(checkPayload(a.id, { schema: 1, id: a.id, spec: a.spec }).id, a.id);
});

test('grid: subspace factors x repeats; ground truth split into parts', () => {
  const jobs = expandGrid(
    {
      scale: 'smoke',
      spaces: ['nb201'],
      seeds: [0],
      subspace: { reduction: 'random', factor: [1, 8, 64], repeats: 3, sample: 10 },
      groundtruth: { sample: 7, archSeed: 1, shards: 3 },
    },
    'g',
  );
  const sub = jobs.filter((j) => j.spec.stage === 'subspace');
  assert.equal(sub.length, 9, '3 factors x 3 repeats');
  assert.deepEqual(
    [...new Set(sub.map((j) => (j.spec as { repeat: number }).repeat))].sort(),
    [0, 1, 2],
  );
  const parts = jobs.filter((j) => j.spec.stage === 'groundtruth');
  assert.equal(parts.length, 3);
  assert.equal(new Set(parts.map((j) => j.id)).size, 3, 'each part its own job');
  const whole = resolveJob(
    {
      stage: 'groundtruth',
      space: 'nb201',
      scale: 'smoke',
      seed: 0,
      sample: 7,
      archSeed: 1,
    } as JobSpec,
    'w',
  );
  for (const p of parts) {
    assert.equal(groundTruthGroup(p), whole.id, 'a part belongs to the whole-list job');
    const argv = jobArgv(p.spec, runDir('/s', p.id));
    const s = p.spec as { shard: number };
    assert.equal(argv[argv.indexOf('--shard') + 1], `${s.shard}/3`);
  }
  assert.equal(groundTruthGroup(whole), whole.id);
  // One part is the whole list: the unsplit job itself.
  const one = resolveJob({ ...whole.spec, shard: 0, shards: 1 } as JobSpec, 'one');
  assert.equal(one.id, whole.id);
  // Parts cover the list once, sizes within one.
  const sizes = [0, 1, 2].map((i) => shardBounds(7, i, 3));
  assert.deepEqual(sizes, [
    [0, 2],
    [2, 4],
    [4, 7],
  ]);
  for (const [spec, message] of [
    [{ ...whole.spec, shard: 3, shards: 3 }, /shard must be below shards/],
    [{ ...whole.spec, shards: 3 }, /give shard and shards together/],
    [{ ...whole.spec, shard: 0, shards: 8 }, /shards \(8\) must be at most sample \(7\)/],
  ] as const) {
    assert.throws(() => resolveJob(spec as unknown as JobSpec, 'g'), message);
  }
  assert.throws(
    () =>
      expandGrid(
        {
          scale: 'smoke',
          spaces: ['nb201'],
          subspace: { reduction: 'random', factor: 2, sample: 1, repeats: 0 },
        },
        'g.yaml',
      ),
    /g\.yaml: subspace\.repeats must be an integer/,
  );
});

test('estimate: a split list costs what the whole one does; a subspace job its supernet and scores', () => {
  const bench = path.join(tmp, 'bench-parts.json');
  const rows = [
    { engine: 'native', config: 'laptop-c8-n1-fmnist', metric: 'train', ours: 100, pytorch: 100 },
    { engine: 'native', config: 'laptop-c8-n1-fmnist', metric: 'eval', ours: 1000, pytorch: 1000 },
  ];
  fs.writeFileSync(bench, JSON.stringify({ comparisons: rows }));
  const gt = { scale: 'smoke', spaces: ['nb201'], seeds: [0] };
  const whole = expandGrid({ ...gt, groundtruth: { sample: 7, archSeed: 1 } }, 'w');
  const split = expandGrid({ ...gt, groundtruth: { sample: 7, archSeed: 1, shards: 3 } }, 's');
  const h = (jobs: typeof whole) => estimateSweep(jobs, bench).scales[0].hours.native;
  assert.ok(Math.abs(h(whole) - h(split)) < 1e-12);
  const preset = spaceBinding('nb201').preset('smoke');
  const data = preset.data as { trainImages: number; validImages: number };
  const calib = preset.supernet.calibrationBatches * preset.supernet.calibrationBatchSize;
  // factor 8192: round(15284 / 8192) = 2 cells, so 2 of the 4 asked are scored.
  const j = resolveJob(subspace({ factor: 8192, epochs: 3 }), 'j');
  const want = (3 * data.trainImages) / 100 / 3600 + (2 * (calib + data.validImages)) / 1000 / 3600;
  assert.ok(Math.abs(h([j]) - want) < 1e-12, `${h([j])} vs ${want}`);
});

test('BN calibration of train and subspace jobs: the preset by default (same id), else a new job', () => {
  const preset = spaceBinding('nb201').preset('smoke').supernet;
  const at = (extra: Record<string, unknown>) => ({
    calibrationBatches: preset.calibrationBatches,
    calibrationBatchSize: preset.calibrationBatchSize,
    ...extra,
  });
  for (const make of [train, subspace]) {
    const plain = resolveJob(make(), 'plain');
    assert.equal(resolveJob(make(at({})), 'explicit').id, plain.id, 'the preset: one job');
    const spec = plain.spec as { calibrationBatches: number; calibrationBatchSize: number };
    assert.deepEqual(
      [spec.calibrationBatches, spec.calibrationBatchSize],
      [preset.calibrationBatches, preset.calibrationBatchSize],
      'filled in',
    );
    const other = resolveJob(make(at({ calibrationBatchSize: 250 })), 'other');
    assert.notEqual(other.id, plain.id);
    assert.notEqual(resolveJob(make(at({ calibrationBatches: 1 })), 'b').id, plain.id);
    const argv = jobArgv(other.spec, runDir('/s', other.id));
    assert.equal(argv[argv.indexOf('--calib-batches') + 1], String(preset.calibrationBatches));
    assert.equal(argv[argv.indexOf('--calib-size') + 1], '250');
    assert.equal(
      checkPayload(other.id, { schema: 1, id: other.id, spec: other.spec }).id,
      other.id,
    );
    assert.throws(
      () => resolveJob(make({ calibrationBatchSize: 0 }), 'g'),
      /calibrationBatchSize must be an integer in \[1,/,
    );
    assert.throws(
      () => resolveJob(make({ calibrationBatches: -1 }), 'g'),
      /calibrationBatches must be an integer in \[0,/,
    );
  }
  // Ground truth trains stand-alone: no calibration fields.
  assert.throws(
    () =>
      resolveJob(
        {
          stage: 'groundtruth',
          space: 'nb201',
          scale: 'smoke',
          seed: 0,
          sample: 2,
          archSeed: 0,
          calibrationBatches: 1,
        } as unknown as JobSpec,
        'g',
      ),
    /unknown field "calibrationBatches" for stage groundtruth/,
  );
});

test("search jobs: the scale's settings by default (same id), each a field; score jobs of the study's list", () => {
  const search = (extra: Record<string, unknown> = {}) =>
    ({
      stage: 'search',
      space: 'nb201',
      method: 'gaea-bilevel',
      scale: 'smoke',
      seed: 0,
      ...extra,
    }) as JobSpec;
  const plain = resolveJob(search(), 'plain');
  const s = SEARCH_SCALE_SETTINGS.smoke;
  const explicit = resolveJob(
    search({
      epochs: s.epochs,
      batchSize: s.batchSize,
      channels: s.channels,
      cells: s.cellsPerStage,
      trainImages: s.trainImages,
      validImages: s.validImages,
      samples: s.rswsSamples,
      // fashion-mnist's default mode.
      groundTruth: 'standalone',
    }),
    'explicit',
  );
  assert.equal(explicit.id, plain.id);
  assert.deepEqual(explicit.spec, plain.spec);
  assert.equal((plain.spec as { groundTruth?: string }).groundTruth, undefined);
  const changed: Record<string, unknown>[] = [
    { batchSize: 8 },
    { channels: 8 },
    { cells: 2 },
    { trainImages: 64 },
    { validImages: 'all' },
    { samples: 3 },
    { groundTruth: 'benchmark' },
  ];
  const ids = new Set([plain.id]);
  for (const c of changed) {
    const job = resolveJob(search(c), JSON.stringify(c));
    assert.ok(!ids.has(job.id), `${JSON.stringify(c)}: another job`);
    ids.add(job.id);
    assert.equal(checkPayload(job.id, { schema: 1, id: job.id, spec: job.spec }).id, job.id);
  }
  const job = resolveJob(search({ trainImages: 64, groundTruth: 'benchmark', samples: 3 }), 'j');
  const argv = jobArgv(job.spec, runDir('/s', job.id));
  for (const [flag, v] of [
    ['--train-images', '64'],
    ['--valid-images', String(s.validImages)],
    ['--batch-size', String(s.batchSize)],
    ['--samples', '3'],
    ['--ground-truth', 'benchmark'],
  ]) {
    assert.equal(argv[argv.indexOf(flag) + 1], v, flag);
  }
  assert.throws(
    () => resolveJob(search({ trainImages: 8 }), 'g.yaml'),
    /g\.yaml: trainImages \(8\) must hold at least one batch of 16/,
  );
  assert.throws(
    () => resolveJob(search({ groundTruth: 'guess' }), 'g'),
    /groundTruth must be one of benchmark, standalone/,
  );

  const t = resolveJob(train(), 't');
  const study = resolveJob(
    { stage: 'score', train: t.id, sample: 4, archSeed: 'study' } as JobSpec,
    's',
  );
  const argvScore = jobArgv(study.spec, runDir('/s', t.id));
  assert.equal(argvScore[argvScore.indexOf('--arch-seed') + 1], 'study');
  assert.notEqual(study.id, resolveJob({ ...study.spec, archSeed: 0 } as JobSpec, 's0').id);
  assert.throws(
    () =>
      resolveJob(
        { stage: 'score', train: t.id, sample: 4, archSeed: 'all' } as unknown as JobSpec,
        'g',
      ),
    /archSeed must be an integer in \[0, 4294967295\] or 'study'/,
  );
});

test('a score job over a list file: named by its SHA-256, checked before anything runs', async () => {
  const store = path.join(tmp, 'lists-storage');
  const t = resolveJob(train(), 't');
  const archs = ['|none~0|+|skip_connect~0|none~1|+|none~0|none~1|avg_pool_3x3~2|', 'b', 'c'];
  const sha = writeArchList(store, archs);
  assert.match(sha, /^[0-9a-f]{64}$/);
  const file = path.join(store, 'lists', `${sha}.txt`);
  assert.equal(fs.readFileSync(file, 'utf8'), archs.join('\n') + '\n');
  assert.equal(
    sha,
    createHash('sha256').update(fs.readFileSync(file)).digest('hex'),
    'the name is the bytes',
  );
  assert.equal(writeArchList(store, archs), sha, 'the same list is the same file');
  assert.notEqual(writeArchList(store, archs.slice(0, 2)), sha);
  assert.throws(() => writeArchList(store, ['#comment']), /cannot write "#comment"/);

  const spec = { stage: 'score', train: t.id, sample: 3, archList: sha } as JobSpec;
  const job = resolveJob(spec, 'g');
  assert.equal(resolveJob({ ...spec } as JobSpec, 'g2').id, job.id, 'a stable id');
  assert.notEqual(resolveJob({ ...spec, archList: 'a'.repeat(64) } as JobSpec, 'g').id, job.id);
  const argv = jobArgv(job.spec, runDir(store, t.id), store);
  assert.equal(argv[argv.indexOf('--archs') + 1], file);
  assert.ok(!argv.includes('--sample') && !argv.includes('--arch-seed'), argv.join(' '));
  assert.throws(() => jobArgv(job.spec, runDir(store, t.id)), /needs the storage root/);
  for (const [bad, message] of [
    [{ ...spec, archSeed: 1 }, /give archSeed .* or archList .*, not both/],
    [{ stage: 'score', train: t.id, sample: 3 }, /not neither/],
    [
      { ...spec, archList: '../../etc/passwd' },
      /archList must be the SHA-256 of an architecture list/,
    ],
    [{ ...spec, archList: sha.toUpperCase() }, /archList must be the SHA-256/],
  ] as const) {
    assert.throws(() => resolveJob(bad as unknown as JobSpec, 'g'), message);
  }

  checkArchList(store, sha, 3);
  assert.throws(() => checkArchList(store, sha, 4), /has 3 lines, the job says 4/);
  assert.throws(() => checkArchList(store, 'b'.repeat(64), 3), /is missing/);
  // A failed check parks the job: runJob fails it without starting a process.
  const missing = resolveJob({ ...spec, archList: 'b'.repeat(64) } as JobSpec, 'g');
  const outcome = await runJob(missing, { storage: store, attempt: 1 });
  assert.equal(outcome.kind, 'failed');
  assert.match((outcome as { error: string }).error, new RegExp(`^${missing.id}: .* is missing`));
  assert.equal(
    fs.existsSync(path.join(jobDir(store, missing.id), 'job.log')),
    false,
    'nothing ran',
  );
  fs.appendFileSync(file, 'd\n');
  assert.throws(() => checkArchList(store, sha, 3), /was changed after it was submitted/);
  const edited = await runJob(job, { storage: store, attempt: 1 });
  assert.match((edited as { error: string }).error, /was changed after it was submitted/);
});
