import * as path from 'node:path';
import { formatBenchTable, MULTI_ROUNDS, runBench, SOAK_STEPS } from '../../bench';
import { ENGINE_NAMES, type EngineName } from '../../engine';
import { optionalInt, UsageError, type Command } from '../command';

function engineList(value: string): EngineName[] {
  const names = value
    .split(',')
    .map((s) => s.trim().toLowerCase())
    .filter(Boolean);
  for (const n of names) {
    if (!(ENGINE_NAMES as readonly string[]).includes(n)) {
      throw new UsageError(
        `--engines: unknown engine ${JSON.stringify(n)}; expected a comma-separated list of ${ENGINE_NAMES.join(', ')}`,
      );
    }
  }
  if (names.length === 0) throw new UsageError('--engines: give at least one engine');
  return names as EngineName[];
}

export const benchCommand: Command = {
  name: 'bench',
  summary:
    'Benchmark SPOS training and sub-network evaluation of the NAS-Bench-201 supernet per engine, against PyTorch.',
  details: `
Measures, for each available engine and for PyTorch on the same network, architectures and
batch (scripts/bench-torch.py; Debian python3-torch or $SUPERNET_LAB_PYTHON): training images/s
in one process with all cores, sub-network evaluation images/s, training at batch 16, training
with one thread, aggregate training images/s with one single-threaded process per core, peak
RSS of both sides, CPU seconds per image, and how the cost grows with batch size and channels.
Every ratio is against PyTorch's fastest configuration measured in the same run: for one run the
faster of 1 and 2 threads (and --threads, if more), for many runs processes x 1 thread. The
many-runs rows alternate PyTorch and ours for --rounds rounds and report the median of the
rounds' ratios, because a VM's speed drifts over minutes. Each network, batch and thread count
runs in a fresh process (peak RSS is that run's). Prints a table
of ratios (ours / PyTorch) and writes the JSON to kernels-data/bench/. --profile adds where one
training step's time goes (native kernels, kernel JS, tfjs dispatch/JS, allocation, GC; one
thread). A full run ends with a memory soak: ${SOAK_STEPS} SPOS training steps of each network (a
fresh cell each step, one single-threaded process per network) with RSS, the V8 heap,
tf.memory() and the buffer pool sampled along the way (--soak N: N steps, also in a quick run;
--soak 0: none). Numbers on a machine that is busy with other work are low and noisy (the JSON records
the load average at the start and the end).`,
  options: {
    quick: {
      type: 'boolean',
      description: 'short run: fewer steps and scaling points, the extra rows for one engine',
    },
    profile: {
      type: 'boolean',
      description:
        'also profile one training step of each network (native kernels / kernel JS / dispatch / alloc / GC)',
    },
    'profile-only': {
      type: 'boolean',
      description: 'only the profile (no throughput rows, no PyTorch)',
    },
    engines: {
      type: 'string',
      description: `comma-separated engines to measure (${ENGINE_NAMES.join(', ')})`,
      default: 'native,wasm,webgpu,tensorflow',
    },
    threads: {
      type: 'string',
      description: 'threads of the single-process runs',
      default: 'all cores',
    },
    processes: {
      type: 'string',
      description: 'processes of the multi-process runs (1 disables them)',
      default: 'all cores',
    },
    rounds: {
      type: 'string',
      description: 'alternating rounds of the many-runs rows (the ratio is their median)',
      default: `${MULTI_ROUNDS} in a full run, 1 with --quick`,
    },
    soak: {
      type: 'string',
      description: 'training steps of the memory soak of each network (0: none)',
      default: `${SOAK_STEPS} in a full run, none with --quick`,
    },
    'no-scaling': { type: 'boolean', description: 'skip the batch/channel scaling runs' },
    'no-pytorch': { type: 'boolean', description: 'skip the PyTorch reference' },
    out: { type: 'string', description: 'folder for the JSON', default: 'kernels-data/bench' },
    json: { type: 'boolean', description: 'print the JSON report instead of the table' },
  },
  async run(values) {
    const engines = typeof values.engines === 'string' ? engineList(values.engines) : undefined;
    const threads = optionalInt(values, 'threads', 1, 1024);
    const processes = optionalInt(values, 'processes', 1, 1024);
    const soak = optionalInt(values, 'soak', 0, 10_000_000);
    const rounds = optionalInt(values, 'rounds', 1, 100);
    const out = typeof values.out === 'string' ? path.resolve(values.out) : undefined;
    const { report, file } = await runBench({
      quick: values.quick === true,
      engines,
      threads,
      processes,
      noScaling: values['no-scaling'] === true,
      noPytorch: values['no-pytorch'] === true,
      profile: values.profile === true,
      profileOnly: values['profile-only'] === true,
      soak,
      rounds,
      outDir: out,
    });
    if (values.json === true) process.stdout.write(JSON.stringify(report, null, 2) + '\n');
    else process.stdout.write(formatBenchTable(report));
    if (file) process.stderr.write(`[bench] wrote ${path.relative(process.cwd(), file)}\n`);
    return 0;
  },
};
