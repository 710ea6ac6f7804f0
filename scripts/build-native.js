#!/usr/bin/env node
'use strict';
// Builds the optional native engine (native/: a Node-API addon over oneDNN) with node-gyp.
// Never fails the surrounding build: when the compiler, Node's headers or oneDNN
// (Debian/Ubuntu: `apt-get install libdnnl-dev`) are missing it prints why and exits 0, and the
// engine falls back to wasm. Usage: node scripts/build-native.js [--strict] (exit 1 on failure).
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const root = path.join(__dirname, '..');
const nativeDir = path.join(root, 'native');
const strict = process.argv.includes('--strict');

function fail(message) {
  console.warn(`build:native: skipped — ${message}`);
  console.warn('build:native: the native engine is unavailable; supernet-lab will use wasm.');
  process.exit(strict ? 1 : 0);
}

if (process.env.SUPERNET_LAB_SKIP_NATIVE) fail('SUPERNET_LAB_SKIP_NATIVE is set');
if (process.platform !== 'linux')
  fail(`the native engine is built on Linux only (this is ${process.platform})`);

const dnnlHeader = ['/usr/include/oneapi/dnnl/dnnl.hpp', '/usr/include/dnnl.hpp'].find((f) =>
  fs.existsSync(f),
);
if (!dnnlHeader) fail('oneDNN headers not found (install libdnnl-dev)');

function findNodeGyp() {
  const candidates = [
    process.env.npm_config_node_gyp,
    path.join(
      path.dirname(process.execPath),
      '..',
      'lib',
      'node_modules',
      'npm',
      'node_modules',
      'node-gyp',
      'bin',
      'node-gyp.js',
    ),
  ];
  try {
    candidates.push(require.resolve('node-gyp/bin/node-gyp.js'));
  } catch {
    // not installed locally
  }
  return candidates.find((c) => c && fs.existsSync(c));
}

const nodeGyp = findNodeGyp();
if (!nodeGyp) fail('node-gyp not found (it ships with npm)');

const args = [nodeGyp, 'rebuild', '--directory', nativeDir];
// Use the installed Node headers instead of downloading them when no nodedir is configured.
if (!process.env.npm_config_nodedir) {
  const nodedir = path.resolve(path.dirname(process.execPath), '..');
  if (fs.existsSync(path.join(nodedir, 'include', 'node', 'node_api.h'))) {
    args.push(`--nodedir=${nodedir}`);
  }
}
const started = Date.now();
const res = spawnSync(process.execPath, args, { cwd: root, encoding: 'utf8' });
if (res.status !== 0) {
  const log = `${res.stdout || ''}${res.stderr || ''}`.trim().split('\n').slice(-15).join('\n');
  fail(`node-gyp failed:\n${log}`);
}
const addon = path.join(nativeDir, 'build', 'Release', 'supernet_native.node');
if (!fs.existsSync(addon)) fail(`node-gyp succeeded but ${addon} is missing`);
console.log(
  `build:native: built ${path.relative(root, addon)} in ${((Date.now() - started) / 1000).toFixed(1)} s`,
);
