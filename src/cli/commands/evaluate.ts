import * as fs from 'node:fs';
import * as path from 'node:path';
import { UsageError, intOption, stringOption, type Command, type OptionValues } from '../command';
import { parseEngineRequest } from '../../engine';
import { formatNb201 } from '../../spaces/nb201/arch';
import type { Nb201Arch } from '../../spaces/nb201/definition';
import {
  readArchList,
  readJson,
  sampleArchitectures,
  scoreSupernet,
  writeArchList,
  type SupernetRunConfig,
} from '../../train';
import { isOtherSpace } from '../../train/space-presets';
import { evaluateOtherSpace } from './space-runs';
import {
  TRAIN_SPACES,
  checkpointEpochsOption,
  spaceOption,
  ONE_THREAD,
  loadData,
  makeProgress,
  runCliChild,
  setUpEngine,
  type CommonSettings,
} from './train';

/** Architectures from --archs FILE or --sample N (--arch-seed). */
export function architectureList(values: OptionValues, fallbackCount?: number): Nb201Arch[] {
  const file = values['archs'];
  if (typeof file === 'string') {
    if (values['sample'] !== undefined)
      throw new UsageError('give --archs FILE or --sample N, not both');
    const archs = readArchList(file);
    if (archs.length === 0) throw new UsageError(`--archs ${file} lists no architectures`);
    const keys = archs.map(formatNb201);
    if (new Set(keys).size !== keys.length)
      throw new UsageError(`--archs ${file} lists an architecture twice`);
    return archs;
  }
  if (values['sample'] === undefined && fallbackCount === undefined) {
    throw new UsageError('give --archs FILE (one NB-201 string per line) or --sample N');
  }
  const n = intOption(values, 'sample', fallbackCount ?? 0, 1, 15284);
  return sampleArchitectures(n, intOption(values, 'arch-seed', 0, 0, 2 ** 32 - 1));
}

function parseShard(values: OptionValues): { index: number; count: number } | undefined {
  const v = values['shard'];
  if (v === undefined) return undefined;
  const m = typeof v === 'string' ? /^(\d+)\/(\d+)$/.exec(v.trim()) : null;
  if (!m || Number(m[2]) < 1 || Number(m[1]) >= Number(m[2])) {
    throw new UsageError(`--shard must be I/N with 0 <= I < N, got ${JSON.stringify(v)}`);
  }
  return { index: Number(m[1]), count: Number(m[2]) };
}

