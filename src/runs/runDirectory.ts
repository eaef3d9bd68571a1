/**
 * One run's output folder. A run writes into `runs/<id>.partial/` and only a successful run is
 * renamed to `runs/<id>/`, so a folder without `.partial` is always a finished, complete run.
 * Ids sort by time: `YYYYMMDD-HHMMSSZ-<first 8 hex of the recipe hash>[-N]`.
 *
 * Files are written to a temporary name and renamed into place, so a reader (or a crash) never
 * sees half a file. Operations run one at a time in call order, so two writes of the same file
 * end with the later one and finish() happens after every write started before it.
 */
import { mkdir, open, rename, rm, rmdir, stat } from 'node:fs/promises';
import { basename, dirname, isAbsolute, join, normalize, resolve, sep } from 'node:path';
import { PruneRunError, writingFile } from '../errors.js';
import { RunLock } from './runLock.js';
import { RUN_STATUSES, type RunStatus } from './runStatus.js';

const PARTIAL = '.partial';

/**
 * The most a run folder's JSON file (manifest, plan, record, resolved recipe) may hold when it is
 * read back by resume or compare: a LeNet run's record is tens of kilobytes, a ResNet's a few
 * hundred; a folder someone damaged (a FIFO, a huge file) is refused instead of read whole.
 */
export const MAX_RUN_JSON_BYTES = 64 * 1024 * 1024;

/** `YYYYMMDD-HHMMSSZ` in UTC: sorts by time and has no characters filesystems dislike. */
export function formatRunTime(now: Date): string {
  const pad = (n: number, width = 2): string => String(n).padStart(width, '0');
  return (
    `${pad(now.getUTCFullYear(), 4)}${pad(now.getUTCMonth() + 1)}${pad(now.getUTCDate())}-` +
    `${pad(now.getUTCHours())}${pad(now.getUTCMinutes())}${pad(now.getUTCSeconds())}Z`
  );
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw error;
  }
}

function errorCode(error: unknown): string | undefined {
  return (error as NodeJS.ErrnoException | undefined)?.code;
}

export class RunDirectory {
  /** The run's id: the final folder name, without `.partial`. */
  readonly id: string;
  private readonly root: string;
  private current: string;
  private finished = false;
  /** Every operation chains onto this, so they run in call order. */
  private queue: Promise<unknown> = Promise.resolve();
  private tempCounter = 0;

  private constructor(
    root: string,
    id: string,
    /** Held from the folder's creation (or the resume's start) until finish(): one writer at a time. */
    readonly lock: RunLock,
  ) {
    this.root = root;
    this.id = id;
    this.current = join(root, id + PARTIAL);
  }

  /**
   * Makes a new `<runsRoot>/<id>.partial/`. Never reuses a name: if `<id>` or `<id>.partial`
   * exists, tries `<id>-2`, `<id>-3`, ... The leaf is made with a non-recursive mkdir, which fails
   * with EEXIST if another process made it first, so two runs started in the same second get
   * different folders.
   */
  static async create(runsRoot: string, recipeHash: string, now: Date = new Date()): Promise<RunDirectory> {
    if (!/^[0-9a-fA-F]{8}/.test(recipeHash)) {
      throw new PruneRunError('RUN_DIRECTORY', `recipe hash must start with 8 hex digits, got ${JSON.stringify(recipeHash)}`);
    }
    if (Number.isNaN(now.getTime())) throw new PruneRunError('RUN_DIRECTORY', 'run start time is an invalid Date');
    const root = resolve(runsRoot);
    await mkdir(root, { recursive: true });
    const base = `${formatRunTime(now)}-${recipeHash.slice(0, 8).toLowerCase()}`;
    for (let n = 1; ; n++) {
      const id = n === 1 ? base : `${base}-${n}`;
      if (await exists(join(root, id))) continue;
      try {
        await mkdir(join(root, id + PARTIAL));
      } catch (error) {
        if (errorCode(error) === 'EEXIST') continue;
        throw error;
      }
      // Another run may have finished (renamed its `<id>.partial` to `<id>`) between the check
      // above and our mkdir; then this name is taken after all.
      if (await exists(join(root, id))) {
        await rmdir(join(root, id + PARTIAL));
        continue;
      }
      return new RunDirectory(root, id, await RunLock.acquire(join(root, id + PARTIAL)));
    }
  }

  /**
   * Reopens an unfinished run's `<id>.partial/` (prune-run resume) to write on into it; the
   * folder must exist and be a partial run's, and `lock` its lock, taken by the caller before it
   * read anything of the folder (RunLock.acquire).
   */
  static async open(partialDir: string, lock: RunLock): Promise<RunDirectory> {
    const dir = resolve(partialDir);
    const name = basename(dir);
    if (!name.endsWith(PARTIAL)) {
      throw new PruneRunError('RUN_DIRECTORY', `${partialDir} is not an unfinished run folder (its name does not end in ${PARTIAL}); only those can be resumed`);
    }
    let isDir: boolean;
    try {
      isDir = (await stat(dir)).isDirectory();
    } catch {
      isDir = false;
    }
    if (!isDir) throw new PruneRunError('RUN_DIRECTORY', `${partialDir}: no such run folder`);
    const id = name.slice(0, -PARTIAL.length);
    if (await exists(join(dirname(dir), id))) {
      throw new PruneRunError('RUN_DIRECTORY', `${partialDir}: a finished run ${id} exists beside it; it was resumed already`);
    }
    return new RunDirectory(dirname(dir), id, lock);
  }

