import * as fs from 'node:fs';
import * as zlib from 'node:zlib';
import { DatasetError } from './types';

/** Reads a whole file, gunzipping it when it starts with the gzip magic bytes. */
export function readMaybeGzip(file: string): Buffer {
  let buf: Buffer;
  try {
    buf = fs.readFileSync(file);
  } catch (err) {
    throw new DatasetError(`cannot read ${file}: ${(err as Error).message}`, file);
  }
  if (buf.length >= 2 && buf[0] === 0x1f && buf[1] === 0x8b) {
    try {
      return zlib.gunzipSync(buf);
    } catch (err) {
      throw new DatasetError(
        `${file}: corrupt or truncated gzip data (${(err as Error).message})`,
        file,
      );
    }
  }
  return buf;
}

export interface IdxArray {
  dims: number[];
  data: Uint8Array;
}

/**
 * Parses an IDX file of unsigned bytes (MNIST format: magic 0x0000 08 <ndims>, big-endian u32
 * dimensions, then the data), optionally gzipped. `expectDims` checks the number of dimensions.
 */
export function readIdxUint8(file: string, expectDims?: number): IdxArray {
  const buf = readMaybeGzip(file);
  if (buf.length < 4)
    throw new DatasetError(`${file}: truncated IDX file (${buf.length} bytes)`, file);
  const magic = buf.readUInt32BE(0);
  const type = (magic >> 8) & 0xff;
  const ndims = magic & 0xff;
  if (magic >>> 16 !== 0 || type !== 0x08) {
    throw new DatasetError(
      `${file}: not an unsigned-byte IDX file (magic 0x${magic.toString(16).padStart(8, '0')}, expected 0x000008xx)`,
      file,
    );
  }
  if (expectDims !== undefined && ndims !== expectDims) {
    throw new DatasetError(
      `${file}: IDX file has ${ndims} dimensions, expected ${expectDims}`,
      file,
    );
  }
  const header = 4 + 4 * ndims;
  if (buf.length < header) throw new DatasetError(`${file}: truncated IDX header`, file);
  const dims: number[] = [];
  for (let i = 0; i < ndims; i++) dims.push(buf.readUInt32BE(4 + 4 * i));
  const count = dims.reduce((a, b) => a * b, 1);
  const have = buf.length - header;
  if (have !== count) {
    throw new DatasetError(
      `${file}: ${have < count ? 'truncated' : 'oversized'} IDX data: dimensions ${dims.join('x')} need ${count} bytes, file has ${have}`,
      file,
    );
  }
  return { dims, data: new Uint8Array(buf.buffer, buf.byteOffset + header, count) };
}
