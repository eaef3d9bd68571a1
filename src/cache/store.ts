/**
 * A folder of task checkpoints by key: `<key>.json` names the data file `<key>.<sha256 prefix>.safetensors`
 * and gives its sha256, size and task. Each file is written to a temporary name and renamed into
 * place, the data before the sidecar that vouches for it, so a reader never sees half a file, and
 * two runs writing the same key at once each leave a consistent pair (the last sidecar wins).
 * An entry is read back only when the bytes hash to what the sidecar says — one that does not is
 * reported and treated as absent, never trusted.
 */
import { mkdir, readdir, readFile, rename, rm, stat, utimes, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { writingFile } from '../errors.js';
import { readHashedFile, sha256Hex } from '../util/sha256.js';
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
  | { readonly found: true; readonly checkpoint: TaskCheckpoint; readonly problem: string | null }
  | { readonly found: false; readonly problem: string | null };

/** What trim() removed, and what it could not look at or remove. */
export interface TrimOutcome {
  readonly removedEntries: number;
  readonly freedBytes: number;
  /** Bytes of the entries kept. */
  readonly keptBytes: number;
  readonly problems: readonly string[];
}

/**
 * A data file no sidecar names, or a temporary file, this old is left over (a writer that died,
 * or the loser of two runs writing one key), not one being written: trim() removes it.
 */
const LEFTOVER_AGE_MS = 60 * 60 * 1000;

/** Whether a process with this id is running (a temporary file of a live writer is left alone). */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

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
    const read = await readHashedFile(dataFile, sidecar.sha256);
    if (!read.ok && read.problem === 'unreadable') {
      return { found: false, problem: `cannot read ${dataFile}: ${read.reason}; ignored` };
    }
    if (!read.ok) {
      return { found: false, problem: `${dataFile} does not match its sha256 (${read.actual.slice(0, 12)} ≠ ${String(sidecar.sha256).slice(0, 12)}); ignored` };
    }
    try {
      const checkpoint = decodeCheckpoint(read.bytes);
      if (checkpoint.key !== key) return { found: false, problem: `${dataFile} holds the checkpoint of another key; ignored` };
      // The sidecar's mtime is the entry's last use, which trim() keeps the most recent by.
      const now = new Date();
      const touched = await utimes(this.sidecar(key), now, now).then(
        () => null,
        (error: unknown) => `cannot mark ${this.sidecar(key)} as used (${(error as NodeJS.ErrnoException).code ?? String(error)}); it may be removed first when the cache is trimmed`,
      );
      return { found: true, checkpoint, problem: touched };
    } catch (error) {
      return { found: false, problem: `${dataFile}: ${(error as Error).message}; ignored` };
    }
  }

  /**
   * Writes the key's entry and removes the data files of the entries it replaces (an epoch
   * checkpoint rewritten every epoch would otherwise leave one file per epoch).
   */
  async replace(checkpoint: TaskCheckpoint): Promise<void> {
    const current = await this.write(checkpoint);
    await this.removeDataFiles(checkpoint.key, current);
  }

  /** Removes the key's entry, sidecar first: a reader never finds a sidecar without its data. */
  async drop(key: string): Promise<void> {
    await rm(this.sidecar(key), { force: true });
    await this.removeDataFiles(key, null);
  }

  private async removeDataFiles(key: string, keep: string | null): Promise<void> {
    let names: string[];
    try {
      names = await readdir(this.dir);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw error;
    }
    const stale = names.filter((name) => name.startsWith(`${key}.`) && name.endsWith('.safetensors') && name !== keep);
    for (const name of stale) await rm(path.join(this.dir, name), { force: true });
  }

  /** Writes the key's entry; returns its data file's name. */
  async write(checkpoint: TaskCheckpoint): Promise<string> {
    await mkdir(this.dir, { recursive: true });
    const bytes = encodeCheckpoint(checkpoint);
    const hash = sha256Hex(bytes);
    const data = `${checkpoint.key}.${hash.slice(0, 16)}.safetensors`;
    const sidecar: Sidecar = { data, sha256: hash, bytes: bytes.length, taskId: checkpoint.taskId, createdAt: new Date().toISOString() };
    // The data first, then the sidecar that vouches for it: a crash between leaves no valid entry.
    await this.atomicWrite(path.join(this.dir, data), bytes);
    await this.atomicWrite(this.sidecar(checkpoint.key), `${JSON.stringify(sidecar, null, 2)}\n`);
    return data;
  }

  /**
   * Keeps the folder under `maxBytes`: removes the least recently used entries (sidecar, then its
   * data file) until the rest fit, and files left over by writers that stopped: data files no
   * sidecar names and temporary files of processes that are gone, once an hour old.
   */
  async trim(maxBytes: number, now = Date.now()): Promise<TrimOutcome> {
    const problems: string[] = [];
    let names: string[];
    try {
      names = await readdir(this.dir);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') return { removedEntries: 0, freedBytes: 0, keptBytes: 0, problems };
      return { removedEntries: 0, freedBytes: 0, keptBytes: 0, problems: [`cannot list ${this.dir}: ${code ?? String(error)}`] };
    }
    const remove = async (file: string): Promise<boolean> => {
      try {
        await rm(path.join(this.dir, file), { force: true });
        return true;
      } catch (error) {
        problems.push(`cannot remove ${path.join(this.dir, file)}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
        return false;
      }
    };
    const sizeAndTime = async (file: string): Promise<{ bytes: number; mtimeMs: number } | null> => {
      try {
        const info = await stat(path.join(this.dir, file));
        return { bytes: info.size, mtimeMs: info.mtimeMs };
      } catch (error) {
        // Removed meanwhile (another run trimming): nothing to count. Anything else is said.
        const code = (error as NodeJS.ErrnoException).code;
        if (code !== 'ENOENT') problems.push(`cannot look at ${path.join(this.dir, file)}: ${code ?? String(error)}`);
        return null;
      }
    };

    const entries: { sidecar: string; data: string; bytes: number; lastUsed: number }[] = [];
    const named = new Set<string>();
    for (const name of names.filter((n) => /^[0-9a-f]{64}\.json$/.test(n))) {
      const side = await sizeAndTime(name);
      if (side === null) continue;
      let data: string | null = null;
      try {
        const sidecar = JSON.parse(await readFile(path.join(this.dir, name), 'utf8')) as Partial<Sidecar>;
        if (typeof sidecar.data === 'string' && !sidecar.data.includes('/')) data = sidecar.data;
      } catch {
        data = null; // unreadable or not JSON: counted as an entry of its own size, removed first
      }
      if (data !== null) named.add(data);
      const dataInfo = data === null ? null : await sizeAndTime(data);
      entries.push({ sidecar: name, data: data ?? '', bytes: side.bytes + (dataInfo?.bytes ?? 0), lastUsed: data === null ? 0 : side.mtimeMs });
    }

    let removedEntries = 0;
    let freedBytes = 0;
    for (const name of names) {
      let pid: number | null = null; // the writer of a temporary file
      if (name.endsWith('.safetensors')) {
        if (named.has(name)) continue;
      } else {
        const temp = /^\.(\d+)\.\d+\.tmp$/.exec(name);
        if (temp === null) continue;
        pid = Number(temp[1]);
      }
      const info = await sizeAndTime(name);
      if (info === null || now - info.mtimeMs < LEFTOVER_AGE_MS || (pid !== null && pid !== process.pid && alive(pid))) continue;
      if (await remove(name)) freedBytes += info.bytes;
    }

    let total = entries.reduce((sum, e) => sum + e.bytes, 0);
    entries.sort((a, b) => a.lastUsed - b.lastUsed);
    for (const entry of entries) {
      if (total <= maxBytes) break;
      // The sidecar first: without it the entry is gone even if its data file stays behind.
      if (!(await remove(entry.sidecar))) continue;
      if (entry.data !== '') await remove(entry.data);
      total -= entry.bytes;
      freedBytes += entry.bytes;
      removedEntries++;
    }
    return { removedEntries, freedBytes, keptBytes: total, problems };
  }

  /** Removes the whole folder (a finished run's checkpoints). */
  async remove(): Promise<void> {
    await rm(this.dir, { recursive: true, force: true });
  }

  private async atomicWrite(target: string, data: Uint8Array | string): Promise<void> {
    const temp = path.join(path.dirname(target), `.${process.pid}.${++this.counter}.tmp`);
    try {
      await writingFile(target, async () => {
        await writeFile(temp, data, { flush: true });
        await rename(temp, target);
      });
    } catch (error) {
      await rm(temp, { force: true });
      throw error;
    }
  }
}
