import * as fs from 'node:fs';
import * as path from 'node:path';
import { UsageError, intOption, stringOption, type Command, type OptionValues } from '../command';
import { readRunConfig } from '../../runs/config';
import { checkpointName, scoresPath, writeFileAtomic } from '../../runs/folder';
import { scoreRun } from '../../evaluate/score-run';
import { loadConfigData, runSetup } from '../../train/pipeline';
import {
  ARCH_OPTIONS,
  ONE_THREAD,
  archList,
  checkpointEpochsOption,
  folderSettings,
  lockRunFolder,
  makeProgress,
  parseShard,
  runCliChild,
  setUpEngine,
  WAIT_OPTION,
  printJson,
} from './run-options';

/**
 * The lock of one checkpoint's scoring shard in <run>/scores (shard 0/1: an unsharded evaluate):
 * different epochs of one run score side by side, one process per epoch and shard.
 */
export function shardLockName(epoch: number, shard: { index: number; count: number }): string {
  return `.lock-${checkpointName(epoch)}-shard-${shard.index}-of-${shard.count}`;
}

/** Runs `score` for one epoch (this process's shard, from --shard) while holding its lock. */
async function withShardLock<T>(
  runDir: string,
  epoch: number,
  values: OptionValues,
  score: (shard: { index: number; count: number } | undefined) => T,
): Promise<T> {
  const shard = parseShard(values);
  const part = shard ?? { index: 0, count: 1 };
  const release = await lockRunFolder(
    path.join(runDir, 'scores'),
    `evaluate --run ${runDir} (${checkpointName(epoch)}, shard ${part.index}/${part.count})`,
    values,
    shardLockName(epoch, part),
  );
  try {
    return score(shard);
  } finally {
    release();
  }
}

export const evaluateCommand: Command = {
  name: 'evaluate',
  summary: 'Score architectures on a supernet checkpoint (BN recalibration, validation accuracy).',
  details: `
For each architecture of the run's space: inherit the supernet's weights (few-shot: its own
sub-supernet's), reset and re-estimate BN statistics on B x S training examples (a seeded sample,
the same for every architecture; the run's --calib-batches x --calib-size unless overridden;
darts-ptb has no BN), then top-1 accuracy and loss on the validation split (darts-ptb: next-token
accuracy and log perplexity). Writes <run>/scores/epoch-XXXX.csv (arch,accuracy,loss).
Resumable; --workers N splits the list over N processes. A score that is not a number (corrupt
or diverged checkpoint) is an error naming the architecture and checkpoint. One process scores
a checkpoint's shard at a time (lock <run>/scores/.lock-epoch-XXXX-shard-I-of-N, taken for each
epoch while it is scored): a second evaluate of the same run, epoch and shard is refused naming
the holder, or waits with --wait; other epochs and shards score side by side; shards merge into
the epoch's table one at a time, keeping each other's rows.
Examples:
  supernet-lab evaluate --run kernels-data/runs/sn --sample 100 --arch-seed 1
  supernet-lab evaluate --run /tmp/nb101 --sample 20 --epoch all --workers 2
  supernet-lab evaluate --run kernels-data/runs/sn --archs archs.txt --epoch all`,
  options: {
    run: { type: 'string', description: 'supernet run folder (required)' },
    space: {
      type: 'string',
      description: "space of the run (checked against its config.json; default: the run's own)",
    },
    epoch: {
      type: 'string',
      description: "checkpoint epoch, 'latest' or 'all' (every kept checkpoint)",
      default: 'latest',
    },
    ...ARCH_OPTIONS,
    'calib-batches': { type: 'string', description: 'BN recalibration: batches (B)' },
    'calib-size': { type: 'string', description: 'BN recalibration: examples per batch (S)' },
    workers: { type: 'string', description: 'processes to split the work over', default: '1' },
    shard: { type: 'string', description: 'score only shard I/N of the list (used by --workers)' },
    engine: { type: 'string', description: 'tensor engine (default: auto)' },
    'data-dir': { type: 'string', description: 'dataset folder/archive' },
    progress: { type: 'string', description: 'bar, lines or none' },
    ...WAIT_OPTION,
  },
  async run(values) {
    const runDir = path.resolve(stringOption(values, 'run'));
    const config = readRunConfig(runDir);
    if (values['space'] !== undefined && values['space'] !== config.space) {
      throw new UsageError(
        `--space ${String(values['space'])} does not match --run ${runDir}, which holds a ${config.space} run`,
      );
    }
    if (config.kind !== 'supernet') {
      throw new UsageError(`--run ${runDir} is a ${config.kind} run, not a supernet run`);
    }
    const s = folderSettings(values, config);
    const epochs = checkpointEpochsOption(values, runDir);
    const workers = intOption(values, 'workers', 1, 1, 256);
    const calibration = {
      batches: intOption(values, 'calib-batches', config.calibrationBatches, 0),
      batchSize: intOption(values, 'calib-size', config.calibrationBatchSize, 1),
    };
    const overridden = values['calib-batches'] !== undefined || values['calib-size'] !== undefined;
    const fanOut = workers > 1 && values['shard'] === undefined;
    const engine = fanOut ? null : await setUpEngine(s);
    const data = await loadConfigData(config, { dataDir: s.dataDir });
    const archs = archList(values, runSetup(config, data));
    if (fanOut) {
      // Fan out: one child per shard, same list (written to the run folder).
      const listFile = path.join(runDir, 'scores', 'parts', `archs-${process.pid}.txt`);
      writeFileAtomic(listFile, archs.join('\n') + '\n');
      const common = ['--run', runDir, '--archs', listFile, '--progress', 'lines'];
      common.push('--engine', s.engineRequest);
      if (overridden) {
        common.push('--calib-batches', String(calibration.batches));
        common.push('--calib-size', String(calibration.batchSize));
      }
      if (s.dataDir) common.push('--data-dir', s.dataDir);
      if (values['wait'] === true) common.push('--wait');
      for (const epoch of epochs) {
        const codes = await Promise.all(
          Array.from({ length: workers }, (_, i) =>
            runCliChild(
              ['evaluate', ...common, '--epoch', String(epoch), '--shard', `${i}/${workers}`],
              { label: `score ${i + 1}/${workers}`, env: ONE_THREAD },
            ),
          ),
        );
        if (codes.some((c) => c !== 0)) {
          throw new Error(`a scoring worker failed (exit codes ${codes.join(', ')})`);
        }
      }
      fs.rmSync(listFile, { force: true });
      for (const epoch of epochs) {
        const file = scoresPath(runDir, epoch);
        printJson({ run: runDir, space: config.space, epoch, archs: archs.length, file });
      }
      return 0;
    }
    const calibrated = overridden ? { calibration } : {};
    for (const epoch of epochs) {
      const progress = makeProgress(s.progressMode, `score ${config.space} epoch ${epoch} `);
      const r = await withShardLock(runDir, epoch, values, (shard) =>
        scoreRun({ runDir, epoch, archs, data, ...calibrated, shard, progress }),
      );
      const best = [...r.rows].sort((a, b) => b.accuracy - a.accuracy)[0];
      printJson({
        run: runDir,
        space: config.space,
        epoch,
        engine: engine?.name,
        archs: r.rows.length,
        scored: r.scored,
        file: r.file,
        seconds: r.seconds,
        best: best ? { arch: best.arch, accuracy: best.accuracy, loss: best.loss } : null,
      });
    }
    return 0;
  },
};
