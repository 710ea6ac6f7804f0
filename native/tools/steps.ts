/**
 * Fixed-work driver for measuring the native engine: builds the bench networks (src/bench) and
 * runs a fixed number of SPOS training steps on fixed cells, one thread, so that
 * `valgrind --tool=callgrind` instruction counts compare before/after a change on identical
 * work (wall-clock on the shared 2-core machine is too noisy for that).
 *
 *   SUPERNET_LAB_THREADS=1 npx tsx native/tools/steps.ts <nb201|laptop> <warmup> <steps> [batch]
 *
 * Under callgrind (counting starts with the timed steps, see CALLGRIND below):
 *   SUPERNET_LAB_THREADS=1 valgrind --tool=callgrind --instr-atstart=no \
 *     --callgrind-out-file=/tmp/cg.%p node --import tsx native/tools/steps.ts laptop 3 5
 * Prints the losses (identical before/after a change that keeps the numerics) and ms per step.
 */
import * as tf from '@tensorflow/tfjs';
import { initEngine } from '../../src/engine';
import { createSupernet } from '../../src/supernet/network';
import { Sgd } from '../../src/core/sgd';
import { trainStep } from '../../src/train/step';
import { Rng } from '../../src/engine/random';
import { sampleNb201 } from '../../src/spaces/nb201/sample';
import type { Nb201Arch } from '../../src/spaces/nb201/definition';

async function main(): Promise<void> {
  const [which = 'laptop', warmupArg = '3', stepsArg = '5', batchArg] = process.argv.slice(2);
  const cfg =
    which === 'nb201'
      ? { channels: 16, cellsPerStage: 5, inputChannels: 3, classes: 10, imageSize: 32 }
      : { channels: 8, cellsPerStage: 1, inputChannels: 1, classes: 10, imageSize: 28 };
  const batch = Number(batchArg ?? 64);
  const engine = await initEngine((process.env.SUPERNET_LAB_ENGINE as 'native') ?? 'native');
  const net = createSupernet(
    {
      channels: cfg.channels,
      cellsPerStage: cfg.cellsPerStage,
      inputChannels: cfg.inputChannels,
      classes: cfg.classes,
    },
    { seed: 1 },
  );
  const sgd = new Sgd({ momentum: 0.9, nesterov: true, weightDecay: 5e-4, clipNorm: 5 });
  sgd.initBuffers(net.variables.trainable);
  const archRng = new Rng('bench-archs');
  const archs = Array.from({ length: 64 }, () => [...sampleNb201(archRng)] as unknown as Nb201Arch);
  const rng = new Rng(1);
  const s = cfg.imageSize;
  const shape = [batch, s, s, cfg.inputChannels] as const;
  const images = rng.fillNormal(new Float32Array(batch * s * s * cfg.inputChannels));
  const labels = Int32Array.from({ length: batch }, () => rng.int(cfg.classes));
  let k = 0;
  const losses: number[] = [];
  const step = () =>
    losses.push(trainStep(net, archs[k++ % archs.length], images, labels, shape, sgd, 0.05).loss);
  for (let i = 0; i < Number(warmupArg); i++) step();
  const n = Number(stepsArg);
  const ms: number[] = [];
  callgrind('start');
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    step();
    ms.push(performance.now() - t);
  }
  callgrind('stop');
  console.log(
    JSON.stringify({
      engine: engine.name,
      threads: engine.threads,
      network: which,
      batch,
      losses: losses.map((l) => Number(l.toPrecision(7))),
      stepMs: ms.map((m) => Math.round(m * 10) / 10),
      tensors: tf.memory().numTensors,
      load: (await import('node:os')).loadavg().map((x) => Math.round(x * 100) / 100),
    }),
  );
  sgd.dispose();
  net.dispose();
}

/**
 * Switches callgrind's instrumentation on/off from JS (run with --instr-atstart=no): there is
 * no client-request API in Node, so this uses callgrind_control on our own pid when it runs
 * under valgrind (CALLGRIND=1 in the environment).
 */
function callgrind(what: 'start' | 'stop'): void {
  if (!process.env.CALLGRIND) return;
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { execFileSync } = require('node:child_process') as typeof import('node:child_process');
  execFileSync(
    'callgrind_control',
    [what === 'start' ? '-i' : '-i', what === 'start' ? 'on' : 'off', String(process.pid)],
    {
      stdio: 'ignore',
    },
  );
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
