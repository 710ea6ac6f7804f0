/**
 * kill -9 drills: each command runs once uninterrupted (the reference), then N times killed at
 * a random moment (the whole process group, as a crash would) and run again with the same
 * arguments to completion. A trial survives when the second run exits 0 and its final artefacts
 * are bit-identical to the reference's (wall-clock fields removed); a second run that fails is
 * a lost run, one that finishes with different artefacts a silent wrong result.
 */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Rng } from '../../src/engine/random';
import { listCheckpoints, readLog } from '../../src/runs/folder';
import {
  FASHION_DIR,
  copyDir,
  newResult,
  runCli,
  tail,
  tempDir,
  timed,
  type DrillResult,
} from './common';

/** Smoke scale on 32 training and 32 validation images (two steps of 16 per epoch). */
export function tinyFlags(dataDir = FASHION_DIR): string[] {
  return ['--scale', 'smoke', '--progress', 'none', '--data-dir', dataDir].concat([
    '--train-images',
    '32',
    '--valid-images',
    '32',
    '--batch-size',
    '16',
  ]);
}

const TINY = tinyFlags();

export interface KillScenario {
  name: string;
  /** The command line for a trial folder (prepared first when `prepare` is given). */
  args(dir: string): string[];
  prepare?(dir: string): Promise<void>;
  /** A digest of the final artefacts, wall-clock fields removed. */
  artefacts(dir: string): string;
}

/** Drops wall-clock and host fields (seconds, imagesPerSecond, createdAt, ...) from JSON. */
export function withoutTimes(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutTimes);
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(
    Object.entries(value as Record<string, unknown>)
      .filter(([k]) => !/seconds|persecond|createdat|timings|engine|worker|library/i.test(k))
      .map(([k, v]) => [k, withoutTimes(v)]),
  );
}

/** A CSV without its `seconds` column (ground-truth tables record wall time). */
export function csvWithoutSeconds(file: string): string {
  const lines = fs.readFileSync(file, 'utf8').trimEnd().split('\n');
  const drop = lines[0].split(',').indexOf('seconds');
  if (drop < 0) return lines.join('\n');
  return lines
    .map((l) =>
      l
        .split(',')
        .filter((_, i) => i !== drop)
        .join(','),
    )
    .join('\n');
}

const sha = (data: string | Buffer) => createHash('sha256').update(data).digest('hex');

function fileOr(file: string, read: (f: string) => string): string {
  return fs.existsSync(file) ? read(file) : `(missing ${path.basename(file)})`;
}

/** Every kept checkpoint's tensors.bin and state, and the log without wall-clock fields. */
export function trainArtefacts(dir: string): string {
  const parts = listCheckpoints(dir).map((epoch) => {
    const ck = path.join(dir, 'checkpoints', `epoch-${String(epoch).padStart(4, '0')}`);
    const manifest = JSON.parse(fs.readFileSync(path.join(ck, 'manifest.json'), 'utf8'));
    return `${epoch}:${sha(fs.readFileSync(path.join(ck, 'tensors.bin')))}:${sha(
      JSON.stringify([manifest.tensors, manifest.state]),
    )}`;
  });
  parts.push(sha(JSON.stringify(withoutTimes(readLog(dir)))));
  return parts.join(' ');
}

function scoresArtefacts(runDir: string): string {
  const dir = path.join(runDir, 'scores');
  if (!fs.existsSync(dir)) return '(no scores)';
  return fs
    .readdirSync(dir)
    .filter((f) => /^epoch-\d+\.csv$/.test(f))
    .sort()
    .map((f) => `${f}:${sha(fs.readFileSync(path.join(dir, f)))}`)
    .join(' ');
}

function groundTruthArtefacts(dir: string): string {
  return [
    fileOr(path.join(dir, 'groundtruth.csv'), (f) => sha(csvWithoutSeconds(f))),
    fileOr(path.join(dir, 'standalone-loss.csv'), (f) => sha(fs.readFileSync(f))),
  ].join(' ');
}

const json = (f: string) =>
  sha(JSON.stringify(withoutTimes(JSON.parse(fs.readFileSync(f, 'utf8')))));

