import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import * as zlib from 'node:zlib';
import { downloadVerified, loadCifar, readTar } from '../../src/data';
import { cifarSubset, missing, numpyPython, py, tmpDir } from './helpers';

// From ../shared/data/cifar-10-subset/README.md.
const SHA256 = {
  'data_batch_1.bin': '0993cf8b8e43bc207603aef9787006995746513f5e3fa5a52e06d1b069926330',
  'test_batch.bin': '8314c96d7cd65618193bab23acdd5d4c4af15bf6dd00a1781d55beedf3be1ef5',
};

test(
  'tar reader: extracts the subset archive byte-exactly (README checksums)',
  { skip: missing(cifarSubset) },
  () => {
    const entries = readTar(zlib.gunzipSync(fs.readFileSync(cifarSubset)), cifarSubset);
    const files = new Map(entries.filter((e) => e.type === '0').map((e) => [e.name, e.data]));
    assert.deepEqual([...files.keys()].sort(), [
      'cifar-10-batches-bin/batches.meta.txt',
      'cifar-10-batches-bin/data_batch_1.bin',
      'cifar-10-batches-bin/test_batch.bin',
    ]);
    for (const [name, sha] of Object.entries(SHA256)) {
      const data = files.get(`cifar-10-batches-bin/${name}`) as Buffer;
      assert.equal(crypto.createHash('sha256').update(data).digest('hex'), sha, name);
    }
  },
);

