#!/usr/bin/env node
'use strict';
// Thin launcher: the CLI is compiled to dist/ by `npm run build` (run automatically by npm ci/install).
const path = require('node:path');
const fs = require('node:fs');
const entry = path.join(__dirname, '..', 'dist', 'cli', 'main.js');
if (!fs.existsSync(entry)) {
  process.stderr.write('supernet-lab: the library is not built yet; run `npm run build` first.\n');
  process.exit(2);
}
const argv = process.argv.slice(2);
let cli;
try {
  cli = require(entry);
} catch (err) {
  const debug = argv.includes('--debug') || ['1', 'true'].includes(process.env.SUPERNET_LAB_DEBUG);
  const text = debug && err && err.stack ? err.stack : err && err.message ? err.message : err;
  process.stderr.write(`supernet-lab: cannot load ${entry} (run \`npm run build\`): ${text}\n`);
  process.exit(1);
}
cli.runCli(argv);
