import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { loadNb201GroundTruth } from '../../src/groundtruth';
import { externalReferences } from '../../src/plots/html';
import { buildReport, reportFigures, reportHtml, type Report } from '../../src/plots/report';
import { naiveSpearman } from '../analysis/helpers';
import { syntheticSpace, writeSearchRun, writeSupernetRun } from './synthetic-runs';

function csv(file: string): Record<string, string>[] {
  const [head, ...lines] = fs.readFileSync(file, 'utf8').trim().split('\n');
  const cols = head.split(',');
  return lines.map((l) => Object.fromEntries(l.split(',').map((v, i) => [cols[i], v])));
}

function numberOf(report: Report, name: string, run: string, epoch?: number) {
  const n = report.numbers.find(
    (x) => x.name === name && x.run === run && (epoch === undefined || x.epoch === epoch),
  );
  assert.ok(n, `number ${name} of ${run} epoch ${epoch}`);
  return n;
}

test('report numbers match independent computations from the raw CSV files', () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'report-'));
  try {
    const space = syntheticSpace(60, 1);
    const a = writeSupernetRun(path.join(root, 'sn-a'), space, {
      epochs: [1, 4],
      seed: 2,
      groundTruth: true,
    });
    const b = writeSupernetRun(path.join(root, 'sn-b'), space, { epochs: [4], seed: 3 });
    const report = buildReport({ runs: [a, b], resamples: 50, k: 5, nb201: null });
    assert.deepEqual(
      report.sections.map((s) => s.id),
      ['overview', 'run-sn-a', 'run-sn-b', 'provenance'],
    );
    // sn-b has no ground truth of its own and no benchmark: warned, no statistics
    assert.ok(report.warnings.some((w) => w.startsWith('sn-b: no ground truth')));

    // independent Spearman and top-5 from the files
    const scores = csv(path.join(a, 'scores', 'epoch-0004.csv'));
    const gt = new Map(csv(path.join(a, 'groundtruth.csv')).map((r) => [r.arch, r]));
    const s = scores.map((r) => Number(r.accuracy));
    const v = scores.map((r) => Number(gt.get(r.arch)!.val_accuracy));
    const rho = numberOf(report, 'spearman', 'sn-a', 4);
    assert.ok(Math.abs((rho.value as number) - naiveSpearman(s, v)) < 1e-12);
    const top5 = scores
      .map((r, i) => ({ r, i }))
      .sort((x, y) => s[y.i] - s[x.i])
      .slice(0, 5)
      .sort((x, y) => v[y.i] - v[x.i])[0].r;
    assert.equal(
      numberOf(report, 'top5', 'sn-a', 4).value,
      Number(gt.get(top5.arch)!.test_accuracy),
    );
    assert.equal(numberOf(report, 'top5.arch', 'sn-a', 4).value, top5.arch);
    // provenance names the run, the score file and the ground-truth file
    const details = rho.provenance.sources.map((x) => x.detail);
    assert.ok(details.includes('scores/epoch-0004.csv'));
    assert.ok(details.includes('groundtruth.csv'));
    assert.ok(rho.provenance.sources.every((x) => x.kind === 'run' && x.version === 'sn-a'));
    const lo = numberOf(report, 'spearmanCI.low', 'sn-a', 4).value as number;
    const hi = numberOf(report, 'spearmanCI.high', 'sn-a', 4).value as number;
    assert.ok(lo < (rho.value as number) && (rho.value as number) < hi);

    // figures: training, metrics, scatter, operator bias x2, pruned x2, mutual (2 epochs)
    const ids = reportFigures(report).map((f) => f.id);
    assert.deepEqual(ids, [
      'sn-a-training',
      'sn-a-metrics-vs-epochs',
      'sn-a-scatter',
      'sn-a-operator-bias',
      'sn-a-operator-ranks',
      'sn-a-pruned-by-truth',
      'sn-a-pruned-by-estimate',
      'sn-a-mutual',
      'sn-b-training',
    ]);
    const html = reportHtml(report);
    assert.deepEqual(externalReferences(html), []);
    assert.equal(html.match(/class="supernet-lab-figure"/g)!.length, ids.length);
    const data = JSON.parse(
      /<script type="application\/json" id="supernet-lab-report-data">([\s\S]*?)<\/script>/.exec(
        html,
      )![1],
    ) as { numbers: unknown[] };
    assert.equal(data.numbers.length, report.numbers.length);
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
});

