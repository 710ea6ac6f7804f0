/**
 * `npm run notebooks:setup [-- --with-notebook] [--no-apt]`
 *
 * 1. Installs the Debian packages needed to execute notebooks and export figures, only those
 *    that are missing (needs root; otherwise prints the apt-get command to run):
 *    jupyter-nbconvert python3-nbclient python3-ipykernel jupyter-client python3-nbformat chromium
 *    (+ jupyter-notebook with --with-notebook, to open notebooks in the browser).
 * 2. Installs the tslab kernelspec project-locally under kernels-data/jupyter (git-ignored).
 *    No global or per-user Jupyter configuration is touched.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import {
  findPython,
  installKernelspec,
  jupyterDataDir,
  jupyterEnv,
  kernelName,
  kernelspecCurrent,
  missingPythonModules,
  root,
} from './notebooks-common';

function log(line: string): void {
  process.stdout.write(`notebooks:setup: ${line}\n`);
}

function chromiumPresent(): boolean {
  const p = process.env['CHROMIUM_PATH'] || '/usr/bin/chromium';
  return fs.existsSync(p);
}

function notebookServerPresent(python: string): boolean {
  const r = spawnSync(python, ['-c', 'import notebook'], { stdio: 'ignore' });
  return r.status === 0;
}

function aptInstall(packages: string[]): void {
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  const command = `apt-get update && apt-get install -y --no-install-recommends ${packages.join(' ')}`;
  if (!isRoot) {
    throw new Error(
      `missing Debian packages: ${packages.join(' ')}. Not running as root, so install them ` +
        `yourself and run this again:\n  sudo sh -c '${command}'`,
    );
  }
  if (spawnSync('apt-get', ['--version'], { stdio: 'ignore' }).status !== 0) {
    throw new Error(
      `missing packages ${packages.join(' ')} and no apt-get here; install the equivalents ` +
        'with your package manager (see environment.md)',
    );
  }
  log(`installing ${packages.join(' ')}`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  const update = spawnSync('apt-get', ['update'], { stdio: 'inherit', env });
  if (update.status !== 0) throw new Error('apt-get update failed');
  const install = spawnSync('apt-get', ['install', '-y', '--no-install-recommends', ...packages], {
    stdio: 'inherit',
    env,
  });
  if (install.status !== 0) throw new Error(`apt-get install ${packages.join(' ')} failed`);
}

function main(argv: string[]): number {
  let values: { 'with-notebook'?: boolean; 'no-apt'?: boolean; help?: boolean };
  try {
    values = parseArgs({
      args: argv,
      strict: true,
      options: {
        'with-notebook': { type: 'boolean' },
        'no-apt': { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    }).values;
  } catch (err) {
    process.stderr.write(`notebooks:setup: ${(err as Error).message.split('\n')[0]}\n`);
    return 2;
  }
  if (values.help) {
    process.stdout.write(
      'Usage: npm run notebooks:setup -- [--with-notebook] [--no-apt]\n' +
        '  --with-notebook  also install the classic Jupyter Notebook server (jupyter-notebook)\n' +
        '  --no-apt         only install the kernelspec; never call apt-get\n',
    );
    return 0;
  }
  try {
    let python = findPython();
    const wanted = new Set<string>(missingPythonModules(python).map((m) => m.deb));
    if (!chromiumPresent()) wanted.add('chromium');
    if (values['with-notebook'] && !notebookServerPresent(python)) wanted.add('jupyter-notebook');
    if (wanted.size > 0) {
      if (values['no-apt']) throw new Error(`missing Debian packages: ${[...wanted].join(' ')}`);
      aptInstall([...wanted]);
      python = findPython();
      const still = missingPythonModules(python);
      if (still.length > 0) {
        throw new Error(
          `${python} still cannot import ${still.map((m) => m.module).join(', ')}; ` +
            'set SUPERNET_LAB_PYTHON to the Python that has the Jupyter packages',
        );
      }
    } else {
      log('Debian packages present (Jupyter packages for ' + python + ', chromium)');
    }
    if (kernelspecCurrent()) {
      log(`kernelspec '${kernelName}' already installed in ${path.relative(root, jupyterDataDir)}`);
    } else {
      installKernelspec(python);
      log(`installed kernelspec '${kernelName}' in ${path.relative(root, jupyterDataDir)}`);
    }
    const check = spawnSync(
      python,
      [
        '-c',
        'import json; from jupyter_client.kernelspec import KernelSpecManager; ' +
          'print(json.dumps(KernelSpecManager().find_kernel_specs()))',
      ],
      { env: jupyterEnv(), encoding: 'utf8' },
    );
    const specs = check.status === 0 ? (JSON.parse(check.stdout) as Record<string, string>) : {};
    if (!(kernelName in specs)) {
      throw new Error(
        `Jupyter does not see the '${kernelName}' kernelspec via JUPYTER_PATH: ${check.stderr}`,
      );
    }
    log('done. Execute every notebook: npm run notebooks; open them: npm run notebooks:serve');
    log(`(or set JUPYTER_PATH=${path.relative(root, jupyterDataDir)} for your own Jupyter)`);
    return 0;
  } catch (err) {
    process.stderr.write(`notebooks:setup: ${(err as Error).message}\n`);
    return 1;
  }
}

if (require.main === module) process.exitCode = main(process.argv.slice(2));
