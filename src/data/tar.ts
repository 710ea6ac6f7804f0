import { DatasetError } from './types';

export interface TarEntry {
  name: string;
  /** '0' (or '\0') regular file, '5' directory, ... (POSIX typeflag). */
  type: string;
  data: Buffer;
}

function field(buf: Buffer, start: number, len: number): string {
  const raw = buf.subarray(start, start + len);
  const nul = raw.indexOf(0);
  return raw.subarray(0, nul === -1 ? len : nul).toString('utf8');
}

function octal(buf: Buffer, start: number, len: number, what: string, archive: string): number {
  const s = field(buf, start, len).trim();
  if (s === '') return 0;
  if (!/^[0-7]+$/.test(s))
    throw new DatasetError(
      `${archive}: corrupt tar header (${what} ${JSON.stringify(s)})`,
      archive,
    );
  return parseInt(s, 8);
}

/**
 * Reads an (uncompressed) POSIX/ustar or GNU tar archive held in memory: regular files and
 * directories, ustar name prefixes, GNU long names ('L') and pax headers ('x', path only).
 * Header checksums are verified; a truncated or corrupt archive throws naming `archive`.
 */
export function readTar(buf: Buffer, archive = 'tar archive'): TarEntry[] {
  const entries: TarEntry[] = [];
  let off = 0;
  let longName: string | null = null;
  while (off + 512 <= buf.length) {
    const header = buf.subarray(off, off + 512);
    if (header.every((b) => b === 0)) return entries; // end-of-archive block
    const stored = octal(header, 148, 8, 'checksum', archive);
    let sum = 0;
    for (let i = 0; i < 512; i++) sum += i >= 148 && i < 156 ? 32 : header[i];
    if (sum !== stored) {
      throw new DatasetError(
        `${archive}: corrupt tar header at byte ${off} (checksum mismatch)`,
        archive,
      );
    }
    const size = octal(header, 124, 12, 'size', archive);
    const type = field(header, 156, 1) || '0';
    const magic = field(header, 257, 6);
    const prefix = magic.startsWith('ustar') ? field(header, 345, 155) : '';
    let name = field(header, 0, 100);
    if (prefix) name = `${prefix}/${name}`;
    const start = off + 512;
    const end = start + size;
    if (end > buf.length) {
      throw new DatasetError(
        `${archive}: truncated tar archive (${name} needs ${size} bytes, ${buf.length - start} left)`,
        archive,
      );
    }
    const data = buf.subarray(start, end);
    off = start + Math.ceil(size / 512) * 512;
    if (type === 'L') {
      longName = field(data, 0, data.length);
      continue;
    }
    if (type === 'x' || type === 'g') {
      const m = /(?:^|\n)\d+ path=([^\n]*)\n/.exec(data.toString('utf8'));
      if (m && type === 'x') longName = m[1];
      continue;
    }
    entries.push({ name: longName ?? name, type: type === '\0' ? '0' : type, data });
    longName = null;
  }
  if (off < buf.length || entries.length === 0) {
    throw new DatasetError(`${archive}: truncated tar archive (no end-of-archive block)`, archive);
  }
  return entries;
}
