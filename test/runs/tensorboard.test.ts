/**
 * TensorBoard's event files as prune-run writes them: TFRecord framing with TensorFlow's masked
 * CRC-32C (checked against a CRC written out in the test, not the package the code uses), the
 * Event/Summary field numbers of TensorFlow's .proto files (checked on the wire bytes), and the
 * scalars and steps a run's metrics lines become.
 */
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { formatMetricsLine } from '../../src/runs/metrics.js';
import { RunDirectory } from '../../src/runs/runDirectory.js';
import { EventsFile, TB_DIR } from '../../src/runs/tensorboard/eventsFile.js';
import { encodeEvent } from '../../src/runs/tensorboard/proto.js';
import { frameRecord, readRecords } from '../../src/runs/tensorboard/records.js';
import { decodeEvent, hparamsOfSession } from '../helpers/tensorboard.js';

/** CRC-32C (Castagnoli, reflected 0x82F63B78), bit by bit, as RFC 3720 defines it. */
function referenceCrc32c(bytes: Uint8Array): number {
  let crc = 0xffffffff;
  for (const byte of bytes) {
    crc ^= byte;
    for (let k = 0; k < 8; k++) crc = crc & 1 ? (crc >>> 1) ^ 0x82f63b78 : crc >>> 1;
  }
  return (crc ^ 0xffffffff) >>> 0;
}

/** TensorFlow's mask (crc32c.h): rotate right by 15 bits, add 0xa282ead8. */
const masked = (crc: number) => (((crc >>> 15) | (crc << 17)) + 0xa282ead8) >>> 0;

const dirs: string[] = [];
afterEach(async () => {
  for (const dir of dirs.splice(0)) await rm(dir, { recursive: true, force: true });
});

