/**
 * The sparse weight-file format, `prune-run-sparse-weights` version 1. An unstructured-pruned model
 * is mostly exact zeros, which the standard weights.bin stores at 4 bytes each; this format stores
 * one bit per entry plus the entries that are not zero. A model is two files in one folder:
 *
 *   model.json          UTF-8 JSON: a standard TF.js layers-model file, `sparseWeightsManifest`
 *                       in place of `weightsManifest`
 *   weights.sparse.bin  the payload: every weight tensor's bytes, one after the other
 *
 * model.json has the keys TF.js writes for a layers model — `format` ("layers-model"),
 * `generatedBy`, `convertedBy`, `modelTopology` (exactly as TF.js saves it), and `trainingConfig` /
 * `userDefinedMetadata` when the model has them — and no `weightsManifest`, so a plain TF.js loader
 * never reads the payload as dense weights (it gets the topology with freshly initialised weights;
 * load the weights with this module's reader). The manifest:
 *
 *   "sparseWeightsManifest": {
 *     "format": "prune-run-sparse-weights",  refuse any other value
 *     "version": 1,                           refuse any other value
 *     "path": "weights.sparse.bin",           the payload's file name, beside model.json (no directory part)
 *     "byteLength": 37210,                    the payload's exact size in bytes
 *     "crc32": 2830145893,                    CRC-32 of the whole payload (the zlib/PNG/IEEE 802.3 one), unsigned
 *     "tensors": [entry, ...]                 in TF.js's weight order
 *   }
 *
 *   entry: {"name": "conv1/kernel", "dtype": "float32", "shape": [3, 3, 1, 6],
 *           "encoding": "bitmask", "offset": 0, "length": 31, "stored": 6}
 *     name      the TF.js weight name (`layer/kernel`), unique in the list
 *     dtype     "float32", "int32" or "bool"
 *     shape     non-negative integers; the tensor has n = their product entries (1 for [])
 *     encoding  "bitmask" (float32 only) or "raw"
 *     offset    where the tensor's bytes start in the payload; tensors are laid out in list order
 *     length    with no gaps: the first at 0, each at the previous one's end, the last ending at
 *               byteLength; the tensor is payload bytes [offset, offset + length)
 *     stored    bitmask only: how many entries the values part holds
 *     group     optional, TF.js's weight group ("model" or "optimizer"), passed through
 *
 *   raw      n elements, row-major, little-endian: float32 and int32 4 bytes each (length = 4n),
 *            bool 1 byte each, 0 or 1 (length = n)
 *   bitmask  ceil(n/8) mask bytes, then `stored` float32 values, 4 bytes each, little-endian
 *            (length = ceil(n/8) + 4·stored). Bit i of the mask — bit (i mod 8) of byte floor(i/8),
 *            least significant bit first — is set iff entry i (row-major) is stored; the values are
 *            the stored entries' IEEE-754 bit patterns in increasing i; an entry not stored is +0.0.
 *            The mask's unused high bits in its last byte are 0, and it has exactly `stored` bits set.
 *            "Zero" means the bit pattern 0x00000000 only: -0.0 (0x80000000), every NaN payload, the
 *            infinities and subnormals are stored as they are, so the tensor comes back bit for bit.
 *            Writers use bitmask when it is smaller than raw (ceil(n/8) + 4·stored < 4n), else raw.
 *
 * A reader checks format and version first, then the manifest's layout, then that the payload is
 * byteLength bytes with that CRC-32, then each tensor's encoding; anything else is an error naming
 * the file, never a model with wrong weights. Decoded, each tensor is the little-endian bytes the
 * standard weights.bin holds for it; concatenated in list order, with `{name, shape, dtype}` specs,
 * they are exactly the standard `weightsManifest` + weights.bin.
 */

export const SPARSE_WEIGHTS_FORMAT = 'prune-run-sparse-weights';
export const SPARSE_WEIGHTS_VERSION = 1;
export const SPARSE_MODEL_JSON = 'model.json';
export const SPARSE_WEIGHTS_BIN = 'weights.sparse.bin';
/** The key of the manifest in model.json. */
export const SPARSE_MANIFEST_KEY = 'sparseWeightsManifest';

export type SparseDType = 'float32' | 'int32' | 'bool';
export const SPARSE_DTYPES: readonly SparseDType[] = ['float32', 'int32', 'bool'];
export type SparseEncoding = 'bitmask' | 'raw';
export const SPARSE_ENCODINGS: readonly SparseEncoding[] = ['bitmask', 'raw'];
export type SparseWeightGroup = 'model' | 'optimizer';
export const SPARSE_WEIGHT_GROUPS: readonly SparseWeightGroup[] = ['model', 'optimizer'];

/** Bytes per element of the dense (raw) form. */
export const ITEM_BYTES: Readonly<Record<SparseDType, number>> = { float32: 4, int32: 4, bool: 1 };

export interface SparseTensorEntry {
  readonly name: string;
  readonly dtype: SparseDType;
  readonly shape: readonly number[];
  readonly encoding: SparseEncoding;
  readonly offset: number;
  readonly length: number;
  /** Bitmask only: the number of entries stored. */
  readonly stored?: number;
  readonly group?: SparseWeightGroup;
}

export interface SparseWeightsManifest {
  readonly format: typeof SPARSE_WEIGHTS_FORMAT;
  readonly version: typeof SPARSE_WEIGHTS_VERSION;
  readonly path: string;
  readonly byteLength: number;
  readonly crc32: number;
  readonly tensors: readonly SparseTensorEntry[];
}

/** A sparse model in memory: model.json's text and weights.sparse.bin's bytes. */
export interface SparseModelFiles {
  readonly json: string;
  readonly weights: Uint8Array;
}

export function elementCount(shape: readonly number[]): number {
  return shape.reduce((n, d) => n * d, 1);
}

export function maskBytes(n: number): number {
  return Math.ceil(n / 8);
}
