/**
 * The IDX file format (LeCun's MNIST format): a 4-byte magic [0, 0, type, ndims], ndims
 * big-endian uint32 sizes, then the values row-major. Files may be gzipped, as MNIST and
 * Fashion-MNIST are usually distributed. Only unsigned bytes (type 0x08) are accepted: that is
 * what image and label files use, and anything else would need a different scaling.
 */
import { readFile } from 'node:fs/promises';
import { promisify } from 'node:util';
import { gunzip } from 'node:zlib';
import { DataError } from '../errors.js';
import { sha256Hex } from '../util/sha256.js';

const gunzipAsync = promisify(gunzip);

const UBYTE = 0x08;
/** Names of the IDX element types, so an error can say what a file holds instead. */
const TYPE_NAMES: Readonly<Record<number, string>> = {
  0x08: 'unsigned byte',
  0x09: 'signed byte',
  0x0b: 'int16',
  0x0c: 'int32',
  0x0d: 'float32',
  0x0e: 'float64',
};

export interface IdxArray {
  /** Sizes from the header, e.g. [n, rows, cols] for images, [n] for labels. */
  readonly dims: readonly number[];
  /** The values, row-major, length = product of dims. */
  readonly data: Uint8Array;
}

export interface IdxFile {
  readonly array: IdxArray;
  /** sha256 of the file as stored (gzipped bytes for a .gz file). */
  readonly sha256: string;
}

function invalid(file: string, what: string): DataError {
  return new DataError('IDX_INVALID', `${file}: ${what}`);
}

function hex32(n: number): string {
  return `0x${n.toString(16).padStart(8, '0')}`;
}

/** Parses uncompressed IDX bytes; `file` is only used in error messages. */
export function parseIdx(bytes: Uint8Array, file: string): IdxArray {
  if (bytes.length < 4) throw invalid(file, `too short for an IDX header (${bytes.length} bytes)`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const magic = view.getUint32(0, false);
  const type = bytes[2] as number;
  const ndims = bytes[3] as number;
  if (bytes[0] !== 0 || bytes[1] !== 0 || TYPE_NAMES[type] === undefined || ndims === 0) {
    throw invalid(file, `bad magic number ${hex32(magic)}: not an IDX file`);
  }
  if (type !== UBYTE) {
    throw invalid(file, `holds ${TYPE_NAMES[type]} values (magic ${hex32(magic)}); only unsigned bytes (type 0x08) are supported`);
  }
  const headerLength = 4 + 4 * ndims;
  if (bytes.length < headerLength) {
    throw invalid(file, `header declares ${ndims} dimensions but the file ends after ${bytes.length} bytes`);
  }
  const dims: number[] = [];
  let expected = 1;
  for (let d = 0; d < ndims; d++) {
    const size = view.getUint32(4 + 4 * d, false);
    dims.push(size);
    expected *= size;
  }
  const actual = bytes.length - headerLength;
  if (actual !== expected) {
    const shape = dims.join('×');
    const problem = actual < expected ? 'truncated' : 'has trailing bytes';
    throw invalid(file, `${problem}: dimensions ${shape} need ${expected} data bytes, found ${actual}`);
  }
  return { dims, data: bytes.subarray(headerLength) };
}

/** Whether bytes start with the gzip magic 0x1f 0x8b (the file name is not trusted for this). */
function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

/** Reads an IDX file, gunzipping it if it is gzipped, and hashes the stored bytes. */
export async function readIdxFile(file: string): Promise<IdxFile> {
  let stored: Uint8Array;
  try {
    stored = await readFile(file);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new DataError('DATA_READ', `${file}: cannot read IDX file (${reason})`, { cause: error });
  }
  let raw = stored;
  if (isGzip(stored)) {
    try {
      raw = await gunzipAsync(stored);
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      throw invalid(file, `starts like gzip but cannot be decompressed (${reason})`);
    }
  }
  return { array: parseIdx(raw, file), sha256: sha256Hex(stored) };
}
