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