test('tar reader: long names, nested folders, corrupt and truncated archives', () => {
  const dir = tmpDir('tar');
  try {
    const long = 'a'.repeat(120);
    fs.mkdirSync(path.join(dir, 'src', 'deep', long), { recursive: true });
    fs.writeFileSync(path.join(dir, 'src', 'deep', long, 'file.bin'), Buffer.from([1, 2, 3, 4, 5]));
    fs.writeFileSync(path.join(dir, 'src', 'empty.txt'), '');
    for (const format of ['gnu', 'posix', 'ustar']) {
      const tarFile = path.join(dir, `t-${format}.tar`);
      const r = spawnSync(
        'tar',
        [`--format=${format}`, '-cf', tarFile, '-C', path.join(dir, 'src'), '.'],
        { encoding: 'utf8' },
      );
      if (r.status !== 0) {
        assert.equal(format, 'ustar', r.stderr); // ustar cannot hold a 120-char component
        continue;
      }
      const entries = readTar(fs.readFileSync(tarFile), tarFile);
      const file = entries.find((e) => e.name.endsWith('/file.bin'));
      assert.ok(file, `${format}: ${entries.map((e) => e.name).join(', ')}`);
      assert.equal(file.name, `./deep/${long}/file.bin`);
      assert.deepEqual([...file.data], [1, 2, 3, 4, 5]);
      assert.ok(entries.some((e) => e.name === './empty.txt' && e.data.length === 0));
    }
    const buf = fs.readFileSync(path.join(dir, 't-gnu.tar'));
    const corrupt = Buffer.from(buf);
    corrupt[5] ^= 0xff;
    assert.throws(
      () => readTar(corrupt, 'x.tar'),
      /x\.tar: corrupt tar header at byte 0 \(checksum mismatch\)/,
    );
    const firstData = readTar(buf).findIndex((e) => e.data.length > 0);
    assert.ok(firstData >= 0);
    assert.throws(() => readTar(buf.subarray(0, 1500), 'y.tar'), /y\.tar: truncated tar archive/);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test(
  'CIFAR-10 subset from the archive: 4000 + 1000 images, labels and pixels agree with numpy',
  { skip: missing(cifarSubset) || (numpyPython ? false : 'no numpy') },
  async () => {
    const { train, test, trainFiles } = await loadCifar('cifar10', { source: cifarSubset });
    assert.deepEqual(trainFiles, ['data_batch_1.bin']);
    assert.deepEqual(train.shape, [4000, 32, 32, 3]);
    assert.deepEqual(test.shape, [1000, 32, 32, 3]);
    assert.deepEqual(train.classNames.slice(0, 3), ['airplane', 'automobile', 'bird']);
    const o = py<{ labels: number[]; px: number[][]; hist: number[] }>(`
import json, tarfile, numpy as np
t = tarfile.open('${cifarSubset}')
raw = np.frombuffer(t.extractfile('cifar-10-batches-bin/data_batch_1.bin').read(), dtype=np.uint8).reshape(-1, 3073)
img = raw[:, 1:].reshape(-1, 3, 32, 32)
print(json.dumps({'labels': raw[:20, 0].astype(int).tolist(),
  'px': [img[i, :, y, x].astype(int).tolist() for (i, y, x) in [(0, 0, 0), (1, 5, 7), (3999, 31, 30)]],
  'hist': np.bincount(raw[:, 0], minlength=10).tolist()}))
`);
    assert.deepEqual(Array.from(train.labels.subarray(0, 20)), o.labels);
    const hist = new Array(10).fill(0);
    train.labels.forEach((l) => hist[l]++);
    assert.deepEqual(hist, o.hist);
    const mean = [125.3, 123.0, 113.9];
    const std = [63.0, 62.1, 66.7];
    [
      [0, 0, 0],
      [1, 5, 7],
      [3999, 31, 30],
    ].forEach(([i, y, x], k) => {
      for (let c = 0; c < 3; c++) {
        const v = train.images[((i * 32 + y) * 32 + x) * 3 + c];
        assert.ok(
          Math.abs(v - (o.px[k][c] - mean[c]) / std[c]) < 1e-5,
          `image ${i} (${y},${x}) channel ${c}`,
        );
      }
    });
  },
);

test(
  'CIFAR from an extracted folder equals the archive; a truncated batch names its file',
  { skip: missing(cifarSubset) },
  async () => {
    const dir = tmpDir('cifar');
    try {
      assert.equal(spawnSync('tar', ['-xzf', cifarSubset, '-C', dir]).status, 0);
      const a = await loadCifar('cifar10', { source: cifarSubset });
      const b = await loadCifar('cifar10', { source: dir });
      assert.deepEqual(b.test.labels, a.test.labels);
      assert.deepEqual(b.test.images, a.test.images);
      const batch = path.join(dir, 'cifar-10-batches-bin', 'test_batch.bin');
      fs.truncateSync(batch, 3073 * 10 + 100);
      await assert.rejects(
        loadCifar('cifar10', { source: dir }),
        (e: Error) =>
          e.message.includes(batch) &&
          /30830 bytes is not a whole number of 3073-byte CIFAR records/.test(e.message),
      );
      await assert.rejects(
        loadCifar('cifar100', { source: dir }),
        /not a cifar100 binary archive\/folder/,
      );
      await assert.rejects(
        loadCifar('cifar10', { cacheDir: dir }),
        /cifar-10-binary\.tar\.gz.*cs\.toronto\.edu/,
      );
      const gz = fs.readFileSync(cifarSubset);
      const cut = path.join(dir, 'cut.tar.gz');
      fs.writeFileSync(cut, gz.subarray(0, gz.length - 1000));
      await assert.rejects(
        loadCifar('cifar10', { source: cut }),
        (e: Error) => e.message.includes(cut) && /truncated/.test(e.message),
      );
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  },
);

test(
  'download: checksum-verified, atomic, nothing left behind on a mismatch',
  { skip: missing(cifarSubset) },
  async () => {
    const body = fs.readFileSync(cifarSubset);
    const server = http.createServer((req, res) => {
      if (req.url === '/archive.tar.gz') {
        res.writeHead(200, { 'content-length': body.length });
        res.end(body);
      } else {
        res.writeHead(404);
        res.end();
      }
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    const { port } = server.address() as AddressInfo;
    const url = `http://127.0.0.1:${port}/archive.tar.gz`;
    const dir = tmpDir('dl');
    try {
      const md5 = spawnSync('md5sum', [cifarSubset], { encoding: 'utf8' }).stdout.split(' ')[0];
      assert.match(md5, /^[0-9a-f]{32}$/);
      const bad = path.join(dir, 'bad.tar.gz');
      await assert.rejects(
        downloadVerified({ url, md5: '0'.repeat(32) }, bad),
        /failed verification: .*MD5 .* expected 0{32}/,
      );
      assert.deepEqual(fs.readdirSync(dir), []);
      await assert.rejects(downloadVerified({ url: url + 'x', md5 }, bad), /HTTP 404/);
      const good = path.join(dir, 'cache', 'cifar-10-binary.tar.gz');
      await downloadVerified({ url, md5, size: body.length }, good);
      assert.deepEqual(fs.readFileSync(good), body);
      assert.deepEqual(fs.readdirSync(path.dirname(good)), ['cifar-10-binary.tar.gz']);
      // The cache is used as the default source.
      const { test } = await loadCifar('cifar10', { cacheDir: path.dirname(good) });
      assert.equal(test.shape[0], 1000);
    } finally {
      server.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  },
);
