/**
 * A real redis-server for one test file: a free loopback port, its own temp dir, append-only
 * file on (fsync always, so a SIGKILL loses nothing acknowledged), no RDB snapshots. `kill()`
 * and `start()` again reuse the dir, as a crash and restart of the queue's server would.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';

export function redisServerAvailable(): boolean {
  return spawnSync('redis-server', ['--version']).status === 0;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as net.AddressInfo).port;
      srv.close(() => resolve(port));
    });
  });
}

async function waitForPort(port: number, ms: number): Promise<void> {
  const until = Date.now() + ms;
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const s = net.connect(port, '127.0.0.1', () => {
        s.end();
        resolve(true);
      });
      s.on('error', () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > until) throw new Error(`redis-server did not listen on ${port}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** PEM files of a TLS server: its certificate and key, and the CA that signed it. */
export interface TestTls {
  cert: string;
  key: string;
  ca: string;
}

export class TestRedis {
  private proc: ChildProcess | null = null;
  private constructor(
    readonly port: number,
    readonly dir: string,
    private readonly password?: string,
    private readonly tls?: TestTls,
  ) {}

  /** With `tls`, the server listens for TLS only (rediss://) on `port`. */
  static async create(options: { password?: string; tls?: TestTls } = {}): Promise<TestRedis> {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sweep-redis-'));
    const r = new TestRedis(await freePort(), dir, options.password, options.tls);
    await r.start();
    return r;
  }

  get url(): string {
    const auth = this.password ? `:${encodeURIComponent(this.password)}@` : '';
    return `${this.tls ? 'rediss' : 'redis'}://${auth}127.0.0.1:${this.port}`;
  }

  async start(): Promise<void> {
    const listen = this.tls
      ? ['--port', '0', '--tls-port', String(this.port), '--tls-cert-file', this.tls.cert]
      : ['--port', String(this.port)];
    if (this.tls) {
      listen.push('--tls-key-file', this.tls.key, '--tls-ca-cert-file', this.tls.ca);
      listen.push('--tls-auth-clients', 'no');
    }
    const args = [...listen, '--bind', '127.0.0.1', '--dir', this.dir];
    args.push('--appendonly', 'yes', '--appendfsync', 'always', '--save', '');
    if (this.password) args.push('--requirepass', this.password);
    this.proc = spawn('redis-server', args, { stdio: 'ignore' });
    await waitForPort(this.port, 10_000);
  }

  /** SIGKILL: the server dies without a chance to save anything more. */
  async kill(): Promise<void> {
    const p = this.proc;
    this.proc = null;
    if (!p || p.exitCode !== null) return;
    await new Promise<void>((resolve) => {
      p.once('exit', () => resolve());
      p.kill('SIGKILL');
    });
  }

  async stop(): Promise<void> {
    await this.kill();
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}
