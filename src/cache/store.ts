/**
 * A folder of task checkpoints by key: `<key>.json` names the data file `<key>.<sha256 prefix>.safetensors`
 * and gives its sha256, size and task. Each file is written to a temporary name and renamed into
 * place, the data before the sidecar that vouches for it, so a reader never sees half a file, and
 * two runs writing the same key at once each leave a consistent pair (the last sidecar wins).
 * An entry is read back only when the bytes hash to what the sidecar says — one that does not is
 * reported and treated as absent, never trusted.
 */
import { createHash } from 'node:crypto';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { decodeCheckpoint, encodeCheckpoint, type TaskCheckpoint } from './state.js';

interface Sidecar {
  /** The data file's name, beside the sidecar. */
  readonly data: string;
  readonly sha256: string;
  readonly bytes: number;
  readonly taskId: string;
  readonly createdAt: string;
}

export type CheckpointLookup =
  | { readonly found: true; readonly checkpoint: TaskCheckpoint }
  | { readonly found: false; readonly problem: string | null };

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

export class CheckpointStore {
  private counter = 0;

  constructor(readonly dir: string) {}

  /** `<key>.json`, the sidecar that names and vouches for the key's data file. */
  private sidecar(key: string): string {
    if (!/^[0-9a-f]{64}$/.test(key)) throw new Error(`internal: checkpoint key ${key} is not a sha256`);
    return path.join(this.dir, `${key}.json`);
  }

  async read(key: string): Promise<CheckpointLookup> {
    let sidecarText: string;
    try {
      sidecarText = await readFile(this.sidecar(key), 'utf8');
    } catch (error) {
      // No entry, or no cache folder at all (a file in its place: writing says so).
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' || code === 'ENOTDIR') return { found: false, problem: null };
      return { found: false, problem: `cannot read ${this.sidecar(key)}: ${(error as Error).message}` };
    }
    let sidecar: Sidecar;
    try {
      sidecar = JSON.parse(sidecarText) as Sidecar;
    } catch {
      return { found: false, problem: `${this.sidecar(key)} is not JSON; ignored` };
    }
    if (typeof sidecar.data !== 'string' || !sidecar.data.startsWith(`${key}.`) || sidecar.data.includes('/')) {
      return { found: false, problem: `${this.sidecar(key)} names no data file of its key; ignored` };
    }
    const dataFile = path.join(this.dir, sidecar.data);
    let bytes: Uint8Array;
    try {
      bytes = await readFile(dataFile);
    } catch (error) {
      return { found: false, problem: `cannot read ${dataFile}: ${(error as Error).message}; ignored` };
    }
    const actual = sha256(bytes);
    if (actual !== sidecar.sha256) {
      return { found: false, problem: `${dataFile} does not match its sha256 (${actual.slice(0, 12)} ≠ ${String(sidecar.sha256).slice(0, 12)}); ignored` };
    }
    try {
      const checkpoint = decodeCheckpoint(bytes);
      if (checkpoint.key !== key) return { found: false, problem: `${dataFile} holds the checkpoint of another key; ignored` };
      return { found: true, checkpoint };
    } catch (error) {
      return { found: false, problem: `${dataFile}: ${(error as Error).message}; ignored` };
    }
  }

  async write(checkpoint: TaskCheckpoint): Promise<void> {
    await mkdir(this.dir, { recursive: true });
    const bytes = encodeCheckpoint(checkpoint);
    const hash = sha256(bytes);
    const data = `${checkpoint.key}.${hash.slice(0, 16)}.safetensors`;
    const sidecar: Sidecar = { data, sha256: hash, bytes: bytes.length, taskId: checkpoint.taskId, createdAt: new Date().toISOString() };
    // The data first, then the sidecar that vouches for it: a crash between leaves no valid entry.
    await this.atomicWrite(path.join(this.dir, data), bytes);
    await this.atomicWrite(this.sidecar(checkpoint.key), `${JSON.stringify(sidecar, null, 2)}\n`);
  }

  /** Removes the whole folder (a finished run's checkpoints). */
  async remove(): Promise<void> {
    await rm(this.dir, { recursive: true, force: true });
  }

  private async atomicWrite(target: string, data: Uint8Array | string): Promise<void> {
    const temp = path.join(path.dirname(target), `.${process.pid}.${++this.counter}.tmp`);
    try {
      await writeFile(temp, data, { flush: true });
      await rename(temp, target);
    } catch (error) {
      await rm(temp, { force: true });
      throw error;
    }
  }
}