test('report: mismatched architectures between runs are reported, shared ones compared', () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'report-'));
  try {
    const space = syntheticSpace(40, 5);
    const gtRun = path.join(root, 'gt');
    writeSupernetRun(gtRun, space, { epochs: [], seed: 1, groundTruth: true });
    const cfg = JSON.parse(fs.readFileSync(path.join(gtRun, 'config.json'), 'utf8'));
    fs.writeFileSync(
      path.join(gtRun, 'config.json'),
      JSON.stringify({ ...cfg, kind: 'groundtruth' }),
    );
    const a = writeSupernetRun(path.join(root, 'a'), space, { epochs: [2], seed: 2 });
    const fewer = { ...space, archs: space.archs.slice(0, 30) };
    const b = writeSupernetRun(path.join(root, 'b'), fewer, { epochs: [2], seed: 3 });
    // one architecture that the ground truth does not know
    fs.appendFileSync(
      path.join(a, 'scores', 'epoch-0002.csv'),
      '|none~0|+|none~0|none~1|+|none~0|none~1|none~2|,10,2\n',
    );
    const report = buildReport({ runs: [gtRun, a, b], resamples: 0, k: 3, nb201: null });
    assert.ok(
      report.warnings.some((w) =>
        w.includes(
          'a epoch 2: 1 of 41 scored architectures have no ground truth in gt/groundtruth.csv',
        ),
      ),
      report.warnings.join('\n'),
    );
    assert.ok(
      report.warnings.some((w) => w.includes('the mutual correlation uses the 30 they share')),
    );
    const across = report.sections.find((s) => s.id === 'across-runs')!;
    assert.equal(across.figures[0].figure.data[0]['type'], 'heatmap');
    assert.deepEqual(across.figures[0].figure.data[0]['x'], ['a', 'b', 'GT', 'P']);
    assert.ok(report.sections.some((s) => s.id === 'groundtruth-runs'));
    assert.throws(() => buildReport({ runs: [path.join(root, 'missing')] }), /does not exist/);
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
});

test('report on NAS-Bench-201: benchmark ground truth joined by architecture string', () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'report-'));
  try {
    const bench = loadNb201GroundTruth();
    const archs = bench.array('arch') as string[];
    const c100 = bench.array('cifar100_test') as number[];
    const rows = Array.from({ length: 40 }, (_, i) => i * 37);
    const dir = path.join(root, 'nb');
    fs.mkdirSync(path.join(dir, 'scores'), { recursive: true });
    fs.writeFileSync(
      path.join(dir, 'config.json'),
      JSON.stringify({ kind: 'supernet', space: 'nb201', dataset: 'cifar100', seed: 0 }),
    );
    // supernet accuracy = benchmark accuracy - 20, except two swapped rows
    const score = rows.map((r) => c100[r] - 20);
    [score[0], score[1]] = [score[1], score[0]];
    fs.writeFileSync(
      path.join(dir, 'scores', 'epoch-0001.csv'),
      ['arch,accuracy,loss', ...rows.map((r, i) => `${archs[r]},${score[i]},1`)].join('\n'),
    );
    const search = writeSearchRun(path.join(root, 'gaea'), 'gaea', 1);
    const report = buildReport({ runs: [dir, search], resamples: 0, k: 10 });
    const best = numberOf(report, 'best ground truth of the space', 'nb');
    assert.equal(best.value, Math.max(...c100));
    assert.ok(Math.abs((best.value as number) - 73.51) < 0.01); // optimum of the NB-201 paper
    assert.equal(best.provenance.sources[0].kind, 'benchmark');
    assert.match(best.provenance.sources[0].sha256 ?? '', /^[0-9a-f]{64}$/);
    // top-10 by score = top-10 by truth (swap of two rows aside): reports the best of the 40
    const chosen = Math.max(...rows.map((r) => c100[r]));
    assert.equal(numberOf(report, 'top10', 'nb', 1).value, chosen);
    // GAEA's derived cell (conv3x3 everywhere) is looked up in the benchmark (CIFAR-10 run)
    const allConv =
      '|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|nor_conv_3x3~0|nor_conv_3x3~1|nor_conv_3x3~2|';
    const expected = (bench.array('cifar10_test') as number[])[archs.indexOf(allConv)];
    assert.equal(numberOf(report, 'derived architecture test accuracy', 'gaea').value, expected);
    assert.ok(reportFigures(report).some((f) => f.id === 'search-entropy'));
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
});

test('report: supernets on down-scaled spaces give the Fig. 2 bands (min/max over runs)', () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'report-'));
  try {
    const space = syntheticSpace(60, 9);
    const sub = (n: number) => ({
      archs: space.archs.slice(0, n),
      val: space.val.slice(0, n),
      test: space.test.slice(0, n),
      params: space.params.slice(0, n),
    });
    const runs = [
      { name: 'f1', factor: 1, n: 60, seed: 1 },
      { name: 'f2a', factor: 2, n: 30, seed: 2 },
      { name: 'f2b', factor: 2, n: 30, seed: 3 },
      { name: 'f4', factor: 4, n: 15, seed: 4 },
    ].map((r) =>
      writeSupernetRun(path.join(root, r.name), sub(r.n), {
        epochs: [3],
        seed: r.seed,
        groundTruth: true,
        config: { spaceFactor: r.factor },
      }),
    );
    const report = buildReport({ runs, resamples: 0, k: 5, nb201: null });
    const section = report.sections.find((s) => s.id === 'reduced-spaces')!;
    const fig = section.figures[0].figure;
    const corr = fig.data[fig.data.length - 1] as {
      x: number[];
      y: number[];
      error_y: { array: number[]; arrayminus: number[] };
    };
    assert.deepEqual(corr.x, [1, 2, 4]);
    const rho = (run: string) => numberOf(report, 'spearman', run, 3).value as number;
    const lo = Math.min(rho('f2a'), rho('f2b'));
    const hi = Math.max(rho('f2a'), rho('f2b'));
    assert.ok(Math.abs(corr.y[1] - (lo + hi) / 2) < 1e-12);
    assert.ok(Math.abs(corr.y[1] + corr.error_y.array[1] - hi) < 1e-12);
    assert.ok(Math.abs(corr.y[1] - corr.error_y.arrayminus[1] - lo) < 1e-12);
    assert.ok(Math.abs(corr.y[0] - rho('f1')) < 1e-12);
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
});