describe('TFRecord framing', () => {
  it('the reference CRC is CRC-32C (its check value)', () => {
    expect(referenceCrc32c(new TextEncoder().encode('123456789'))).toBe(0xe3069283);
  });

  it('frames a record as length, masked CRC of the length, data, masked CRC of the data', () => {
    const data = new TextEncoder().encode('some event bytes');
    const record = frameRecord(data);
    const view = new DataView(record.buffer, record.byteOffset, record.byteLength);
    expect(record.length).toBe(8 + 4 + data.length + 4);
    expect(view.getBigUint64(0, true)).toBe(BigInt(data.length));
    expect(view.getUint32(8, true)).toBe(masked(referenceCrc32c(record.subarray(0, 8))));
    expect(record.subarray(12, 12 + data.length)).toEqual(data);
    expect(view.getUint32(12 + data.length, true)).toBe(masked(referenceCrc32c(data)));
  });

  it('reads records back, stops at one cut short, and refuses a CRC that does not match', () => {
    const a = frameRecord(new Uint8Array([1, 2, 3]));
    const b = frameRecord(new Uint8Array([4, 5]));
    const file = Buffer.concat([a, b]);
    expect(readRecords(file).map((r) => [...r])).toEqual([[1, 2, 3], [4, 5]]);
    expect(readRecords(file.subarray(0, file.length - 1)).map((r) => [...r])).toEqual([[1, 2, 3]]);
    const damagedData = Buffer.from(file);
    damagedData[13] = 9;
    expect(() => readRecords(damagedData)).toThrow(/record 0 at byte 0: the data's CRC does not match/);
    const damagedLength = Buffer.from(file);
    damagedLength[a.length] = 7;
    expect(() => readRecords(damagedLength)).toThrow(/record 1 at byte 19: the length's CRC does not match/);
  });
});

describe('Event encoding', () => {
  it("uses event.proto's and summary.proto's field numbers", () => {
    const bytes = encodeEvent({ wall_time: 1.5, step: 3, summary: { value: [{ tag: 'a', simple_value: 2 }] } });
    const double = Buffer.alloc(8);
    double.writeDoubleLE(1.5);
    const float = Buffer.alloc(4);
    float.writeFloatLE(2);
    // Event.wall_time = 1 (fixed64), step = 2 (varint), summary = 5 (bytes); Summary.value = 1;
    // Summary.Value.tag = 1 (bytes), simple_value = 2 (fixed32).
    const value = Buffer.concat([Buffer.from([0x0a, 1, 0x61, 0x15]), float]);
    const summary = Buffer.concat([Buffer.from([0x0a, value.length]), value]);
    expect(Buffer.from(bytes)).toEqual(Buffer.concat([Buffer.from([0x09]), double, Buffer.from([0x10, 3, 0x2a, summary.length]), summary]));
    expect(Buffer.from(encodeEvent({ wall_time: 0, file_version: 'brain.Event:2' }))).toEqual(Buffer.concat([Buffer.from([0x1a, 13]), Buffer.from('brain.Event:2')]));
  });
});

describe("a run's event file", () => {
  it('holds the file version, the session, each line as scalars at epochs done, and the end', async () => {
    const root = await mkdtemp(path.join(tmpdir(), 'prune-run-tb-'));
    dirs.push(root);
    const dir = await RunDirectory.create(root, 'abcdef12');
    const events = new EventsFile(dir, new Date('2026-12-05T10:00:00Z'));
    await events.start(new Map<string, unknown>([['seed', 3], ['stages.0.global.amount', 0.5], ['train', { epochs: 1 }]]), new Date('2026-12-05T10:00:00Z'));
    const time = '2026-12-05T10:00:01.500Z';
    const lines = [
      { stage: 'train', phase: 'train', epoch: 1, loss: 2, accuracy: 0.25, sparsity: 0, learning_rate: 0.01, time },
      { stage: 'train', phase: 'train', epoch: 2, loss: Number.NaN, accuracy: 0.5, sparsity: 0, learning_rate: 0.01, time },
      { stage: 'before-pruning', phase: 'evaluate', loss: 1, accuracy: 0.75, sparsity: 0, time },
      { stage: 'g', phase: 'prune', epoch: 1, step: 0, sparsity: 0.5, global_sparsity: 0.25, parameters: { 'fc1/kernel': 0.5, 'fc2/kernel': 0 }, time },
      { stage: 'g', phase: 'finetune', epoch: 1, loss: 1, accuracy: 0.5, sparsity: 0.25, learning_rate: 0.001, time },
      { stage: 'g', phase: 'prune', epoch: 2, step: 4, sparsity: 0.9, global_sparsity: 0.45, parameters: { 'fc1/kernel': 0.9, 'fc2/kernel': 0 }, time },
      { stage: 'g', phase: 'finetune', epoch: 2, loss: 0.5, accuracy: 0.625, sparsity: 0.45, learning_rate: 0.001, time },
      { stage: 'g', phase: 'evaluate', loss: 0.75, accuracy: 0.875, sparsity: 0.45, time },
    ] as const;
    for (const line of lines) await events.line(formatMetricsLine(line));
    await events.end('succeeded', new Date('2026-12-05T10:00:02Z'));
    const final = await dir.finish('succeeded');

    const files = await readdir(path.join(final, TB_DIR));
    expect(files).toEqual([expect.stringMatching(/^events\.out\.tfevents\.1796464800\.[A-Za-z0-9._-]+$/)]);
    const decoded = readRecords(await readFile(path.join(final, TB_DIR, files[0]!))).map(decodeEvent);
    expect(decoded[0]).toEqual({ wall_time: 1796464800, file_version: 'brain.Event:2' });
    expect(hparamsOfSession(decoded[1]!)).toEqual({ seed: 3, 'stages.0.global.amount': 0.5, train: '{"epochs":1}' });
    const scalars = decoded.slice(2, -1).map((e) => ({ step: e.step, wall: e.wall_time, values: Object.fromEntries(e.summary!.value.map((v) => [v.tag, v.simple_value])) }));
    expect(scalars.every((s) => s.wall === 1796464801.5)).toBe(true);
    expect(scalars.map((s) => s.step)).toEqual([1, 2, 2, 2, 3, 3, 4, 4]);
    expect(scalars[0]!.values).toEqual({ 'loss/train': 2, 'accuracy/train': 0.25, 'sparsity/global': 0, learning_rate: Math.fround(0.01) });
    expect(scalars[1]!.values['loss/train']).toBeNaN();
    expect(scalars[2]!.values).toEqual({ 'loss/test': 1, 'accuracy/test': 0.75, 'sparsity/global': 0 });
    expect(scalars[3]!.values).toEqual({ 'sparsity/global': 0.25, 'sparsity/fc1/kernel': 0.5, 'sparsity/fc2/kernel': 0 });
    expect(scalars[5]!.values).toEqual({ 'sparsity/global': Math.fround(0.45), 'sparsity/fc1/kernel': Math.fround(0.9), 'sparsity/fc2/kernel': 0 });
    expect(scalars[7]!.values).toEqual({ 'loss/test': 0.75, 'accuracy/test': 0.875, 'sparsity/global': Math.fround(0.45) });
    const end = decoded.at(-1)!;
    expect(end.step).toBe(4);
    expect(end.summary!.value[0]!.tag).toBe('_hparams_/session_end_info');
  });
});
