import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { DatasetError } from './types';

export interface DownloadSpec {
  url: string;
  /** Expected MD5 (hex) and/or SHA-256 (hex) of the whole file. */
  md5?: string;
  sha256?: string;
  /** Expected size in bytes. */
  size?: number;
}

/** MD5 and SHA-256 of a file, streamed. */
export async function fileDigests(
  file: string,
): Promise<{ md5: string; sha256: string; size: number }> {
  const md5 = crypto.createHash('md5');
  const sha = crypto.createHash('sha256');
  let size = 0;
  for await (const chunk of fs.createReadStream(file)) {
    md5.update(chunk as Buffer);
    sha.update(chunk as Buffer);
    size += (chunk as Buffer).length;
  }
  return { md5: md5.digest('hex'), sha256: sha.digest('hex'), size };
}

/** Throws naming the file unless it has the expected size and digests. */
export async function verifyFile(file: string, spec: Omit<DownloadSpec, 'url'>): Promise<void> {
  const d = await fileDigests(file);
  if (spec.size !== undefined && d.size !== spec.size) {
    throw new DatasetError(`${file}: size ${d.size} bytes, expected ${spec.size}`, file);
  }
  if (spec.md5 && d.md5 !== spec.md5.toLowerCase()) {
    throw new DatasetError(`${file}: MD5 ${d.md5}, expected ${spec.md5}`, file);
  }
  if (spec.sha256 && d.sha256 !== spec.sha256.toLowerCase()) {
    throw new DatasetError(`${file}: SHA-256 ${d.sha256}, expected ${spec.sha256}`, file);
  }
}

/**
 * Downloads `spec.url` to `dest` unless `dest` already exists: streams into a temporary file in
 * the same folder, checks size and checksums, then renames (so `dest` is never half-written or
 * unverified). On any failure the temporary file is removed and the error names the URL.
 */
export async function downloadVerified(
  spec: DownloadSpec,
  dest: string,
  log: (line: string) => void = () => {},
): Promise<string> {
  if (fs.existsSync(dest)) return dest;
  fs.mkdirSync(path.dirname(dest), { recursive: true });
  const tmp = path.join(
    path.dirname(dest),
    `.${path.basename(dest)}.${process.pid}.${Date.now()}.part`,
  );
  try {
    log(`downloading ${spec.url} -> ${dest}`);
    let res: Response;
    try {
      res = await fetch(spec.url);
    } catch (err) {
      throw new DatasetError(`cannot download ${spec.url}: ${(err as Error).message}`);
    }
    if (!res.ok || !res.body)
      throw new DatasetError(`cannot download ${spec.url}: HTTP ${res.status}`);
    const out = fs.createWriteStream(tmp);
    let writeError: Error | null = null;
    out.on('error', (err) => (writeError = err));
    const reader = res.body.getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      if (writeError) break;
      if (!out.write(value)) await new Promise<void>((r) => out.once('drain', () => r()));
    }
    await new Promise<void>((resolve, reject) =>
      out.end((err?: Error | null) => (err ? reject(err) : resolve())),
    );
    if (writeError)
      throw new DatasetError(`cannot write ${tmp}: ${(writeError as Error).message}`, tmp);
    try {
      await verifyFile(tmp, spec);
    } catch (err) {
      throw new DatasetError(
        `download of ${spec.url} failed verification: ${(err as Error).message}`,
      );
    }
    fs.renameSync(tmp, dest);
    return dest;
  } finally {
    fs.rmSync(tmp, { force: true });
  }
}
