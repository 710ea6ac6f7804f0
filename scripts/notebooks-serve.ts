/**
 * `npm run notebooks:serve [-- <jupyter options>]`
 *
 * Opens notebooks/ in JupyterLab when it is installed, else in the classic Jupyter Notebook
 * (Debian: jupyter-notebook, `npm run notebooks:setup -- --with-notebook`), with the project's
 * tslab kernelspec on JUPYTER_PATH. Extra options go to Jupyter (e.g. --no-browser --port 8899).
 */
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import {
  findPython,
  installKernelspec,
  jupyterEnv,
  kernelspecCurrent,
  root,
} from './notebooks-common';

function has(python: string, module: string): boolean {
  return spawnSync(python, ['-c', `import ${module}`], { stdio: 'ignore' }).status === 0;
}

function main(argv: string[]): number {
  const python = findPython();
  const app = has(python, 'jupyterlab')
    ? 'jupyterlab'
    : has(python, 'notebook')
      ? 'notebook'
      : null;
  if (app === null) {
    process.stderr.write(
      `notebooks:serve: neither JupyterLab nor the classic Notebook is installed for ${python}; ` +
        "run 'npm run notebooks:setup -- --with-notebook' (Debian's jupyter-notebook) or install " +
        'JupyterLab, then run this again.\n',
    );
    return 1;
  }
  try {
    if (!kernelspecCurrent()) installKernelspec(python);
  } catch (err) {
    process.stderr.write(`notebooks:serve: ${(err as Error).message}\n`);
    return 1;
  }
  const notebookDir = path.join(root, 'notebooks');
  const dirFlag = app === 'jupyterlab' ? '--ServerApp.root_dir' : '--notebook-dir';
  process.stdout.write(`notebooks:serve: ${python} -m ${app} (kernel: TypeScript / tslab)\n`);
  const r = spawnSync(python, ['-m', app, `${dirFlag}=${notebookDir}`, ...argv], {
    cwd: notebookDir,
    env: jupyterEnv(),
    stdio: 'inherit',
  });
  return r.status ?? 1;
}

if (require.main === module) process.exitCode = main(process.argv.slice(2));
