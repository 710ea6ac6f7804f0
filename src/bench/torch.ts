/** Runs the PyTorch reference (scripts/bench-torch.py) with a Python that has torch. */
import { spawn, spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { packageRoot } from '../info';
import type { WorkloadSpec } from './workload';
import { nativeWaitPolicy } from '../engine/native/addon';

export const TORCH_SCRIPT = path.join(packageRoot, 'scripts', 'bench-torch.py');

export type TorchLayout = 'channels_last' | 'nchw';

export interface TorchRun {
  layout: TorchLayout;
  /** torch.get_num_threads() of the run (absent in reports written before it was recorded). */
  threads?: number;
  trainStepMs: number[];
  evalStepMs: number[];
  trainCpuSeconds: number;
  evalCpuSeconds: number;
  trainImagesPerSec: number;
  evalImagesPerSec: number;
  /** Peak resident memory of the PyTorch process (getrusage ru_maxrss). */
  peakRssMiB: number;
  /** Resident memory when the job started (torch imported, before the network was built). */
  startRssMiB?: number | null;
}

export interface TorchResult {
  torch: string;
  threads: number;
  results: TorchRun[];
}

let cachedPython: { python: string; version: string } | null | undefined;

/**
 * A Python interpreter that can import torch: $SUPERNET_LAB_PYTHON, then python3 on PATH, then
 * the system /usr/bin/python3 (Debian's python3-torch). null when none has torch.
 */
export function findTorchPython(): { python: string; version: string } | null {
  if (cachedPython !== undefined) return cachedPython;
  const candidates = [process.env.SUPERNET_LAB_PYTHON, 'python3', '/usr/bin/python3', 'python'];
  cachedPython = null;
  for (const python of candidates) {
    if (!python) continue;
    const r = spawnSync(python, ['-c', 'import torch; print(torch.__version__)'], {
      encoding: 'utf8',
      timeout: 60_000,
    });
    if (r.status === 0) {
      cachedPython = { python, version: r.stdout.trim() };
      break;
    }
  }
  return cachedPython;
}

/**
 * Runs `spec` in a fresh PyTorch process per layout, so that each run's peak RSS is its own
 * (ru_maxrss only grows within a process); returns the layouts' runs as one result.
 */
export async function runTorchIsolated(
  spec: WorkloadSpec,
  threads: number,
  layouts: TorchLayout[],
): Promise<TorchResult> {
  const parts: TorchResult[] = [];
  for (const layout of layouts) parts.push(...(await runTorchJobs([spec], threads, [layout])));
  return {
    torch: parts[0].torch,
    threads: parts[0].threads,
    results: parts.flatMap((p) => p.results),
  };
}

/** Runs several workloads one after the other in one PyTorch process. */
export function runTorchJobs(
  specs: WorkloadSpec[],
  threads: number,
  layouts: TorchLayout[],
): Promise<TorchResult[]> {
  const found = findTorchPython();
  if (!found) return Promise.reject(new Error('no Python with torch found'));
  const job = specs.map((spec) => ({ ...spec, threads, layouts }));
  return new Promise((resolve, reject) => {
    const child = spawn(found.python, [TORCH_SCRIPT], {
      stdio: ['pipe', 'pipe', 'pipe'],
      // Same OpenMP waiting as the native engine, so the comparison is like for like.
      env: {
        ...process.env,
        OMP_NUM_THREADS: String(threads),
        OMP_WAIT_POLICY: nativeWaitPolicy(),
      },
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0) {
        reject(new Error(`${TORCH_SCRIPT} exited with ${code}: ${err.trim().slice(-2000)}`));
        return;
      }
      try {
        resolve(JSON.parse(out.trim().split('\n').pop() ?? '') as TorchResult[]);
      } catch {
        reject(new Error(`unreadable output of ${TORCH_SCRIPT}: ${out.slice(-500)}`));
      }
    });
    child.stdin.end(JSON.stringify(job));
  });
}
