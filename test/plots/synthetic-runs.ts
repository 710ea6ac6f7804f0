import * as fs from 'node:fs';
import * as path from 'node:path';
import { createRng } from '../../src/engine/random';

const OPS = ['none', 'skip_connect', 'nor_conv_1x1', 'nor_conv_3x3', 'avg_pool_3x3'];

/** NB-201 architecture string of ordinal i (base-5 digits = ops of the six edges). */
export function nb201Arch(i: number): string {
  const o = Array.from({ length: 6 }, (_, e) => OPS[Math.floor(i / 5 ** e) % 5]);
  return `|${o[0]}~0|+|${o[1]}~0|${o[2]}~1|+|${o[3]}~0|${o[4]}~1|${o[5]}~2|`;
}

export interface SyntheticSpace {
  archs: string[];
  val: number[];
  test: number[];
  params: number[];
}

/** A made-up space: accuracy grows with conv ops; conv3x3 on edge 0-3 hurts the truth. */
export function syntheticSpace(n: number, seed: number): SyntheticSpace {
  const rng = createRng(seed);
  const archs: string[] = [];
  const val: number[] = [];
  const test: number[] = [];
  const params: number[] = [];
  const used = new Set<number>();
  while (archs.length < n) {
    const i = rng.int(5 ** 6);
    if (used.has(i)) continue;
    used.add(i);
    const a = nb201Arch(i);
    const ops = a.match(/[a-z_0-9]+(?=~)/g)!;
    const convs = ops.filter((o) => o.startsWith('nor_conv')).length;
    const conv03 = ops[3] === 'nor_conv_3x3' ? 1 : 0;
    const truth = 60 + 2 * convs - 3 * conv03 + rng.normal(0, 1);
    archs.push(a);
    val.push(Number(truth.toFixed(2)));
    test.push(Number((truth + rng.normal(0, 0.3)).toFixed(2)));
    params.push(0.1 + 0.15 * convs + 0.01 * rng.next());
  }
  return { archs, val, test, params };
}

/** Writes a supernet run folder whose scores favour conv3x3 on edge 0-3 (biased). */
export function writeSupernetRun(
  dir: string,
  space: SyntheticSpace,
  options: {
    epochs: number[];
    seed: number;
    groundTruth?: boolean;
    config?: Record<string, unknown>;
  },
): string {
  const rng = createRng(options.seed);
  fs.mkdirSync(path.join(dir, 'scores'), { recursive: true });
  fs.writeFileSync(
    path.join(dir, 'config.json'),
    JSON.stringify({
      kind: 'supernet',
      space: 'nb201',
      dataset: 'synthetic',
      scale: 'smoke',
      seed: options.seed,
      engine: 'cpu',
      ...options.config,
    }),
  );
  const log = options.epochs.map(
    (e, i) =>
      JSON.stringify({
        epoch: e,
        loss: 2.3 / (1 + i),
        accuracy: 20 + 10 * i,
        lr: 0.05,
        imagesPerSecond: 100,
        seconds: 1,
      }) + '\n',
  );
  fs.writeFileSync(path.join(dir, 'log.jsonl'), log.join(''));
  options.epochs.forEach((e, i) => {
    const lines = space.archs.map((a, j) => {
      const conv03 = a.split('+')[2].startsWith('|nor_conv_3x3') ? 1 : 0;
      const acc = 30 + 5 * i + 0.6 * (space.val[j] - 60) + 4 * conv03 + rng.normal(0, 1.5);
      return `${a},${acc.toFixed(3)},${(2 - acc / 100).toFixed(4)}`;
    });
    fs.writeFileSync(
      path.join(dir, 'scores', `epoch-${String(e).padStart(4, '0')}.csv`),
      ['arch,accuracy,loss', ...lines].join('\n') + '\n',
    );
  });
  if (options.groundTruth) {
    const rows = space.archs.map(
      (a, j) => `${a},${space.val[j]},${space.test[j]},${space.params[j].toFixed(4)},1,200,60`,
    );
    fs.writeFileSync(
      path.join(dir, 'groundtruth.csv'),
      ['arch,val_accuracy,test_accuracy,params,flops,epochs,seconds', ...rows].join('\n') + '\n',
    );
  }
  return dir;
}

/** A DARTS/GAEA-like search run with arch.jsonl (weights sharpening over epochs). */
export function writeSearchRun(dir: string, method: string, seed: number, epochs = 5): string {
  const rng = createRng(seed);
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(
    path.join(dir, 'config.json'),
    JSON.stringify({ kind: 'search', space: 'nb201', dataset: 'cifar10', method, seed }),
  );
  const lines: string[] = [];
  for (let e = 1; e <= epochs; e++) {
    const sharp = method === 'gaea' ? e * 1.5 : e * 0.3;
    const weights = Array.from({ length: 6 }, () => {
      const logits = OPS.map((_, o) => (o === 3 ? sharp : 0) + 0.1 * rng.next());
      const m = Math.max(...logits);
      const ex = logits.map((l) => Math.exp(l - m));
      const s = ex.reduce((a, b) => a + b, 0);
      return ex.map((v) => v / s);
    });
    lines.push(
      JSON.stringify({
        epoch: e,
        weights,
        // both spellings of the derived cell: benchmark string (search runs) or ops per edge
        ...(method === 'gaea'
          ? { derived: nb201Arch(3 * (1 + 5 + 25 + 125 + 625 + 3125)) }
          : { derivedOps: Array(6).fill('skip_connect') }),
      }),
    );
  }
  fs.writeFileSync(path.join(dir, 'arch.jsonl'), lines.join('\n') + '\n');
  return dir;
}
