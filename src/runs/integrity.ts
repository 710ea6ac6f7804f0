/**
 * sha256 checksums of the files a run folder holds. A checkpoint's manifest.json records the
 * sha256 and byte length of its tensors.bin; a table (scores CSV, groundtruth.csv) has a sidecar
 * `<file>.sha256` in `sha256sum` format (`<hex>  <name>`), so `sha256sum -c` checks it too.
 * Files written before checksums existed have none and are accepted as they are; a checksum that
 * is present and does not match is an error (CorruptFileError) naming the file.
 */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { CorruptFileError } from '../errors';

export interface FileDigest {
  /** Lower-case hex sha256 of the content. */
  sha256: string;
  bytes: number;
}

export function sha256Hex(data: string | Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

export function digestOf(data: string | Uint8Array): FileDigest {
  const bytes = typeof data === 'string' ? Buffer.byteLength(data, 'utf8') : data.byteLength;
  return { sha256: sha256Hex(data), bytes };
}

/** Where the checksum of a table lives: `<file>.sha256`. */
export function checksumSidecarPath(file: string): string {
  return `${file}.sha256`;
}

/** The sidecar's text for `file` with this digest (one `sha256sum` line). */
export function formatChecksumSidecar(file: string, digest: FileDigest): string {
  return `${digest.sha256}  ${path.basename(file)}\n`;
}

/** The hex digest a sidecar records; a malformed sidecar is a CorruptFileError naming it. */
export function parseChecksumSidecar(sidecar: string, text: string): string {
  const m = /^([0-9a-f]{64}) [ *]?\S/.exec(text.trim());
  if (!m) {
    throw new CorruptFileError(
      sidecar,
      `${sidecar} is not a sha256 checksum line ("<64 hex digits>  <name>"); restore it, or ` +
        `delete it to accept the table unchecked`,
    );
  }
  return m[1];
}

/**
 * Throws a CorruptFileError naming `file` when `actual` differs from `expected` (`recordedIn`
 * names where the expected digest comes from; `remedy` says what to do).
 */
export function verifyDigest(
  file: string,
  actual: FileDigest,
  expected: { sha256: string; bytes?: number },
  recordedIn: string,
  remedy: string,
): void {
  if (expected.bytes !== undefined && actual.bytes !== expected.bytes) {
    const how = actual.bytes < expected.bytes ? 'truncated' : 'longer than written';
    throw new CorruptFileError(
      file,
      `${file} is corrupt (${how}): it has ${actual.bytes} bytes, ${recordedIn} records ` +
        `${expected.bytes}. ${remedy}`,
    );
  }
  if (actual.sha256 !== expected.sha256) {
    throw new CorruptFileError(
      file,
      `${file} is corrupt (checksum mismatch): sha256 ${actual.sha256.slice(0, 16)}..., ` +
        `${recordedIn} records ${expected.sha256.slice(0, 16)}.... ${remedy}`,
    );
  }
}

/** The sidecar `<file>.sha256`'s text, or null when there is none. */
function readSidecarText(sidecar: string): string | null {
  try {
    return fs.readFileSync(sidecar, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
}

/**
 * Reads `file` and checks it against its sidecar `<file>.sha256`: `verified` is false when there
 * is no sidecar (a file written before checksums existed); a mismatch throws a CorruptFileError
 * naming the file, with `remedy` appended. The sidecar is read before and after the file, and
 * all three are read again when the two differ, so a concurrent rewrite (sidecar removed, file
 * renamed into place, new sidecar written) never reads as corrupt.
 */
export function readVerifiedFile(
  file: string,
  remedy: string,
): { data: Buffer; verified: boolean } {
  const sidecar = checksumSidecarPath(file);
  for (let attempt = 1; ; attempt++) {
    const before = readSidecarText(sidecar);
    const data = fs.readFileSync(file);
    const after = readSidecarText(sidecar);
    if (before !== after && attempt < 5) continue;
    if (after === null) return { data, verified: false };
    const expected = parseChecksumSidecar(sidecar, after);
    verifyDigest(file, digestOf(data), { sha256: expected }, path.basename(sidecar), remedy);
    return { data, verified: true };
  }
}