export const evaluateCommand: Command = {
  name: 'evaluate',
  summary: 'Score architectures on a supernet checkpoint (BN recalibration, validation accuracy).',
  details: `
For each architecture: inherit the supernet's weights, reset and re-estimate BN statistics on
B x S training images (the run's --calib-batches x --calib-size unless overridden), then top-1
accuracy and loss on the validation split. Writes <run>/scores/epoch-XXXX.csv (arch,accuracy,loss).
Resumable; --workers N splits the list over N processes.
Runs of nb101, darts, proxyless and darts-ptb (see train --space) are scored the same way
(darts-ptb: no BN; loss = log perplexity) with their own architecture strings; an existing
scores file is completed, not recomputed; --workers is NB-201 only.
Examples:
  supernet-lab evaluate --run kernels-data/runs/sn --sample 100 --arch-seed 1
  supernet-lab evaluate --space nb101 --run /tmp/nb101 --sample 20 --epoch all
  supernet-lab evaluate --run kernels-data/runs/sn --archs archs.txt --epoch all`,
  options: {
    run: { type: 'string', description: 'supernet run folder (required)' },
    space: {
      type: 'string',
      description: "space of the run (checked against its config.json; default: the run's own)",
    },
    arch: {
      type: 'string',
      description: "other spaces: score this one architecture (the space's string format)",
    },
    epoch: {
      type: 'string',
      description: "checkpoint epoch, 'latest' or 'all' (every kept checkpoint)",
      default: 'latest',
    },
    archs: { type: 'string', description: 'file with one NB-201 architecture string per line' },
    sample: { type: 'string', description: 'score N uniformly sampled valid architectures' },
    'arch-seed': { type: 'string', description: 'seed of --sample', default: '0' },
    'calib-batches': { type: 'string', description: 'BN recalibration: batches (B)' },
    'calib-size': { type: 'string', description: 'BN recalibration: images per batch (S)' },
    workers: { type: 'string', description: 'processes to split the work over', default: '1' },
    shard: { type: 'string', description: 'score only shard I/N of the list (used by --workers)' },
    engine: { type: 'string', description: 'tensor engine (default: auto)' },
    'data-dir': { type: 'string', description: 'dataset folder/archive' },
    progress: { type: 'string', description: 'bar, lines or none' },
  },
  async run(values) {
    const runDir = path.resolve(stringOption(values, 'run'));
    if (!fs.existsSync(path.join(runDir, 'config.json'))) {
      throw new UsageError(`--run ${runDir} is not a run folder (no config.json)`);
    }
    const config = readJson<SupernetRunConfig>(path.join(runDir, 'config.json'));
    const space = spaceOption(values, TRAIN_SPACES);
    if (String(config.space) !== 'nb201' && isOtherSpace(String(config.space))) {
      return evaluateOtherSpace(runDir, values);
    }
    if (space !== 'nb201') {
      throw new UsageError(
        `--space ${space} does not match --run ${runDir}, which holds a ${String(config.space)} run`,
      );
    }
    if (values['arch'] !== undefined) {
      throw new UsageError('--arch is for the other spaces; give NB-201 lists with --archs FILE');
    }
    if (config.kind !== 'supernet')
      throw new UsageError(`--run ${runDir} is a ${config.kind} run, not a supernet run`);
    const epochs = checkpointEpochsOption(values, runDir);
    const archs = architectureList(values);
    const workers = intOption(values, 'workers', 1, 1, 256);
    const calibration = {
      batches: intOption(values, 'calib-batches', config.calibrationBatches, 0),
      batchSize: intOption(values, 'calib-size', config.calibrationBatchSize, 1),
    };
    const engineRequest =
      typeof values['engine'] === 'string'
        ? values['engine']
        : (process.env.SUPERNET_LAB_ENGINE ?? 'auto');
    try {
      parseEngineRequest(engineRequest, '--engine');
    } catch (err) {
      throw new UsageError((err as Error).message);
    }
    const settings: CommonSettings = {
      dataset: config.dataset,
      scale: config.scale,
      seed: config.seed,
      engineRequest,
      dataDir: typeof values['data-dir'] === 'string' ? values['data-dir'] : undefined,
      download: false,
      progressMode:
        values['progress'] === 'none'
          ? 'none'
          : values['progress'] === 'bar' ||
              (values['progress'] === undefined && process.stderr.isTTY)
            ? 'bar'
            : 'lines',
    };
    if (workers > 1 && values['shard'] === undefined) {
      // Fan out: one child per shard, same list (written to the run folder).
      const listFile = path.join(runDir, 'scores', 'parts', `archs-${process.pid}.txt`);
      fs.mkdirSync(path.dirname(listFile), { recursive: true });
      writeArchList(listFile, archs);
      const common = [
        '--run',
        runDir,
        '--archs',
        listFile,
        '--progress',
        'lines',
        '--engine',
        engineRequest,
      ];
      common.push(
        '--calib-batches',
        String(calibration.batches),
        '--calib-size',
        String(calibration.batchSize),
      );
      if (settings.dataDir) common.push('--data-dir', settings.dataDir);
      for (const epoch of epochs) {
        const codes = await Promise.all(
          Array.from({ length: workers }, (_, i) =>
            runCliChild(
              ['evaluate', ...common, '--epoch', String(epoch), '--shard', `${i}/${workers}`],
              {
                label: `score ${i + 1}/${workers}`,
                env: ONE_THREAD,
              },
            ),
          ),
        );
        if (codes.some((c) => c !== 0)) {
          process.stderr.write(
            `supernet-lab evaluate: a worker failed (exit codes ${codes.join(', ')})\n`,
          );
          return 1;
        }
      }
      fs.rmSync(listFile, { force: true });
      for (const epoch of epochs) {
        const file = path.join(runDir, 'scores', `epoch-${String(epoch).padStart(4, '0')}.csv`);
        process.stdout.write(
          JSON.stringify({ run: runDir, epoch, archs: archs.length, file }) + '\n',
        );
      }
      return 0;
    }
    const engine = await setUpEngine(settings);
    const data = await loadData(settings, config);
    const shard = parseShard(values);
    for (const epoch of epochs) {
      const progress = makeProgress(settings.progressMode, `score epoch ${epoch} `);
      const r = scoreSupernet({ runDir, epoch, archs, data, calibration, shard, progress });
      const best = [...r.rows].sort((a, b) => b.accuracy - a.accuracy)[0];
      process.stdout.write(
        JSON.stringify({
          run: runDir,
          epoch,
          engine: engine.name,
          archs: r.rows.length,
          file: r.file,
          seconds: r.seconds,
          best: best ? { arch: best.arch, accuracy: best.accuracy } : null,
        }) + '\n',
      );
    }
    return 0;
  },
};
