/**
 * Progress reporting for long work: a redrawn bar with ETA on a terminal, plain lines otherwise
 * (CI logs, notebooks). Writes to a stream (stderr by default), never to stdout, so that
 * commands can keep stdout for results.
 */
export interface ProgressSink {
  /** Called often; redraws the bar on a TTY, silent otherwise. */
  update(done: number, total: number, detail?: string): void;
  /** A line that must always appear (e.g. one per epoch). */
  line(text: string): void;
  /** Clears the bar. */
  done(): void;
}

export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '--';
  const s = Math.round(seconds);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const r = s % 60;
  if (h > 0) return `${h}h${String(m).padStart(2, '0')}m`;
  if (m > 0) return `${m}m${String(r).padStart(2, '0')}s`;
  return `${r}s`;
}

export interface ProgressOptions {
  stream?: NodeJS.WritableStream & { isTTY?: boolean; columns?: number };
  /** Label in front of the bar. */
  label?: string;
  /** Force the bar on/off (default: on when the stream is a TTY). */
  bar?: boolean;
  /** Suppress everything (tests). */
  silent?: boolean;
}

/**
 * A progress reporter. ETA = elapsed / done * (total - done), measured from the first update
 * (so start-up cost is not extrapolated).
 */
export function createProgress(options: ProgressOptions = {}): ProgressSink {
  const stream = options.stream ?? process.stderr;
  const silent = options.silent ?? false;
  const bar = !silent && (options.bar ?? Boolean(stream.isTTY));
  const label = options.label ?? '';
  let start = 0;
  let startDone = 0;
  let lastDraw = 0;
  let drawn = false;
  const clear = () => {
    if (drawn) stream.write('\r\x1b[2K');
    drawn = false;
  };
  return {
    update(done, total, detail = '') {
      if (!bar) return;
      const now = Date.now();
      if (start === 0) {
        start = now;
        startDone = done;
      }
      if (now - lastDraw < 100 && done < total) return;
      lastDraw = now;
      const frac = total > 0 ? Math.min(1, done / total) : 0;
      const width = 24;
      const filled = Math.round(frac * width);
      const rate = (done - startDone) / Math.max((now - start) / 1000, 1e-9);
      const eta = rate > 0 ? (total - done) / rate : NaN;
      const text =
        `${label}[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ` +
        `${(frac * 100).toFixed(0).padStart(3)}% ${done}/${total} ETA ${formatDuration(eta)} ${detail}`;
      const cols = stream.columns ?? 120;
      stream.write('\r\x1b[2K' + text.slice(0, Math.max(20, cols - 1)));
      drawn = true;
    },
    line(text) {
      if (silent) return;
      clear();
      stream.write(text + '\n');
    },
    done() {
      clear();
      start = 0;
    },
  };
}
