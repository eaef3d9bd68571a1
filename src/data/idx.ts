/**
 * The IDX file format (LeCun's MNIST format): a 4-byte magic [0, 0, type, ndims], ndims
 * big-endian uint32 sizes, then the values row-major. Only unsigned bytes (type 0x08) are
 * accepted: that is what image and label files use, and anything else would need a different
 * scaling. Reading files (gzipped or not, with bounds) is idxFile.ts; this is the format itself.
 */
import { DataError } from '../errors.js';
import { formatBytes } from '../util/regularFile.js';

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

/**
 * The most data one IDX file may declare: 256 MiB, over five times MNIST's training images (47 MB).
 * The whole data set is held in memory, so a header declaring more is refused before anything is
 * allocated or decompressed.
 */
export const MAX_IDX_DATA_BYTES = 256 * 1024 * 1024;

export interface IdxArray {
  /** Sizes from the header, e.g. [n, rows, cols] for images, [n] for labels. */
  readonly dims: readonly number[];
  /** The values, row-major, length = product of dims (in shared memory when read from a file, idxFile.ts). */
  readonly data: Uint8Array;
}

export interface IdxFile {
  readonly array: IdxArray;
  /** sha256 of the file as stored (gzipped bytes for a .gz file). */
  readonly sha256: string;
}

/** What an IDX header declares. */
export interface IdxHeader {
  readonly dims: readonly number[];
  /** Bytes of the header itself (4 + 4 · dims). */
  readonly headerBytes: number;
  /** Bytes of data the dims need (their product). */
  readonly dataBytes: number;
}

/** `file` is whatever names the file in messages: its path, or how a recipe named it. */
export function idxInvalid(file: string, what: string): DataError {
  return new DataError('IDX_INVALID', `${file}: ${what}`);
}

function hex32(n: number): string {
  return `0x${n.toString(16).padStart(8, '0')}`;
}

const shapeText = (dims: readonly number[]) => dims.join('×');

/**
 * The header at the start of `bytes`, or null when more bytes are needed to know it (fewer than
 * 4, or fewer than the dimensions it announces). Throws IDX_INVALID for a header that is no IDX,
 * holds another type than bytes, or declares more than MAX_IDX_DATA_BYTES.
 */
export function idxHeaderOf(bytes: Uint8Array, file: string): IdxHeader | null {
  if (bytes.length < 4) return null;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const magic = view.getUint32(0, false);
  const type = bytes[2] as number;
  const ndims = bytes[3] as number;
  if (bytes[0] !== 0 || bytes[1] !== 0 || TYPE_NAMES[type] === undefined || ndims === 0) {
    throw idxInvalid(file, `bad magic number ${hex32(magic)}: not an IDX file`);
  }
  if (type !== UBYTE) {
    throw idxInvalid(file, `holds ${TYPE_NAMES[type]} values (magic ${hex32(magic)}); only unsigned bytes (type 0x08) are supported`);
  }
  const headerBytes = 4 + 4 * ndims;
  if (bytes.length < headerBytes) return null;
  const dims: number[] = [];
  for (let d = 0; d < ndims; d++) dims.push(view.getUint32(4 + 4 * d, false));
  // A product of up to 255 sizes below 2^32 can pass any float; a zero makes it zero whatever the rest.
  const dataBytes = dims.includes(0) ? 0 : dims.reduce((n, size) => n * size, 1);
  if (dataBytes > MAX_IDX_DATA_BYTES) {
    throw idxInvalid(
      file,
      `its header declares dimensions ${shapeText(dims)}, ${dataBytes > Number.MAX_SAFE_INTEGER ? 'more than 2^53 bytes' : formatBytes(dataBytes)} ` +
        `of data, more than the ${formatBytes(MAX_IDX_DATA_BYTES)} prune-run reads from one IDX file`,
    );
  }
  return { dims, headerBytes, dataBytes };
}

/** The error for a file whose data is not the size its header declares. */
export function idxSizeMismatch(file: string, header: IdxHeader, actual: number): DataError {
  const problem = actual < header.dataBytes ? 'truncated' : 'has trailing bytes';
  return idxInvalid(file, `${problem}: dimensions ${shapeText(header.dims)} need ${header.dataBytes} data bytes, found ${actual}`);
}

/** Parses uncompressed IDX bytes held in memory; `file` is only used in error messages. */
export function parseIdx(bytes: Uint8Array, file: string): IdxArray {
  if (bytes.length < 4) throw idxInvalid(file, `too short for an IDX header (${bytes.length} bytes)`);
  const header = idxHeaderOf(bytes, file);
  if (header === null) {
    throw idxInvalid(file, `header declares ${bytes[3] as number} dimensions but the file ends after ${bytes.length} bytes`);
  }
  const actual = bytes.length - header.headerBytes;
  if (actual !== header.dataBytes) throw idxSizeMismatch(file, header, actual);
  return { dims: header.dims, data: bytes.subarray(header.headerBytes) };
}