  /** The folder as it is now: `<id>.partial` until a successful finish, `<id>` after. */
  get dir(): string {
    return this.current;
  }

  /** Absolute path of a file inside the run folder; refuses paths that would leave it. */
  path(relative: string): string {
    const cleaned = normalize(relative);
    if (relative === '' || isAbsolute(relative) || cleaned === '..' || cleaned.startsWith(`..${sep}`) || cleaned === '.') {
      throw new PruneRunError('RUN_DIRECTORY', `not a file path inside the run folder: ${JSON.stringify(relative)}`);
    }
    return join(this.current, cleaned);
  }

  // The write methods are async so that bad input rejects rather than throws; the work is
  // still queued synchronously, in call order.

  async writeText(relative: string, text: string): Promise<void> {
    return this.writeAtomically(relative, Buffer.from(text, 'utf8'));
  }

  /** Pretty JSON (2 spaces) with a trailing newline, so files diff well and end cleanly. */
  async writeJson(relative: string, value: unknown): Promise<void> {
    return this.writeText(relative, `${toJson(value, 2)}\n`);
  }

  /** The bytes are copied at the call, so the caller may reuse its buffer at once. */
  async writeBytes(relative: string, bytes: Uint8Array): Promise<void> {
    return this.writeAtomically(relative, bytes.slice());
  }

  private writeAtomically(relative: string, bytes: Uint8Array): Promise<void> {
    return this.enqueue(async () => {
      const target = this.path(relative);
      await mkdir(dirname(target), { recursive: true });
      // Same folder as the target, so the rename cannot cross filesystems and is atomic.
      const temp = join(dirname(target), `.${process.pid}.${++this.tempCounter}.tmp`);
      try {
        await writingFile(target, async () => {
          const handle = await open(temp, 'wx');
          try {
            await handle.writeFile(bytes);
            // On disk before the rename, so a crash cannot leave a renamed but empty file.
            await handle.sync();
          } finally {
            await handle.close();
          }
          await rename(temp, target);
        });
      } catch (error) {
        await rm(temp, { force: true });
        throw error;
      }
    });
  }

  /**
   * Appends one compact JSON line (for metrics.jsonl). Not temp + rename, which would rewrite
   * the whole file per line: the line goes out in a single append write, so a reader sees whole
   * lines, and after a crash at worst an incomplete last line, which readers skip.
   */
  async appendJsonLine(relative: string, value: unknown): Promise<void> {
    return this.appendBytes(relative, Buffer.from(`${toJson(value)}\n`, 'utf8'));
  }

  /** Appends bytes in a single write (a TensorBoard record, a metrics line); copied at the call. */
  async appendBytes(relative: string, bytes: Uint8Array): Promise<void> {
    const line = Buffer.from(bytes);
    return this.enqueue(async () => {
      const target = this.path(relative);
      await writingFile(target, async () => {
        await mkdir(dirname(target), { recursive: true });
        const handle = await open(target, 'a');
        try {
          await handle.write(line);
        } finally {
          await handle.close();
        }
      });
    });
  }

  /**
   * Ends the run after every write already started. Only 'succeeded' renames `<id>.partial` to
   * `<id>`; a failed or interrupted run keeps `.partial` so it never looks finished. Returns the
   * folder's final path. Later writes and a second finish are refused.
   */
  async finish(status: RunStatus): Promise<string> {
    if (!RUN_STATUSES.includes(status)) {
      throw new PruneRunError('RUN_DIRECTORY', `unknown run status ${JSON.stringify(status)}`);
    }
    return this.enqueue(async () => {
      this.finished = true;
      // Before the rename: a finished folder holds no lock.
      await this.lock.release();
      if (status !== 'succeeded') return this.current;
      const final = join(this.root, this.id);
      // create() made sure `<id>` was free while we hold `<id>.partial`; check anyway, since a
      // rename onto an existing empty folder would silently replace it.
      if (await exists(final)) throw new PruneRunError('RUN_DIRECTORY', `${final} already exists; run left at ${this.current}`);
      await rename(this.current, final);
      this.current = final;
      return final;
    });
  }

  private enqueue<T>(operation: () => Promise<T>): Promise<T> {
    const run = async (): Promise<T> => {
      if (this.finished) throw new PruneRunError('RUN_DIRECTORY', `run ${this.id} is already finished`);
      return operation();
    };
    const result = this.queue.then(run);
    this.queue = result.catch(() => undefined);
    return result;
  }
}

/** JSON.stringify that refuses values it would silently drop (undefined, functions). */
function toJson(value: unknown, indent?: number): string {
  const text = JSON.stringify(value, null, indent);
  if (typeof text !== 'string') throw new PruneRunError('RUN_DIRECTORY', `cannot write ${typeof value} as JSON`);
  return text;
}
