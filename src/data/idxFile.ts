/**
 * Reading IDX files from disk without trusting them. Files may be gzipped (as MNIST and
 * Fashion-MNIST are distributed; detected by content, not by name). Only regular files are read
 * (util/regularFile.ts), and never beyond what the header declares: a plain file's size is
 * compared with it before its data is read, and a gzipped one is inflated as a stream that is
 * stopped, with an error, as soon as it gives more than the header declared. So a small gzip that
 * inflates to gigabytes costs a few kilobytes of memory, and a header declaring more than
 * MAX_IDX_DATA_BYTES is refused before anything is inflated.
 *
 * Four depths of reading, one code path: `header` (the dims, as soon as they are known: the
 * planner's image count), `check` (header and size, the data discarded as it streams: the check
 * made before a run starts), `count` (as check, each byte value counted as it streams: a labels
 * file's classes, checked against the model before a run) and `read` (the data, into one array of
 * the declared size in shared memory, which a split then uses as it is, and the sha256 of the
 * bytes as stored: the load).
 */
import { createHash, type Hash } from 'node:crypto';
import type { FileHandle } from 'node:fs/promises';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import { DataError } from '../errors.js';
import { FileRefusedError, openRegularFile, readInto, refusalText, type OpenedFile } from '../util/regularFile.js';
import { sha256Hex } from '../util/sha256.js';
import { sharedBytes } from './pixels.js';
import { idxHeaderOf, idxInvalid, idxSizeMismatch, MAX_IDX_DATA_BYTES, type IdxFile, type IdxHeader } from './idx.js';
import type { DataSource, IdxFilePair } from './types.js';

type Depth = 'header' | 'check' | 'count' | 'read';

/** The longest header there is: 255 dimensions. */
const MAX_HEADER_BYTES = 4 + 4 * 255;
/**
 * The largest file read at all: the most data and the longest header, plus room for gzip's
 * framing of incompressible data (a few bytes per 32 KiB block).
 */
const MAX_STORED_BYTES = MAX_IDX_DATA_BYTES + MAX_HEADER_BYTES + 16 * 1024 * 1024;

/** Thrown inside the stream to stop it once the header is known (depth 'header'). */
class HeaderKnown extends Error {}

/** Takes an IDX byte stream in chunks: the header, then the data, refusing any byte past what the header declared. */
class IdxCollector {
  private pending = new Uint8Array(0);
  private headerValue: IdxHeader | null = null;
  /** The data (depth 'read'), allocated once the header gives its size. */
  data: Uint8Array | null = null;
  /** How many data bytes have each value (depth 'count'). */
  readonly counts: number[] | null;
  private received = 0;

  constructor(
    private readonly label: string,
    private readonly depth: Depth,
  ) {
    this.counts = depth === 'count' ? new Array<number>(256).fill(0) : null;
  }

  push(chunk: Uint8Array): void {
    let rest = chunk;
    if (this.headerValue === null) {
      const joined = new Uint8Array(this.pending.length + chunk.length);
      joined.set(this.pending);
      joined.set(chunk, this.pending.length);
      const header = idxHeaderOf(joined, this.label);
      if (header === null) {
        this.pending = joined; // fewer than MAX_HEADER_BYTES: idxHeaderOf needs no more than that
        return;
      }
      this.headerValue = header;
      this.pending = new Uint8Array(0);
      if (this.depth === 'header') throw new HeaderKnown();
      if (this.depth === 'read') this.data = sharedBytes(header.dataBytes);
      rest = joined.subarray(header.headerBytes);
    }
    const header = this.headerValue;
    if (rest.length > header.dataBytes - this.received) {
      throw idxInvalid(
        this.label,
        `decompresses to more data than its header declares (dimensions ${header.dims.join('×')} need ${header.dataBytes} data bytes); stopped reading there`,
      );
    }
    this.data?.set(rest, this.received);
    if (this.counts !== null) countValues(rest, this.counts);
    this.received += rest.length;
  }

