import * as fs from 'node:fs';
import * as path from 'node:path';

/** Root folder of the installed package (works from src/ under tsx and from dist/). */
export const packageRoot: string = path.resolve(__dirname, '..');

function versionOf(pkg: string): string | null {
  try {
    const file = require.resolve(`${pkg}/package.json`, { paths: [packageRoot] });
    return (JSON.parse(fs.readFileSync(file, 'utf8')) as { version: string }).version;
  } catch {
    return null;
  }
}

/**
 * The widest x86 vector extension this CPU has ('avx512', 'avx2', 'sse4', or the architecture
 * elsewhere). oneDNN picks its kernels by it, so native results are bit-identical only between
 * machines that share it (a CPU model name such as "AMD EPYC" does not tell).
 */
export function cpuSimd(): string {
  let flags = '';
  try {
    flags = /^flags\s*:(.*)$/m.exec(fs.readFileSync('/proc/cpuinfo', 'utf8'))?.[1] ?? '';
  } catch {
    return process.arch;
  }
  const has = (f: string) => flags.includes(` ${f}`);
  if (has('avx512f')) return 'avx512';
  if (has('avx2')) return 'avx2';
  if (has('sse4_2')) return 'sse4';
  return process.arch;
}

export interface LibraryInfo {
  supernetLab: string;
  node: string;
  platform: string;
  packages: Record<string, string | null>;
}

/** Versions of everything that can change a number; recorded in every run folder. */
export function libraryInfo(): LibraryInfo {
  const own = JSON.parse(fs.readFileSync(path.join(packageRoot, 'package.json'), 'utf8')) as {
    version: string;
  };
  const packages: Record<string, string | null> = {};
  for (const p of [
    '@tensorflow/tfjs',
    '@tensorflow/tfjs-backend-wasm',
    '@tensorflow/tfjs-backend-webgpu',
    '@tensorflow/tfjs-node',
    '@tensorflow/tfjs-node-gpu',
    'arquero',
    'simple-statistics',
    'tslab',
  ]) {
    packages[p] = versionOf(p);
  }
  return {
    supernetLab: own.version,
    node: process.version,
    platform: `${process.platform}-${process.arch}`,
    packages,
  };
}
