import { describe, expect, it } from 'vitest';
import { decodeSafetensors, encodeSafetensors, type NamedTensorInput } from '../../src/formats/safetensors.js';

const ascii = (text: string): number[] => [...Buffer.from(text, 'latin1')];
const u64 = (n: number): number[] => [n & 0xff, (n >> 8) & 0xff, (n >> 16) & 0xff, n >>> 24, 0, 0, 0, 0];

/** Header length, header text, padding spaces, then data: a file written out by hand. */
function file(header: string, data: number[]): Uint8Array {
  const padded = header.padEnd(Math.ceil(header.length / 8) * 8, ' ');
  return new Uint8Array([...u64(padded.length), ...ascii(padded), ...data]);
}

describe('encodeSafetensors: exact bytes', () => {
  // The two cases below are the expected outputs in safetensors' own Python tests
  // (bindings/python/tests/test_simple.py: test_serialization, test_serialization_metadata).
  it('matches the reference library for one I32 tensor', () => {
    const data = new Int32Array(4);
    data[3] = 1;
    const expected = new Uint8Array([
      ...ascii('@\x00\x00\x00\x00\x00\x00\x00{"test":{"dtype":"I32","shape":[2,2],"data_offsets":[0,16]}}   '),
      ...ascii(' \x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x01\x00\x00\x00'),
    ]);
    expect(encodeSafetensors([{ name: 'test', dtype: 'I32', shape: [2, 2], data }])).toEqual(expected);
  });

  it('matches the reference library with metadata', () => {
    const expected = new Uint8Array([
      ...ascii('`\x00\x00\x00\x00\x00\x00\x00{"__metadata__":{"framework":"pt"},"test1":{"dtype":"I32","shape":[2,2],"data_offsets":[0,16]}}'),
      ...ascii(' \x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00'),
    ]);
    const out = encodeSafetensors([{ name: 'test1', dtype: 'I32', shape: [2, 2], data: new Int32Array(4) }], { framework: 'pt' });
    expect(out).toEqual(expected);
  });

  it('lays out F32, then I32, then U8, each by name, metadata keys sorted', () => {
    const tensors: NamedTensorInput[] = [
      { name: 'mask', dtype: 'U8', shape: [3], data: new Uint8Array([1, 0, 1]) },
      { name: 'b', dtype: 'F32', shape: [1], data: new Float32Array([-2]) },
      { name: 'count', dtype: 'I32', shape: [], data: new Int32Array([258]) },
      { name: 'a', dtype: 'F32', shape: [1, 1], data: new Float32Array([1]) },
    ];
    const header =
      '{"__metadata__":{"a":"x","format":"pt"},' +
      '"a":{"dtype":"F32","shape":[1,1],"data_offsets":[0,4]},' +
      '"b":{"dtype":"F32","shape":[1],"data_offsets":[4,8]},' +
      '"count":{"dtype":"I32","shape":[],"data_offsets":[8,12]},' +
      '"mask":{"dtype":"U8","shape":[3],"data_offsets":[12,15]}}';
    const data = [0, 0, 0x80, 0x3f, 0, 0, 0, 0xc0, 2, 1, 0, 0, 1, 0, 1];
    const expected = file(header, data);
    expect(encodeSafetensors(tensors, { format: 'pt', a: 'x' })).toEqual(expected);
    // Input order does not matter.
    expect(encodeSafetensors([...tensors].reverse(), { a: 'x', format: 'pt' })).toEqual(expected);
  });

  it('keeps integer-like names in layout order and pads an empty file', () => {
    const out = encodeSafetensors([
      { name: '10', dtype: 'U8', shape: [1], data: new Uint8Array([10]) },
      { name: '9', dtype: 'U8', shape: [1], data: new Uint8Array([9]) },
    ]);
    const text = Buffer.from(out).toString('latin1');
    expect(text.indexOf('"10"')).toBeLessThan(text.indexOf('"9"'));
    expect(encodeSafetensors([])).toEqual(file('{}', []));
    expect(encodeSafetensors([]).length).toBe(16);
  });
});

