// The queue over TLS: a throwaway CA and server certificate (openssl) for a real redis-server
// listening for TLS only; a rediss:// URL with SUPERNET_LAB_QUEUE_CA submits one tiny job and a
// `supernet-lab worker` runs it over TLS. Without the CA the certificate is refused.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { connectQueue, QUEUE_CA_ENV_VAR, submitJobs } from '../../src/sweep/queue';
import { resolveJob, type TrainJobSpec } from '../../src/sweep/spec';
import { isDone } from '../../src/sweep/storage';
import { redisServerAvailable, TestRedis } from './redis';
import { removeWhenQuiet } from './quiet';

const root = path.join(__dirname, '..', '..');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'sweep-tls-'));

function openssl(args: string[]): boolean {
  return spawnSync('openssl', args, { cwd: tmp, stdio: 'ignore' }).status === 0;
}

/** A CA and a server certificate for 127.0.0.1 signed by it (null: openssl failed). */
function makeCerts(): { cert: string; key: string; ca: string } | null {
  fs.writeFileSync(path.join(tmp, 'ext'), 'subjectAltName=IP:127.0.0.1\n');
  const ok =
    openssl(
      ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'ca.key'].concat([
        '-out',
        'ca.crt',
        '-days',
        '1',
        '-subj',
        '/CN=supernet-lab test CA',
      ]),
    ) &&
    openssl(
      ['req', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'srv.key', '-out', 'srv.csr'].concat([
        '-subj',
        '/CN=127.0.0.1',
      ]),
    ) &&
    openssl(
      ['x509', '-req', '-in', 'srv.csr', '-CA', 'ca.crt', '-CAkey', 'ca.key'].concat([
        '-CAcreateserial',
        '-out',
        'srv.crt',
        '-days',
        '1',
        '-extfile',
        'ext',
      ]),
    );
  const f = (n: string) => path.join(tmp, n);
  return ok ? { cert: f('srv.crt'), key: f('srv.key'), ca: f('ca.crt') } : null;
}

const hasOpenssl = spawnSync('openssl', ['version']).status === 0;
const skip = !redisServerAvailable()
  ? 'redis-server is not installed'
  : !hasOpenssl
    ? 'openssl is not installed'
    : false;
let redis: TestRedis | undefined;
let worker: ChildProcess | undefined;

before(async () => {
  if (skip) return;
  const tls = makeCerts();
  assert.ok(tls, 'openssl made the certificates');
  redis = await TestRedis.create({ password: 'tls pass', tls });
});
after(async () => {
  worker?.kill('SIGKILL');
  await redis?.stop();
  delete process.env[QUEUE_CA_ENV_VAR];
  await removeWhenQuiet(tmp);
});

test(
  'a job submitted and run over rediss:// with the lab CA',
  { skip, timeout: 300_000 },
  async () => {
    const url = redis!.url;
    assert.match(url, /^rediss:\/\//);
    // Node's CA list does not know the throwaway CA: refused, with the URL in the message.
    await assert.rejects(connectQueue(url, 5000), /cannot use the queue at rediss:/);

    process.env[QUEUE_CA_ENV_VAR] = path.join(tmp, 'ca.crt');
    const storage = path.join(tmp, 'storage');
    const job = resolveJob(
      {
        stage: 'train',
        space: 'nb201',
        scale: 'smoke',
        seed: 3,
        epochs: 1,
        trainImages: 64,
      } as TrainJobSpec,
      'tls test',
    );
    const queue = await connectQueue(url);
    try {
      const s = await submitJobs(queue, storage, [job], { attempts: 1 });
      assert.deepEqual(s.added, [job.id]);
      worker = spawn(
        process.execPath,
        ['--import', 'tsx', path.join(root, 'src/cli/run.ts'), 'worker', '--queue', url].concat([
          '--storage',
          storage,
        ]),
        { cwd: root, env: { ...process.env }, stdio: 'ignore' },
      );
      const end = Date.now() + 240_000;
      while (!isDone(storage, job.id)) {
        assert.ok(Date.now() < end, 'the job finished within 4 minutes');
        await new Promise((r) => setTimeout(r, 500));
      }
      assert.equal(await queue.getJobState(job.id), 'completed');
    } finally {
      await queue.close();
    }
  },
);
