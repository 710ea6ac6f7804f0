import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import {
  buildNb201GroundTruthCsv,
  buildNb201SubsetCsv,
  indexOfArchFromGroundTruthCsv,
  loadNb201GroundTruth,
  loadNb201Subset,
  nb201ArchStringAtBenchmarkIndex,
  nb201BenchmarkIndex,
  NB201_DATA_DIR,
  readNb201GroundTruthCsv,
  readNb201SubsetCsv,
} from '../../src/groundtruth';
import { sourcesOf } from '../../src/analysis/provenance';
import { nb201Cost, parseNb201 } from '../../src/spaces';
import { packageRoot } from '../../src/info';
import { missing, naslibJson, nb201Csv, readBenchmarkRows } from '../spaces/helpers';

const EXAMPLE =
  '|nor_conv_3x3~0|+|nor_conv_3x3~0|avg_pool_3x3~1|+|skip_connect~0|nor_conv_3x3~1|skip_connect~2|';

test('committed table: 15625 rows, 15284 valid, 6466 classes, the paper optimum 94.37/73.51/47.31', () => {
  assert.ok(NB201_DATA_DIR.startsWith(packageRoot), 'tables live inside the package');
  const t = loadNb201GroundTruth();
  assert.equal(t.numRows(), 15625);
  for (const c of [
    'index',
    'arch',
    'unique',
    'valid',
    'cifar10_test',
    'cifar100_test',
    'imagenet16_test',
    'params',
    'flops',
  ]) {
    assert.ok(t.columnNames().includes(c), c);
  }
  const valid = t.array('valid') as ArrayLike<boolean>;
  assert.equal(Array.from(valid).filter(Boolean).length, 15284);
  assert.equal(new Set(Array.from(t.array('unique') as ArrayLike<string>)).size, 6466);
  const max = (c: string) => Math.max(...Array.from(t.array(c) as ArrayLike<number>));
  assert.equal(max('cifar10_test').toFixed(2), '94.37');
  assert.equal(max('cifar100_test').toFixed(2), '73.51');
  assert.equal(max('imagenet16_test').toFixed(2), '47.31');
  const index = t.array('index') as ArrayLike<number>;
  for (let i = 0; i < 15625; i++) assert.equal(index[i], i);
  // Provenance travels with the table.
  const [src] = sourcesOf(t);
  assert.equal(src.kind, 'benchmark');
  assert.equal(src.path, path.join('kernels-data', 'nb201', 'ground-truth.csv.gz'));
  assert.match(src.sha256 ?? '', /^[0-9a-f]{64}$/);
});

test('params/FLOPs columns equal the computed costs for each dataset skeleton', () => {
  const t = loadNb201GroundTruth();
  const archs = t.array('arch') as ArrayLike<string>;
  const cols = [
    'params',
    'flops',
    'params_cifar100',
    'flops_cifar100',
    'params_imagenet16',
    'flops_imagenet16',
  ];
  const v = Object.fromEntries(cols.map((c) => [c, t.array(c) as ArrayLike<number>]));
  for (let i = 0; i < archs.length; i += 7) {
    const a = parseNb201(archs[i]);
    const c10 = nb201Cost(a);
    const c100 = nb201Cost(a, { numClasses: 100 });
    const in16 = nb201Cost(a, { numClasses: 120, imageSize: 16 });
    assert.deepEqual(
      cols.map((c) => v[c][i]),
      [c10.params, c10.flops, c100.params, c100.flops, in16.params, in16.flops],
    );
  }
});

