// `report --groundtruth <seed table>`: the report ranks against the mean over seeds and shows the
// table's noise ceiling, whose value is checked against a Spearman computed here from the table.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { createRng } from '../../src/engine/random';
import { naiveSpearman } from '../analysis/helpers';
import { syntheticSpace, writeSupernetRun } from '../plots/synthetic-runs';

const root = path.join(__dirname, '..', '..');
const cli = (...args: string[]) =>
  spawnSync(process.execPath, ['--import', 'tsx', path.join(root, 'src/cli/run.ts'), ...args], {
    cwd: root,
    encoding: 'utf8',
  });

test('report with a seed table: mean over seeds as ground truth, the ceiling in the page', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'table-report-'));
  const space = syntheticSpace(40, 3);
  const run = writeSupernetRun(path.join(dir, 'sn'), space, { epochs: [1, 2], seed: 4 });
  const rng = createRng(5);
  const seedVal = [1, 2].map(() => space.val.map((v) => Number((v + rng.normal(0, 1)).toFixed(2))));
  const lines = space.archs.flatMap((a, i) =>
    [0, 1].map(
      (s) =>
        `${a},${s + 1},${seedVal[s][i]},${space.test[i]},0.5,${space.params[i].toFixed(4)},1,4,60`,
    ),
  );
  const table = path.join(dir, 'ground-truth.csv');
  fs.writeFileSync(
    table,
    'arch,seed,val_accuracy,test_accuracy,val_loss,params,flops,epochs,seconds\n' +
      lines.join('\n') +
      '\n',
  );
  const out = path.join(dir, 'report.html');
  const r = cli('report', '--run', run, '--groundtruth', table, '--out', out, '--resamples', '200');
  assert.equal(r.status, 0, r.stderr);
  const html = fs.readFileSync(out, 'utf8');
  const agreement = naiveSpearman(seedVal[0], seedVal[1]);
  assert.ok(
    html.includes(
      `two seeds of the same cells agree at Spearman ρ ${Number(agreement.toFixed(3))} [`,
    ),
    `no ceiling paragraph with ρ ${agreement.toFixed(3)}`,
  );
  assert.match(html, /against the mean of 2\.0 seeds no estimator can exceed about ρ 0\.\d+/);
  assert.ok(html.includes('ground-truth.csv (mean over seeds)'));
  const bad = cli('report', '--run', run, '--groundtruth', table, '--truth', 'x', '--out', out);
  assert.equal(bad.status, 2, bad.stderr);
  assert.match(bad.stderr, /is a seed table: it selects by val_accuracy .*drop --truth/);
  fs.rmSync(dir, { recursive: true, force: true });
});
