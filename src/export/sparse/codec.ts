/**
 * One tensor to and from its encoded bytes (see format.ts). Works on 32-bit patterns, never on
 * numbers: reading a float into a JS number may quieten a signalling NaN, and comparing numbers
 * would call -0.0 a zero. TF.js keeps weight data in host byte order (typed arrays on the buffer)
 * and the file is little-endian, so every access goes through a DataView with the order explicit.
 */
import { maskBytes, type SparseEncoding } from './format.js';

export const LITTLE_ENDIAN_HOST = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

export interface EncodedTensor {
  readonly encoding: SparseEncoding;
  readonly bytes: Uint8Array;
  /** Bitmask only. */
  readonly stored?: number;
}

/** A problem found in a tensor's bytes; the caller adds the file and tensor it came from. */
export class TensorFormatError extends Error {}

/**
 * Encodes n float32 entries read from `source` at `offset` (host order): as a bitmask when that
 * is smaller, else raw.
 */
export function encodeFloat32(source: DataView, offset: number, n: number): EncodedTensor {
  let stored = 0;
  for (let i = 0; i < n; i++) if (source.getUint32(offset + 4 * i, LITTLE_ENDIAN_HOST) !== 0) stored++;
  const mask = maskBytes(n);
  if (mask + 4 * stored >= 4 * n) return { encoding: 'raw', bytes: encodeRaw4(source, offset, n) };
  const bytes = new Uint8Array(mask + 4 * stored);
  const out = new DataView(bytes.buffer);
  let at = mask;
  for (let i = 0; i < n; i++) {
    const bits = source.getUint32(offset + 4 * i, LITTLE_ENDIAN_HOST);
    if (bits === 0) continue;
    bytes[i >> 3] = (bytes[i >> 3] as number) | (1 << (i & 7));
    out.setUint32(at, bits, true);
    at += 4;
  }
  return { encoding: 'bitmask', bytes, stored };
}

/** n 4-byte elements (float32 or int32) from host order to little-endian. */
export function encodeRaw4(source: DataView, offset: number, n: number): Uint8Array {
  const bytes = new Uint8Array(4 * n);
  if (LITTLE_ENDIAN_HOST) {
    bytes.set(new Uint8Array(source.buffer, source.byteOffset + offset, 4 * n));
    return bytes;
  }
  const out = new DataView(bytes.buffer);
  for (let i = 0; i < n; i++) out.setUint32(4 * i, source.getUint32(offset + 4 * i, false), true);
  return bytes;
}

/** n 4-byte elements from little-endian `bytes` into `target` at `offset`, host order. */
export function decodeRaw4(bytes: Uint8Array, n: number, target: DataView, offset: number): void {
  if (LITTLE_ENDIAN_HOST) {
    new Uint8Array(target.buffer, target.byteOffset + offset, 4 * n).set(bytes);
    return;
  }
  const input = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (let i = 0; i < n; i++) target.setUint32(offset + 4 * i, input.getUint32(4 * i, true), false);
}

/** n bool bytes, checked to be 0 or 1 as TF.js writes them, into `target` at `offset`. */
export function decodeBool(bytes: Uint8Array, target: DataView, offset: number): void {
  const bad = bytes.findIndex((b) => b > 1);
  if (bad >= 0) throw new TensorFormatError(`bool entry ${bad} is ${bytes[bad]}, not 0 or 1`);
  new Uint8Array(target.buffer, target.byteOffset + offset, bytes.length).set(bytes);
}

function popcount8(b: number): number {
  let count = 0;
  for (let v = b; v !== 0; v &= v - 1) count++;
  return count;
}

/**
 * Decodes a bitmask tensor of n entries (`bytes` is its whole encoding, `stored` what the manifest
 * says) into `target` at `offset`, host order; `target` must hold zeros there. Checks the mask
 * against `stored` before reading any value, so a bad mask cannot read past the tensor.
 */
export function decodeBitmask(bytes: Uint8Array, n: number, stored: number, target: DataView, offset: number): void {
  const mask = maskBytes(n);
  if (bytes.length !== mask + 4 * stored) {
    throw new TensorFormatError(`bitmask of ${n} entries with ${stored} stored needs ${mask + 4 * stored} bytes, has ${bytes.length}`);
  }
  let set = 0;
  for (let k = 0; k < mask; k++) set += popcount8(bytes[k] as number);
  if (set !== stored) throw new TensorFormatError(`the mask has ${set} bits set but the manifest says ${stored} entries are stored`);
  const tail = n % 8;
  if (tail !== 0 && (bytes[mask - 1] as number) >> tail !== 0) {
    throw new TensorFormatError(`the mask's last byte has bits set beyond entry ${n - 1}`);
  }
  const input = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let at = mask;
  for (let k = 0; k < mask; k++) {
    const byte = bytes[k] as number;
    if (byte === 0) continue;
    for (let bit = 0; bit < 8; bit++) {
      if ((byte & (1 << bit)) === 0) continue;
      target.setUint32(offset + 4 * (8 * k + bit), input.getUint32(at, true), LITTLE_ENDIAN_HOST);
      at += 4;
    }
  }
}