test('NASLib subset: 725/725/724 rows whose published params/FLOPs match the table', () => {
  const s = loadNb201Subset();
  const ds = Array.from(s.array('dataset') as ArrayLike<string>);
  assert.deepEqual(
    ['cifar10', 'cifar100', 'imagenet16'].map((d) => ds.filter((x) => x === d).length),
    [725, 725, 724],
  );
  const gt = loadNb201GroundTruth();
  const idx = s.array('index') as ArrayLike<number>;
  const arch = s.array('arch') as ArrayLike<string>;
  const pm = s.array('params_m') as ArrayLike<number>;
  const fm = s.array('flops_m') as ArrayLike<number>;
  const val = s.array('val_accuracy') as ArrayLike<number>;
  const suffix: Record<string, string> = {
    cifar10: '',
    cifar100: '_cifar100',
    imagenet16: '_imagenet16',
  };
  for (let r = 0; r < s.numRows(); r++) {
    assert.equal(gt.get('arch', idx[r]), arch[r]);
    assert.equal(Math.round(pm[r] * 1e6), gt.get(`params${suffix[ds[r]]}`, idx[r]));
    assert.equal(Math.round(fm[r] * 1e6), gt.get(`flops${suffix[ds[r]]}`, idx[r]));
    assert.ok(val[r] > 0 && val[r] < 100);
  }
});

test(
  'benchmark index <-> architecture follows the benchmark row order',
  { skip: missing(nb201Csv) },
  () => {
    const rows = readBenchmarkRows();
    assert.equal(nb201BenchmarkIndex(EXAMPLE), 1);
    for (let i = 0; i < rows.length; i += 13) {
      assert.equal(nb201ArchStringAtBenchmarkIndex(i), rows[i][3]);
      assert.equal(nb201BenchmarkIndex(rows[i][3]), i);
      assert.equal(nb201BenchmarkIndex(parseNb201(rows[i][3])), i);
    }
    assert.throws(() => nb201ArchStringAtBenchmarkIndex(15625), /\[0, 15624\].*15625/);
  },
);

test('test accuracies are the shared CSV values, unchanged', { skip: missing(nb201Csv) }, () => {
  const rows = readBenchmarkRows();
  const t = loadNb201GroundTruth();
  const c = ['cifar10_test', 'cifar100_test', 'imagenet16_test'].map(
    (k) => t.array(k) as ArrayLike<number>,
  );
  rows.forEach((r, i) => {
    assert.equal(c[0][i], Number(r[0]));
    assert.equal(c[1][i], Number(r[1]));
    assert.equal(c[2][i], Number(r[2]));
  });
});

test(
  'regenerating from ../shared gives exactly the committed content',
  { skip: missing(nb201Csv) || missing(naslibJson) },
  () => {
    const gt = buildNb201GroundTruthCsv(fs.readFileSync(nb201Csv, 'utf8'));
    assert.equal(gt, readNb201GroundTruthCsv());
    const subset = buildNb201SubsetCsv(
      fs.readFileSync(naslibJson, 'utf8'),
      indexOfArchFromGroundTruthCsv(gt),
    );
    assert.equal(subset, readNb201SubsetCsv());
  },
);

test(
  'the build rejects a benchmark row whose unique string disagrees',
  { skip: missing(nb201Csv) },
  () => {
    const text = fs.readFileSync(nb201Csv, 'utf8').split('\n');
    text[2] = text[2].replace(/,[^,]*$/, ',#+#+#');
    assert.throws(
      () => buildNb201GroundTruthCsv(text.join('\n'), 'bench.csv'),
      /bench\.csv line 3: unique string "#\+#\+#" differs/,
    );
  },
);

test('a corrupt or missing table gives an error naming the file', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nb201-'));
  try {
    assert.throws(
      () => loadNb201GroundTruth({ dir }),
      /cannot read NAS-Bench-201 table .*ground-truth\.csv\.gz/,
    );
    fs.writeFileSync(path.join(dir, 'ground-truth.csv.gz'), 'not gzip');
    assert.throws(
      () => loadNb201GroundTruth({ dir }),
      /corrupt NAS-Bench-201 table .*ground-truth\.csv\.gz/,
    );
    const truncated = readNb201GroundTruthCsv().split('\n').slice(0, 100).join('\n');
    fs.writeFileSync(path.join(dir, 'ground-truth.csv.gz'), zlib.gzipSync(truncated));
    assert.throws(
      () => loadNb201GroundTruth({ dir }),
      /ground-truth\.csv\.gz: expected 15625 rows, got 99/,
    );
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
