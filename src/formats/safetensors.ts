/**
 * The safetensors format (https://github.com/huggingface/safetensors), so masks and weights a run
 * saves can be read by PyTorch and friends:
 *
 *   8 bytes   N, little-endian u64: length of the header
 *   N bytes   UTF-8 JSON: {"__metadata__": {str: str}?, name: {dtype, shape, data_offsets}, ...}
 *             padded with spaces so the data starts at a multiple of 8
 *   rest      raw little-endian tensor data; data_offsets are [begin, end) into this part
 *
 * The output is deterministic and byte-identical to what the reference library (safetensors'
 * Rust `serialize`, used by Python's `save_file`) writes: tensors are laid out F32, then I32, then
 * U8 (its dtype order, which keeps every tensor aligned to its element size), each group by name
 * in UTF-8 byte order; `__metadata__` comes first, with its keys sorted (the reference library
 * leaves their order to a hash map); the JSON has no spaces.
 */
import { PruneRunError } from '../errors.js';

export type SafetensorsDType = 'U8' | 'F32' | 'I32';
export const SAFETENSORS_DTYPES: readonly SafetensorsDType[] = ['U8', 'F32', 'I32'];

/** A tensor as decoded: the dtype tells the array type. */
export type SafetensorsTensor =
  | { readonly dtype: 'U8'; readonly shape: readonly number[]; readonly data: Uint8Array }
  | { readonly dtype: 'F32'; readonly shape: readonly number[]; readonly data: Float32Array }
  | { readonly dtype: 'I32'; readonly shape: readonly number[]; readonly data: Int32Array };

/** A tensor to encode; the array type must match the dtype (checked at run time). */
export interface NamedTensorInput {
  readonly name: string;
  readonly dtype: SafetensorsDType;
  readonly shape: readonly number[];
  readonly data: Uint8Array | Float32Array | Int32Array;
}

export interface DecodedSafetensors {
  readonly tensors: Map<string, SafetensorsTensor>;
  readonly metadata: Record<string, string>;
}

const METADATA_KEY = '__metadata__';
/**
 * The largest safetensors file a recipe may name (a mask or importance scores): 256 MiB, float32
 * scores for as many weights as a model may have (models/modelFolder.ts). Read whole, then decoded.
 */
export const MAX_SAFETENSORS_BYTES = 256 * 1024 * 1024 + 1024 * 1024;
/** The reference library refuses headers above 100 MB; so do we, before allocating anything. */
const MAX_HEADER = 100_000_000;
const ITEM_SIZE: Readonly<Record<SafetensorsDType, number>> = { U8: 1, F32: 4, I32: 4 };
/** Layout order, as the reference library's Dtype enum orders them (descending alignment). */
const LAYOUT_RANK: Readonly<Record<SafetensorsDType, number>> = { F32: 0, I32: 1, U8: 2 };
const ARRAY_TYPE = { U8: Uint8Array, F32: Float32Array, I32: Int32Array } as const;
const LITTLE_ENDIAN_HOST = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

function fail(message: string): PruneRunError {
  return new PruneRunError('SAFETENSORS_INVALID', message);
}

function elementCount(shape: readonly number[]): number {
  return shape.reduce((n, d) => n * d, 1);
}

function checkShape(where: string, shape: unknown): asserts shape is number[] {
  if (!Array.isArray(shape) || !shape.every((d) => Number.isSafeInteger(d) && (d as number) >= 0)) {
    throw fail(`${where}: shape must be a list of non-negative integers, got ${JSON.stringify(shape)}`);
  }
}

/** A copy with the bytes of every 4-byte element reversed (little ↔ big endian). */
function swap4(bytes: Uint8Array): Uint8Array {
  const swapped = new Uint8Array(bytes.length);
  for (let i = 0; i < bytes.length; i += 4) {
    swapped[i] = bytes[i + 3] as number;
    swapped[i + 1] = bytes[i + 2] as number;
    swapped[i + 2] = bytes[i + 1] as number;
    swapped[i + 3] = bytes[i] as number;
  }
  return swapped;
}

