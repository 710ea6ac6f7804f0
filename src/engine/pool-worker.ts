/**
 * Entry point of a pool worker process (see pool.ts): initialises the engine, then runs the jobs
 * the parent sends over IPC, one at a time, until told to stop.
 */
import { initEngine } from './init';
import type { FromWorker, PoolTask, PoolTaskFunction, ToWorker } from './pool';
import type { EngineInfo } from './types';

function send(msg: FromWorker): void {
  process.send?.(msg);
}

function errorText(err: unknown): string {
  return err instanceof Error ? (err.stack ?? err.message) : String(err);
}

async function main(): Promise<void> {
  const task = JSON.parse(process.env.SUPERNET_LAB_POOL_TASK ?? 'null') as PoolTask | null;
  const workerIndex = Number(process.env.SUPERNET_LAB_POOL_WORKER ?? 0);
  let fn: PoolTaskFunction<unknown, unknown>;
  let engine: EngineInfo;
  try {
    if (!task) throw new Error('SUPERNET_LAB_POOL_TASK is not set');
    const mod = require(task.module) as Record<string, unknown>;
    const f = mod[task.exportName];
    if (typeof f !== 'function') {
      throw new Error(`${task.module} has no exported function ${JSON.stringify(task.exportName)}`);
    }
    fn = f as PoolTaskFunction<unknown, unknown>;
    engine = await initEngine();
  } catch (err) {
    send({ kind: 'init-failed', error: errorText(err) });
    return;
  }
  process.on('message', (raw) => {
    const msg = raw as ToWorker;
    if (msg.kind === 'stop') {
      process.disconnect?.();
      setImmediate(() => process.exit(0));
      return;
    }
    void (async () => {
      try {
        const value = await fn(msg.input, { workerIndex, jobIndex: msg.index, engine });
        send({ kind: 'done', index: msg.index, ok: true, value });
      } catch (err) {
        send({ kind: 'done', index: msg.index, ok: false, error: errorText(err) });
      }
    })();
  });
  send({ kind: 'ready', engine });
}

void main();