  /** The header, once the stream has ended; throws for a stream that ended early. */
  finish(): IdxHeader {
    const header = this.headerValue;
    if (header === null) {
      const length = this.pending.length;
      throw idxInvalid(
        this.label,
        length < 4 ? `too short for an IDX header (${length} bytes)` : `header declares ${this.pending[3] as number} dimensions but the file ends after ${length} bytes`,
      );
    }
    if (this.depth !== 'header' && this.received !== header.dataBytes) throw idxSizeMismatch(this.label, header, this.received);
    return header;
  }
}

function countValues(bytes: Uint8Array, counts: number[]): void {
  for (let i = 0; i < bytes.length; i++) counts[bytes[i] as number]! += 1;
}

interface Scanned {
  readonly header: IdxHeader;
  readonly data: Uint8Array | null;
  readonly sha256: string | null;
  /** By byte value, at depth 'count'; null otherwise. */
  readonly counts: number[] | null;
}

/** The piece a plain file's data is counted in (depth 'count'): memory stays this, whatever the file. */
const COUNT_CHUNK_BYTES = 64 * 1024;

const isGzip = (bytes: Uint8Array) => bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;

/** A plain (not gzipped) file: header read, size compared, data read only at depth 'read'. */
async function scanPlain(handle: FileHandle, size: number, label: string, depth: Depth): Promise<Scanned> {
  const head = new Uint8Array(Math.min(size, MAX_HEADER_BYTES));
  const collector = new IdxCollector(label, 'header');
  try {
    collector.push(head.subarray(0, await readInto(handle, head)));
  } catch (error) {
    if (!(error instanceof HeaderKnown)) throw error;
  }
  const header = collector.finish();
  if (depth === 'header') return { header, data: null, sha256: null, counts: null };
  if (size - header.headerBytes !== header.dataBytes) throw idxSizeMismatch(label, header, size - header.headerBytes);
  if (depth === 'check') return { header, data: null, sha256: null, counts: null };
  if (depth === 'count') return { header, data: null, sha256: null, counts: await countPlain(handle, header, label) };
  const data = sharedBytes(header.dataBytes);
  const got = await readInto(handle, data, header.headerBytes);
  if (got !== header.dataBytes) throw idxSizeMismatch(label, header, got); // shrank since it was opened
  return { header, data, sha256: sha256Hex(head.subarray(0, header.headerBytes), data), counts: null };
}

/** The data of a plain file whose size was checked, counted by value a chunk at a time. */
async function countPlain(handle: FileHandle, header: IdxHeader, label: string): Promise<number[]> {
  const counts = new Array<number>(256).fill(0);
  const chunk = new Uint8Array(Math.min(COUNT_CHUNK_BYTES, header.dataBytes));
  for (let done = 0; done < header.dataBytes; ) {
    const want = Math.min(chunk.length, header.dataBytes - done);
    const got = await readInto(handle, chunk.subarray(0, want), header.headerBytes + done);
    if (got !== want) throw idxSizeMismatch(label, header, done + got); // shrank since it was opened
    countValues(chunk.subarray(0, got), counts);
    done += got;
  }
  return counts;
}

/** A gzipped file, inflated as a stream into the collector, the stored bytes hashed on the way at depth 'read'. */
async function scanGzip(handle: FileHandle, size: number, label: string, depth: Depth): Promise<Scanned> {
  const collector = new IdxCollector(label, depth);
  const hash: Hash | null = depth === 'read' ? createHash('sha256') : null;
  const tap = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      hash?.update(chunk);
      done(null, chunk);
    },
  });
  // Only the bytes the file had when it was opened: a file that grows is not followed.
  const stored = handle.createReadStream({ start: 0, end: size - 1, autoClose: false, highWaterMark: 64 * 1024 });
  // What stopped the stream from inside: pipeline itself rejects with the AbortError of the
  // streams it then destroys, not with the reason.
  let stopped: unknown = null;
  try {
    await pipeline(stored, tap, createGunzip(), async (inflated: AsyncIterable<Buffer>) => {
      try {
        for await (const chunk of inflated) collector.push(chunk);
      } catch (error) {
        stopped = error;
        throw error;
      }
    });
  } catch (caught) {
    const error = stopped ?? caught;
    if (error instanceof HeaderKnown) return { header: collector.finish(), data: null, sha256: null, counts: null };
    if (error instanceof DataError) throw error;
    const code = (error as NodeJS.ErrnoException).code ?? '';
    if (!code.startsWith('Z_')) throw error;
    throw idxInvalid(label, `starts like gzip but cannot be decompressed (${(error as Error).message})`);
  }
  const header = collector.finish();
  return { header, data: collector.data, sha256: hash?.digest('hex') ?? null, counts: collector.counts };
}