/** Little-endian bytes of a typed array: a view on little-endian hosts (all common ones). */
function littleEndianBytes(data: Uint8Array | Float32Array | Int32Array): Uint8Array {
  const bytes = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  return LITTLE_ENDIAN_HOST || data.BYTES_PER_ELEMENT === 1 ? bytes : swap4(bytes);
}

/** Byte order of UTF-8 encodings, as Rust compares strings (JS `<` compares UTF-16 units). */
function utf8Order(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

/**
 * JSON object text from [key, value already as JSON] pairs, in the given order. Not
 * JSON.stringify of an object: that puts integer-like keys ("0", "12") first whatever the
 * insertion order, which would break the layout order.
 */
function objectText(entries: readonly (readonly [string, string])[]): string {
  return `{${entries.map(([key, value]) => `${JSON.stringify(key)}:${value}`).join(',')}}`;
}

export function encodeSafetensors(
  tensors: readonly NamedTensorInput[],
  metadata?: Readonly<Record<string, string>>,
): Uint8Array {
  const names = new Set<string>();
  for (const t of tensors) {
    if (t.name === METADATA_KEY || t.name === '') throw fail(`invalid tensor name ${JSON.stringify(t.name)}`);
    if (names.has(t.name)) throw fail(`tensor name ${JSON.stringify(t.name)} appears twice`);
    names.add(t.name);
    if (!SAFETENSORS_DTYPES.includes(t.dtype)) throw fail(`${t.name}: unsupported dtype ${String(t.dtype)}`);
    if (!(t.data instanceof ARRAY_TYPE[t.dtype])) throw fail(`${t.name}: dtype ${t.dtype} needs a ${ARRAY_TYPE[t.dtype].name}`);
    checkShape(t.name, t.shape);
    if (elementCount(t.shape) !== t.data.length) {
      throw fail(`${t.name}: shape [${t.shape.join(', ')}] has ${elementCount(t.shape)} elements but data has ${t.data.length}`);
    }
  }
  const ordered = [...tensors].sort(
    (a, b) => LAYOUT_RANK[a.dtype] - LAYOUT_RANK[b.dtype] || utf8Order(a.name, b.name),
  );

  const header: [string, string][] = [];
  if (metadata !== undefined) {
    const keys = Object.keys(metadata).sort(utf8Order);
    const entries = keys.map((key): [string, string] => {
      const value = metadata[key];
      if (typeof value !== 'string') throw fail(`metadata ${JSON.stringify(key)} must be a string`);
      return [key, JSON.stringify(value)];
    });
    header.push([METADATA_KEY, objectText(entries)]);
  }
  let offset = 0;
  for (const t of ordered) {
    const end = offset + t.data.byteLength;
    header.push([t.name, JSON.stringify({ dtype: t.dtype, shape: t.shape, data_offsets: [offset, end] })]);
    offset = end;
  }

  let json = new TextEncoder().encode(objectText(header));
  const padded = Math.ceil(json.length / 8) * 8;
  if (padded !== json.length) {
    const withSpaces = new Uint8Array(padded).fill(0x20);
    withSpaces.set(json);
    json = withSpaces;
  }
  const out = new Uint8Array(8 + json.length + offset);
  new DataView(out.buffer).setBigUint64(0, BigInt(json.length), true);
  out.set(json, 8);
  let at = 8 + json.length;
  for (const t of ordered) {
    out.set(littleEndianBytes(t.data), at);
    at += t.data.byteLength;
  }
  return out;
}

/**
 * Copies a tensor's bytes out of the file into a new array of its type. A copy, not a view: the
 * data need not be aligned in the file's buffer, and the result should not pin the whole file.
 */
function readTensor(dtype: SafetensorsDType, shape: number[], bytes: Uint8Array): SafetensorsTensor {
  if (dtype === 'U8') return { dtype, shape, data: bytes.slice() };
  const copy = LITTLE_ENDIAN_HOST ? bytes.slice() : swap4(bytes);
  return dtype === 'F32'
    ? { dtype, shape, data: new Float32Array(copy.buffer, 0, copy.length / 4) }
    : { dtype, shape, data: new Int32Array(copy.buffer, 0, copy.length / 4) };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Reads a safetensors file and checks it as the reference library does: header size and JSON,
 * known dtypes, offsets that match the shapes and cover the data section exactly, in order and
 * without gaps or overlaps. Tensors of other dtypes (F16, I64, ...) are refused by name.
 */
export function decodeSafetensors(given: Uint8Array): DecodedSafetensors {
  // A plain view: a Node Buffer's slice() is a view, not a copy, and tensors are copied out with slice().
  const bytes = Object.getPrototypeOf(given) === Uint8Array.prototype ? given : new Uint8Array(given.buffer, given.byteOffset, given.byteLength);
  if (bytes.length < 8) throw fail(`file is ${bytes.length} bytes, too short for the 8-byte header length`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLength = view.getBigUint64(0, true);
  if (headerLength > BigInt(Math.min(MAX_HEADER, bytes.length - 8))) {
    throw fail(`header length ${headerLength} does not fit in a file of ${bytes.length} bytes`);
  }
  const n = Number(headerLength);
  let header: unknown;
  try {
    header = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(8, 8 + n)));
  } catch (error) {
    throw fail(`header is not valid UTF-8 JSON (${error instanceof Error ? error.message : String(error)})`);
  }
  if (!isRecord(header)) throw fail('header must be a JSON object');
  const data = bytes.subarray(8 + n);

  const metadata: Record<string, string> = {};
  const rawMetadata = header[METADATA_KEY];
  if (rawMetadata !== undefined) {
    if (!isRecord(rawMetadata)) throw fail('__metadata__ must be an object of strings');
    for (const [key, value] of Object.entries(rawMetadata)) {
      if (typeof value !== 'string') throw fail(`__metadata__.${key} must be a string`);
      metadata[key] = value;
    }
  }

  const entries: { name: string; dtype: SafetensorsDType; shape: number[]; begin: number; end: number }[] = [];
  for (const [name, info] of Object.entries(header)) {
    if (name === METADATA_KEY) continue;
    if (!isRecord(info)) throw fail(`${name}: entry must be an object`);
    const { dtype, shape, data_offsets: offsets } = info;
    if (!SAFETENSORS_DTYPES.includes(dtype as SafetensorsDType)) {
      throw fail(`${name}: dtype ${JSON.stringify(dtype)} is not supported (supported: ${SAFETENSORS_DTYPES.join(', ')})`);
    }
    checkShape(name, shape);
    if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every((o) => Number.isSafeInteger(o) && o >= 0)) {
      throw fail(`${name}: data_offsets must be [begin, end], got ${JSON.stringify(offsets)}`);
    }
    const [begin, end] = offsets as [number, number];
    const expected = elementCount(shape) * ITEM_SIZE[dtype as SafetensorsDType];
    if (end - begin !== expected) {
      throw fail(`${name}: data_offsets [${begin}, ${end}] hold ${end - begin} bytes but ${dtype} [${shape.join(', ')}] needs ${expected}`);
    }
    entries.push({ name, dtype: dtype as SafetensorsDType, shape, begin, end });
  }
  // The tensors must tile the data section exactly: no gaps, no overlaps, nothing left over.
  entries.sort((a, b) => a.begin - b.begin || a.end - b.end);
  let covered = 0;
  for (const e of entries) {
    if (e.begin !== covered) throw fail(`${e.name}: data starts at ${e.begin}, expected ${covered} (gap or overlap)`);
    covered = e.end;
  }
  if (covered !== data.length) throw fail(`tensors cover ${covered} bytes of a data section of ${data.length}`);

  const tensors = new Map<string, SafetensorsTensor>();
  for (const e of entries) {
    tensors.set(e.name, readTensor(e.dtype, e.shape, data.subarray(e.begin, e.end)));
  }
  return { tensors, metadata };
}
