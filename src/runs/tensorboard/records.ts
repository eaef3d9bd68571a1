/**
 * TFRecord framing, the container of TensorBoard's event files: each record is its length (uint64,
 * little-endian), the masked CRC-32C of those 8 bytes, the data, and the masked CRC-32C of the data
 * (tensorflow/core/lib/io/record_writer.cc). The CRC is Castagnoli's, from @aws-crypto/crc32c; the
 * mask (rotate right by 15, add a constant) is TensorFlow's, so a CRC of data that itself holds CRCs
 * does not look valid by accident.
 */
import { crc32c } from '@aws-crypto/crc32c';

const MASK_DELTA = 0xa282ead8;

/** TensorFlow's masked CRC-32C of `bytes`. */
export function maskedCrc32c(bytes: Uint8Array): number {
  const crc = crc32c(bytes);
  return (((crc >>> 15) | (crc << 17)) + MASK_DELTA) >>> 0;
}

/** One record's bytes: header, data, footer. */
export function frameRecord(data: Uint8Array): Uint8Array {
  const out = new Uint8Array(12 + data.length + 4);
  const view = new DataView(out.buffer);
  view.setBigUint64(0, BigInt(data.length), true);
  view.setUint32(8, maskedCrc32c(out.subarray(0, 8)), true);
  out.set(data, 12);
  view.setUint32(12 + data.length, maskedCrc32c(data), true);
  return out;
}

/**
 * The records of a TFRecord file, each CRC checked. A record cut short at the end (a writer that
 * stopped mid-write) ends the list, as TensorBoard's reader stops there; a CRC that does not match
 * is an error naming the record and its offset.
 */
export function readRecords(bytes: Uint8Array): Uint8Array[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const records: Uint8Array[] = [];
  let offset = 0;
  while (offset + 12 <= bytes.length) {
    const length = view.getBigUint64(offset, true);
    if (view.getUint32(offset + 8, true) !== maskedCrc32c(bytes.subarray(offset, offset + 8))) {
      throw new Error(`record ${records.length} at byte ${offset}: the length's CRC does not match`);
    }
    const end = offset + 12 + Number(length) + 4;
    if (length > BigInt(bytes.length) || end > bytes.length) break;
    const data = bytes.subarray(offset + 12, end - 4);
    if (view.getUint32(end - 4, true) !== maskedCrc32c(data)) {
      throw new Error(`record ${records.length} at byte ${offset}: the data's CRC does not match`);
    }
    records.push(data);
    offset = end;
  }
  return records;
}