/** The smoke-scale scenarios; `trainedRun` is a finished `train` folder for `evaluate`. */
export function killScenarios(trainedRun: () => Promise<string>): KillScenario[] {
  return [
    {
      name: 'train',
      args: (dir) => [
        'train',
        ...TINY,
        '--epochs',
        '3',
        '--checkpoint-epochs',
        '1,2',
        '--out',
        dir,
      ],
      artefacts: trainArtefacts,
    },
    {
      name: 'evaluate',
      prepare: async (dir) => {
        copyDir(await trainedRun(), path.join(dir, 'run'));
        fs.rmSync(path.join(dir, 'run', 'scores'), { recursive: true, force: true });
      },
      args: (dir) => [
        'evaluate',
        '--run',
        path.join(dir, 'run'),
        '--sample',
        '12',
        '--epoch',
        'all',
        '--progress',
        'none',
        '--data-dir',
        FASHION_DIR,
      ],
      artefacts: (dir) => scoresArtefacts(path.join(dir, 'run')),
    },
    {
      name: 'groundtruth',
      args: (dir) => [
        'groundtruth',
        ...TINY,
        '--epochs',
        '1',
        '--sample',
        '4',
        '--workers',
        '1',
        '--out',
        dir,
      ],
      artefacts: groundTruthArtefacts,
    },
    {
      name: 'search',
      args: (dir) => [
        'search',
        '--method',
        'gaea-bilevel',
        '--scale',
        'smoke',
        '--progress',
        'none',
        '--data-dir',
        FASHION_DIR,
        '--epochs',
        '3',
        '--ground-truth',
        'benchmark',
        '--out',
        dir,
      ],
      artefacts: (dir) =>
        [
          fileOr(path.join(dir, 'arch.jsonl'), (f) =>
            sha(
              JSON.stringify(
                withoutTimes(
                  fs
                    .readFileSync(f, 'utf8')
                    .trim()
                    .split('\n')
                    .map((l) => JSON.parse(l)),
                ),
              ),
            ),
          ),
          fileOr(path.join(dir, 'result.json'), json),
          trainArtefacts(dir),
        ].join(' '),
    },
    {
      name: 'study',
      args: (dir) => [
        'study',
        ...TINY,
        '--workers',
        '1',
        '--no-report',
        '--epochs',
        '2',
        '--gt-epochs',
        '1',
        '--gt-archs',
        '3',
        '--scored-archs',
        '6',
        '--out',
        dir,
      ],
      artefacts: (dir) =>
        [
          fileOr(path.join(dir, 'summary.json'), (f) =>
            sha(
              JSON.stringify(
                (JSON.parse(fs.readFileSync(f, 'utf8')) as { summary: unknown }).summary,
              ),
            ),
          ),
          scoresArtefacts(path.join(dir, 'supernet')),
          trainArtefacts(path.join(dir, 'supernet')),
          groundTruthArtefacts(path.join(dir, 'groundtruth')),
        ].join(' '),
    },
  ];
}

/** Runs one scenario: reference, then `trials` kill-and-resume trials. */
export async function killDrill(
  scenario: KillScenario,
  trials: number,
  rng: Rng,
): Promise<DrillResult> {
  const result = newResult('kill', scenario.name);
  return timed(result, async () => {
    const refDir = tempDir(`kill-${scenario.name}-ref`);
    await scenario.prepare?.(refDir);
    const ref = await runCli(scenario.args(refDir));
    if (ref.code !== 0) {
      result.lost++;
      result.notes.push(`reference run failed (exit ${ref.code}): ${tail(ref.stderr)}`);
      return;
    }
    const expected = scenario.artefacts(refDir);
    const refMs = ref.seconds * 1000;
    result.data = { referenceSeconds: ref.seconds, killedAtMs: [] as number[] };
    for (let t = 0; t < trials; t++) {
      const dir = tempDir(`kill-${scenario.name}`);
      await scenario.prepare?.(dir);
      const at = Math.round(refMs * (0.1 + 0.85 * rng.next()));
      (result.data.killedAtMs as number[]).push(at);
      result.tried++;
      const first = await runCli(scenario.args(dir), { killAfterMs: at });
      if (first.signal !== 'SIGKILL')
        result.notes.push(`trial ${t + 1}: finished before the kill at ${at} ms`);
      const again = await runCli(scenario.args(dir));
      if (again.code !== 0) {
        result.lost++;
        result.notes.push(
          `trial ${t + 1} (killed at ${at} ms): resume exit ${again.code}: ${tail(again.stderr)}`,
        );
      } else if (scenario.artefacts(dir) !== expected) {
        result.silentWrong++;
        result.notes.push(
          `trial ${t + 1} (killed at ${at} ms): artefacts differ from the uninterrupted run`,
        );
      } else {
        result.ok++;
        fs.rmSync(dir, { recursive: true, force: true });
      }
    }
    fs.rmSync(refDir, { recursive: true, force: true });
  });
}
