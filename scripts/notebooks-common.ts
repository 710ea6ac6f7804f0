/**
 * Shared by the notebook scripts (setup, run, serve): where the project-local Jupyter data
 * lives, which Python has the Jupyter packages, and the tslab kernelspec.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

export const root = path.resolve(__dirname, '..');
/** The project-local Jupyter prefix; kernelspecs end up in <prefix>/share/jupyter/kernels/. */
export const jupyterPrefix = path.join(root, 'kernels-data', 'jupyter');
/** What JUPYTER_PATH must contain for Jupyter to find the project's kernelspec. */
export const jupyterDataDir = path.join(jupyterPrefix, 'share', 'jupyter');
export const kernelName = 'tslab';
export const tslabBinary = path.join(root, 'node_modules', '.bin', 'tslab');

/** The Python modules needed to execute notebooks headless, and the Debian package of each. */
export const PYTHON_MODULES: ReadonlyArray<{ module: string; deb: string }> = [
  { module: 'jupyter_client', deb: 'jupyter-client' },
  { module: 'nbformat', deb: 'python3-nbformat' },
  { module: 'nbclient', deb: 'python3-nbclient' },
  { module: 'nbconvert', deb: 'jupyter-nbconvert' },
  { module: 'ipykernel', deb: 'python3-ipykernel' },
];

function pythonHas(python: string, modules: string[]): boolean {
  const r = spawnSync(python, ['-c', modules.map((m) => `import ${m}`).join('; ')], {
    stdio: 'ignore',
  });
  return r.status === 0;
}

/**
 * The Python interpreter to drive Jupyter with: $SUPERNET_LAB_PYTHON, else Debian's
 * /usr/bin/python3 (where apt installs the Jupyter packages; a pyenv/conda `python3` earlier on
 * PATH usually lacks them), else `python3`.
 */
export function findPython(): string {
  const fromEnv = process.env['SUPERNET_LAB_PYTHON'];
  if (fromEnv && fromEnv.trim() !== '') return fromEnv;
  const candidates = ['/usr/bin/python3', 'python3'];
  const mods = PYTHON_MODULES.map((m) => m.module);
  for (const c of candidates) if (pythonHas(c, mods)) return c;
  return fs.existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3';
}

/** Python modules (with their Debian packages) that `python` cannot import. */
export function missingPythonModules(python: string): Array<{ module: string; deb: string }> {
  return PYTHON_MODULES.filter((m) => !pythonHas(python, [m.module]));
}

/** Environment for Jupyter processes: the project kernelspec first on JUPYTER_PATH. */
export function jupyterEnv(base: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  const existing = base['JUPYTER_PATH'];
  return {
    ...base,
    JUPYTER_PATH: existing ? `${jupyterDataDir}${path.delimiter}${existing}` : jupyterDataDir,
  };
}

const kernelJson = path.join(jupyterDataDir, 'kernels', kernelName, 'kernel.json');

/** True when the project kernelspec exists and starts this checkout's tslab. */
export function kernelspecCurrent(): boolean {
  try {
    const spec = JSON.parse(fs.readFileSync(kernelJson, 'utf8')) as { argv?: string[] };
    return Array.isArray(spec.argv) && spec.argv[0] === tslabBinary;
  } catch {
    return false;
  }
}

/**
 * Installs (or refreshes) the tslab kernelspecs (TypeScript "tslab" and JavaScript "jslab")
 * under kernels-data/jupyter with tslab's own installer. Nothing outside the project changes.
 */
export function installKernelspec(python: string): void {
  if (!fs.existsSync(tslabBinary)) {
    throw new Error(`tslab is not installed (${path.relative(root, tslabBinary)}); run 'npm ci'`);
  }
  const installer = path.join(root, 'node_modules', 'tslab', 'python', 'install.py');
  const r = spawnSync(python, [installer, `--tslab=${tslabBinary}`, `--prefix=${jupyterPrefix}`], {
    encoding: 'utf8',
  });
  if (r.status !== 0 || !kernelspecCurrent()) {
    throw new Error(
      `installing the tslab kernelspec into ${path.relative(root, jupyterPrefix)} failed ` +
        `(${python} ${path.relative(root, installer)}):\n${r.stdout ?? ''}${r.stderr ?? ''}`,
    );
  }
}

/** Runs `npm run build` so that notebooks (which import ../dist) see the current library. */
export function buildLibrary(): void {
  const tsc = path.join(root, 'node_modules', 'typescript', 'bin', 'tsc');
  const r = spawnSync(process.execPath, [tsc, '-p', path.join(root, 'tsconfig.build.json')], {
    cwd: root,
    stdio: 'inherit',
  });
  if (r.status !== 0) throw new Error('building the library (tsc -p tsconfig.build.json) failed');
}