async function scanIdx(file: string, label: string, depth: Depth): Promise<Scanned> {
  let opened: OpenedFile;
  try {
    opened = await openRegularFile(file, MAX_STORED_BYTES);
  } catch (error) {
    if (error instanceof FileRefusedError) throw new DataError('DATA_READ', `${label} ${refusalText(error.refusal)}`, { cause: error });
    throw error;
  }
  const { handle, size } = opened;
  try {
    const magic = new Uint8Array(Math.min(size, 2));
    await readInto(handle, magic);
    return await (isGzip(magic) ? scanGzip : scanPlain)(handle, size, label, depth);
  } catch (error) {
    if (error instanceof DataError) throw error;
    const reason = error instanceof Error ? error.message : String(error);
    throw new DataError('DATA_READ', `${label}: cannot read IDX file (${reason})`, { cause: error });
  } finally {
    await handle.close();
  }
}

/**
 * The file's header, read no further than needed (a gzipped file inflated only until its header
 * is known). `label` names the file in errors (default: its path).
 */
export async function readIdxHeader(file: string, label = file): Promise<IdxHeader> {
  return (await scanIdx(file, label, 'header')).header;
}

/**
 * Checks the whole file without keeping its data: a regular file, an IDX header of bytes within
 * MAX_IDX_DATA_BYTES, and exactly the data it declares (a gzipped file inflated as a stream and
 * stopped past it). Throws DataError (IDX_INVALID, DATA_READ).
 */
export async function checkIdxFile(file: string, label = file): Promise<IdxHeader> {
  return (await scanIdx(file, label, 'check')).header;
}

/**
 * checkIdxFile's checks, and how many of the file's data bytes have each value (256 counts): a
 * labels file's classes, read as a stream in pieces of a few kilobytes whatever its size.
 */
export async function countIdxValues(file: string, label = file): Promise<{ readonly header: IdxHeader; readonly counts: readonly number[] }> {
  const { header, counts } = await scanIdx(file, label, 'count');
  if (counts === null) throw new Error('internal: an IDX file counted without its counts');
  return { header, counts };
}

/** The header of a pair's images file, as readIdxHeader. */
export async function readImagesHeader(pair: IdxFilePair, label: string): Promise<IdxHeader> {
  return readIdxHeader(pair.images, label);
}

/** The counts of a pair's labels file by label, as countIdxValues. */
export async function countLabels(pair: IdxFilePair, label: string): Promise<readonly number[]> {
  return (await countIdxValues(pair.labels, label)).counts;
}

/** Reads an IDX file, gunzipping it if it is gzipped, with checkIdxFile's checks, and hashes the stored bytes. */
export async function readIdxFile(file: string, label = file): Promise<IdxFile> {
  const { header, data, sha256 } = await scanIdx(file, label, 'read');
  if (data === null || sha256 === null) throw new Error('internal: an IDX file read without its data');
  return { array: { dims: header.dims, data }, sha256 };
}

/**
 * How many training images a recipe's data has, without loading the images: the planner lays
 * schedules out on the real number of steps per epoch, so it needs this before any run starts.
 * Here, beside readIdxHeader, because the count is the labels file's header.
 */
export async function trainingImageCount(data: DataSource): Promise<number> {
  if (data.kind === 'builtin' && data.name === 'mnist') return data.trainSize;
  if (data.trainSize !== null) return data.trainSize;
  // The labels' first dimension is the image count; only the header is read (and inflated).
  const labels = await readIdxHeader(data.train.labels);
  return labels.dims[0] ?? 0;
}