describe('decodeSafetensors', () => {
  it('reads a Node Buffer (whose slice() is a view) as it reads a plain Uint8Array', () => {
    const bytes = encodeSafetensors([
      { name: 'w', dtype: 'F32', shape: [3], data: Float32Array.from([1.5, -2, 3]) },
      { name: 'm', dtype: 'U8', shape: [2], data: Uint8Array.from([0, 1]) },
    ]);
    // Inside a larger pooled buffer, at an offset: what fs.readFile may hand back.
    const pool = Buffer.alloc(bytes.length + 16);
    pool.set(bytes, 8);
    const decoded = decodeSafetensors(pool.subarray(8, 8 + bytes.length));
    expect([...(decoded.tensors.get('w')!.data as Float32Array)]).toEqual([1.5, -2, 3]);
    expect([...(decoded.tensors.get('m')!.data as Uint8Array)]).toEqual([0, 1]);
  });

  it('round-trips tensors, shapes and metadata', () => {
    const weights = Float32Array.from({ length: 24 }, (_, i) => Math.sin(i) * 1e3);
    const tensors: NamedTensorInput[] = [
      { name: 'conv1/kernel_mask', dtype: 'U8', shape: [2, 3, 1, 4], data: Uint8Array.from({ length: 24 }, (_, i) => i % 2) },
      { name: 'conv1/kernel', dtype: 'F32', shape: [2, 3, 1, 4], data: weights },
      { name: 'steps', dtype: 'I32', shape: [2], data: new Int32Array([-1, 2 ** 31 - 1]) },
      { name: 'empty', dtype: 'F32', shape: [0, 3], data: new Float32Array(0) },
    ];
    const decoded = decodeSafetensors(encodeSafetensors(tensors, { recipe: 'abc', 'ünïcode': '✓' }));
    expect(decoded.metadata).toEqual({ recipe: 'abc', 'ünïcode': '✓' });
    expect([...decoded.tensors.keys()].sort()).toEqual(tensors.map((t) => t.name).sort());
    for (const t of tensors) {
      const got = decoded.tensors.get(t.name);
      expect(got?.dtype).toBe(t.dtype);
      expect(got?.shape).toEqual(t.shape);
      expect(got?.data).toEqual(t.data);
      expect(got?.data.constructor).toBe(t.data.constructor);
    }
  });

  it('reads a file with misaligned data and an unpadded header', () => {
    // As written by old versions of the reference library (test_deserialization): 60-byte header.
    const bytes = new Uint8Array([
      ...ascii('<\x00\x00\x00\x00\x00\x00\x00{"test":{"dtype":"I32","shape":[2,2],"data_offsets":[0,16]}}'),
      ...new Array(12).fill(0),
      7, 0, 0, 0,
    ]);
    const decoded = decodeSafetensors(bytes);
    expect(decoded.metadata).toEqual({});
    expect(decoded.tensors.get('test')).toEqual({ dtype: 'I32', shape: [2, 2], data: new Int32Array([0, 0, 0, 7]) });
  });

  it('decodes copies that do not share the input buffer', () => {
    const bytes = encodeSafetensors([{ name: 'm', dtype: 'U8', shape: [2], data: new Uint8Array([1, 1]) }]);
    const data = decodeSafetensors(bytes).tensors.get('m')?.data;
    bytes.fill(0);
    expect(data).toEqual(new Uint8Array([1, 1]));
  });

  const bad: [string, Uint8Array, RegExp][] = [
    ['too short', new Uint8Array(4), /too short/],
    ['header larger than the file', new Uint8Array([...u64(100), ...ascii('{}')]), /does not fit/],
    ['header not JSON', file('{"a":', []), /not valid UTF-8 JSON/],
    ['header not an object', file('[1]', []), /must be a JSON object/],
    ['metadata not strings', file('{"__metadata__":{"a":1}}', []), /__metadata__.a must be a string/],
    ['unsupported dtype', file('{"x":{"dtype":"F16","shape":[1],"data_offsets":[0,2]}}', [0, 0]), /dtype "F16" is not supported \(supported: U8, F32, I32\)/],
    ['bad shape', file('{"x":{"dtype":"U8","shape":[-1],"data_offsets":[0,1]}}', [0]), /shape must be a list/],
    ['size mismatch', file('{"x":{"dtype":"F32","shape":[2],"data_offsets":[0,4]}}', [0, 0, 0, 0]), /hold 4 bytes but F32 \[2\] needs 8/],
    [
      'gap between tensors',
      file('{"x":{"dtype":"U8","shape":[1],"data_offsets":[0,1]},"y":{"dtype":"U8","shape":[1],"data_offsets":[2,3]}}', [0, 0, 0]),
      /y: data starts at 2, expected 1/,
    ],
    ['data left over', file('{"x":{"dtype":"U8","shape":[1],"data_offsets":[0,1]}}', [0, 0]), /cover 1 bytes of a data section of 2/],
  ];
  it.each(bad)('rejects a file with %s', (_, bytes, message) => {
    expect(() => decodeSafetensors(bytes)).toThrow(message);
    expect(() => decodeSafetensors(bytes)).toThrow(expect.objectContaining({ code: 'SAFETENSORS_INVALID' }));
  });
});

describe('encodeSafetensors: invalid input', () => {
  it('rejects mismatched dtype, shape or duplicate names', () => {
    const t = { name: 'x', dtype: 'F32', shape: [2], data: new Float32Array(2) } as const;
    expect(() => encodeSafetensors([{ ...t, data: new Uint8Array(2) }])).toThrow('x: dtype F32 needs a Float32Array');
    expect(() => encodeSafetensors([{ ...t, shape: [3] }])).toThrow('x: shape [3] has 3 elements but data has 2');
    expect(() => encodeSafetensors([{ ...t, shape: [2.5] }])).toThrow(/shape must be a list of non-negative integers/);
    expect(() => encodeSafetensors([t, t])).toThrow('tensor name "x" appears twice');
    expect(() => encodeSafetensors([{ ...t, name: '__metadata__' }])).toThrow(/invalid tensor name/);
  });
});
