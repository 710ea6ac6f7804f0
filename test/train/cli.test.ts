import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const root = path.join(__dirname, '..', '..');
const FASHION = '/usr/share/datasets/fashion-mnist';

function cli(...args: string[]) {
  return spawnSync(
    process.execPath,
    ['--import', 'tsx', path.join(root, 'src/cli/run.ts'), ...args],
    {
      cwd: root,
      encoding: 'utf8',
      env: { ...process.env, SUPERNET_LAB_ENGINE: 'wasm' },
    },
  );
}

test('train / evaluate / groundtruth / study reject bad flags with exit 2, naming the flag', () => {
  const cases: Array<[string[], RegExp]> = [
    [['train', '--epochs', 'abc'], /--epochs must be an integer/],
    [
      ['train', '--dataset', 'mnist'],
      /--dataset must be one of fashion-mnist, cifar10, cifar100, cifar10-subset/,
    ],
    [['train', '--scale', 'huge'], /--scale must be one of smoke, laptop, paper/],
    [['train', '--lr', '0'], /--lr must be > 0/],
    [['train', '--engine', 'gpu9000'], /--engine/],
    [
      ['train', '--space', 'nas9000'],
      /--space must be one of nb201, nb101, darts, proxyless, darts-ptb; got "nas9000"/,
    ],
    // study takes every space now (study --space darts --scale smoke replaced space-smoke).
    [['study', '--space', 'nas9000'], /--space must be one of nb201, .*; got "nas9000"/],
    [['train', '--checkpoint-epochs', '1,x'], /--checkpoint-epochs/],
    [['evaluate'], /--run/],
    [['evaluate', '--run', os.tmpdir()], /not a run folder/],
    [
      ['groundtruth', '--sample', '3', '--archs', 'x.txt'],
      /give one of --arch, --archs or --sample, not --archs and --sample/,
    ],
    [['groundtruth', '--scale', 'smoke'], /--archs FILE .* or --sample N/],
    [['study', '--workers', '0'], /--workers must be in/],
    [
      ['study', '--gt-archs', '9', '--scored-archs', '4'],
      /--gt-archs \(9\) cannot exceed --scored-archs \(4\)/,
    ],
  ];
  for (const [args, pattern] of cases) {
    const r = cli(...args);
    assert.equal(r.status, 2, `${args.join(' ')}: exit ${r.status}\n${r.stderr}`);
    assert.match(r.stderr, pattern, args.join(' '));
  }
});

test(
  'smoke study end to end: real Fashion-MNIST, supernet, scores, ground truth, correlations',
  { skip: fs.existsSync(FASHION) ? false : 'dataset-fashion-mnist is not installed' },
  () => {
    const out = fs.mkdtempSync(path.join(os.tmpdir(), 'study-smoke-'));
    const r = cli(
      'study',
      '--scale',
      'smoke',
      '--out',
      out,
      '--workers',
      '2',
      '--epochs',
      '1',
      '--gt-epochs',
      '1',
      '--scored-archs',
      '5',
      '--gt-archs',
      '3',
      '--train-images',
      '192',
      '--valid-images',
      '96',
      '--no-report',
    );
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /Spearman rho\s+-?\d\.\d{3}/);
    assert.match(r.stdout, /Kendall tau-b\s+-?\d\.\d{3}/);
    assert.match(r.stdout, /top-1: test \d+\.\d\d%/);
    const summary = JSON.parse(fs.readFileSync(path.join(out, 'summary.json'), 'utf8'));
    assert.equal(summary.summary.n, 3);
    const scores = fs
      .readFileSync(path.join(out, 'supernet', 'scores', 'epoch-0001.csv'), 'utf8')
      .trim()
      .split('\n');
    assert.equal(scores[0], 'arch,accuracy,loss');
    assert.equal(scores.length, 6);
    const gt = fs
      .readFileSync(path.join(out, 'groundtruth', 'groundtruth.csv'), 'utf8')
      .trim()
      .split('\n');
    assert.equal(gt[0], 'arch,val_accuracy,test_accuracy,params,flops,epochs,seconds');
    assert.equal(gt.length, 4);
    const cfg = JSON.parse(fs.readFileSync(path.join(out, 'supernet', 'config.json'), 'utf8'));
    assert.equal(cfg.kind, 'supernet');
    assert.equal(cfg.engine, 'wasm');
    assert.equal(cfg.schema, 2);
    assert.equal(cfg.data.trainImages, 192);
    const gtCfg = JSON.parse(fs.readFileSync(path.join(out, 'groundtruth', 'config.json'), 'utf8'));
    assert.equal(gtCfg.kind, 'groundtruth');
    assert.equal(gtCfg.archs.length, 3);
    // Re-running resumes: nothing is retrained, same numbers.
    const again = cli(
      'study',
      '--scale',
      'smoke',
      '--out',
      out,
      '--workers',
      '1',
      '--epochs',
      '1',
      '--gt-epochs',
      '1',
      '--scored-archs',
      '5',
      '--gt-archs',
      '3',
      '--train-images',
      '192',
      '--valid-images',
      '96',
      '--no-report',
    );
    assert.equal(again.status, 0, again.stderr);
    const summary2 = JSON.parse(fs.readFileSync(path.join(out, 'summary.json'), 'utf8'));
    assert.deepEqual(summary2.summary, summary.summary);
    fs.rmSync(out, { recursive: true, force: true });
  },
);
