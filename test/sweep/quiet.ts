/**
 * Removing a sweep test's temp folder once nothing writes to it. A killed worker's job
 * process notices its parent is gone only between two kernel calls, which on a loaded CI
 * machine can take seconds: removing the folder before that races with its last writes
 * (ENOTEMPTY). So: wait until no process names the folder on its command line (workers take
 * it as --storage, job processes as their run folder), then remove it with retries.
 */
import * as fs from 'node:fs';

function processesNaming(dir: string): number[] {
  const pids: number[] = [];
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    try {
      if (fs.readFileSync(`/proc/${entry}/cmdline`, 'utf8').includes(dir)) pids.push(Number(entry));
    } catch {
      // The process ended while we looked.
    }
  }
  return pids;
}

export async function removeWhenQuiet(dir: string, ms = 30_000): Promise<void> {
  const end = Date.now() + ms;
  if (fs.existsSync('/proc/self/cmdline')) {
    for (let left = processesNaming(dir); left.length > 0; left = processesNaming(dir)) {
      if (Date.now() > end) {
        for (const pid of left) process.kill(pid, 'SIGKILL');
        break;
      }
      await new Promise((r) => setTimeout(r, 200));
    }
  }
  fs.rmSync(dir, { recursive: true, force: true, maxRetries: 20, retryDelay: 250 });
}
