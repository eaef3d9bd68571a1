/**
 * The project's error types. Every error a user can cause carries a stable `code` so that
 * scripts and tests can tell problems apart without matching message text.
 *
 * Exit statuses (see cli/exitStatus.ts): bad input (RecipeError, UsageError) → 2, a run that failed → 3
 * (1 is a finished run whose expect: gates failed; 130 an interrupted one).
 */

/** A position in a recipe file, 1-based like editors show it. */
export interface SourceLocation {
  readonly file: string;
  readonly line: number;
  readonly col: number;
}

export function formatLocation(at: SourceLocation): string {
  return `${at.file}:${at.line}:${at.col}`;
}

export class PruneRunError extends Error {
  readonly code: string;
  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}

/** One problem found in a recipe, with where it is. */
export interface RecipeProblem {
  readonly at: SourceLocation;
  readonly message: string;
}

/**
 * A recipe is wrong: YAML syntax, schema, a reference to something that does not exist (a layer,
 * a file). Holds every problem found, not only the first, so a user fixes them in one pass.
 */
export class RecipeError extends PruneRunError {
  readonly problems: readonly RecipeProblem[];
  constructor(problems: readonly RecipeProblem[]) {
    if (problems.length === 0) throw new Error('RecipeError needs at least one problem');
    super('RECIPE_INVALID', problems.map((p) => `${formatLocation(p.at)}: ${p.message}`).join('\n'));
    this.problems = problems;
  }
}

/** Bad command-line usage or project configuration (also a bad-input error: exit status 2). */
export class UsageError extends PruneRunError {
  constructor(message: string) {
    super('USAGE', message);
  }
}

/** The signals a run stops on as it does on Ctrl-C, and the exit status each gives (128 + its number, as shells report it). */
export const STOP_SIGNALS = { SIGINT: 130, SIGTERM: 143 } as const;
export type StopSignal = keyof typeof STOP_SIGNALS;

/** The run was stopped by a signal: Ctrl-C (SIGINT), or a CI cancel or `docker stop` (SIGTERM). */
export class InterruptedError extends PruneRunError {
  constructor(readonly signal: StopSignal) {
    super('INTERRUPTED', `interrupted by ${signal}`);
  }
}

/**
 * Writing a file failed (a full disk, a folder turned read-only): the message names the file and
 * the reason in words, since Node's own (`ENOSPC: no space left on device, write`) names neither
 * the file nor, to most users, the cause.
 */
export class FileWriteError extends PruneRunError {
  constructor(
    readonly file: string,
    cause: unknown,
  ) {
    super('FILE_WRITE', `cannot write ${file}: ${fileErrorReason(cause)}`, { cause });
  }
}

const FILE_ERROR_REASONS: Readonly<Record<string, string>> = {
  ENOSPC: 'no space left on the device (ENOSPC)',
  EDQUOT: 'the disk quota is used up (EDQUOT)',
  EACCES: 'permission denied (EACCES)',
  EPERM: 'operation not permitted (EPERM)',
  EROFS: 'the file system is read-only (EROFS)',
  EFBIG: 'the file is larger than allowed (EFBIG)',
  ENOTDIR: 'a part of the path is a file, not a folder (ENOTDIR)',
  EISDIR: 'it is a folder (EISDIR)',
  ENOENT: 'its folder no longer exists (ENOENT)',
};

/** A file system error's cause in words, e.g. `no space left on the device (ENOSPC)`. */
export function fileErrorReason(error: unknown): string {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  if (code !== undefined && code in FILE_ERROR_REASONS) return FILE_ERROR_REASONS[code]!;
  return error instanceof Error ? error.message : String(error);
}

/** Runs `write`; a failure becomes a FileWriteError naming `file` (our own errors pass unchanged). */
export async function writingFile<T>(file: string, write: () => Promise<T>): Promise<T> {
  try {
    return await write();
  } catch (error) {
    throw error instanceof PruneRunError ? error : new FileWriteError(file, error);
  }
}

/** The recipe is valid but cannot be turned into a plan (e.g. contradictory stages). */
export class PlanError extends PruneRunError {}

/** Pruning arguments are invalid (amount out of range, shape mismatch, ...). */
export class PruneError extends PruneRunError {}

/**
 * The codes an EngineError carries, as a runtime list (like PRUNE_ERROR_CODES) so a report or a
 * test can enumerate them, and as a type so a misspelt code is a compile error.
 */
export const ENGINE_ERROR_CODES = [
  /** Backend selection: --backend names none of the known backends. */
  'BACKEND_UNKNOWN',
  /** Backend selection: the backend asked for (cpu) failed to start. */
  'BACKEND_UNAVAILABLE',
  /** Backend selection: neither tensorflow nor wasm is available, and cpu is never taken unasked. */
  'CPU_BACKEND_REFUSED',
  /** Backend selection: tfjs-node asked for but not installed or not loadable. */
  'TFJS_NODE_UNAVAILABLE',
  /** Backend selection: the wasm backend asked for but failed to start. */
  'WASM_UNAVAILABLE',
  /** A wasm kernel given a missing, non-float32 or wrongly ranked input. */
  'WASM_KERNEL_INPUT',
  /** The wasm backend lacks a kernel one of ours builds on, or it answered unexpectedly. */
  'WASM_KERNEL_MISSING',
  /** A wasm kernel asked for channels-first data (only NHWC is implemented). */
  'WASM_NCHW_UNSUPPORTED',
  /** A task that needs a model ran before load-model. */
  'NO_MODEL',
  /** A task that needs data ran before load-data. */
  'NO_DATA',
  /** Training on an empty training split. */
  'NO_TRAINING_DATA',
  /** The model's input shape does not fit the data's images. */
  'INPUT_SHAPE_MISMATCH',
  /** A label at or past the model's output count (a label is an output's index). */
  'LABELS_PAST_OUTPUTS',
  /** A plan's schedule laid out on a step count the training split does not give. */
  'SCHEDULE_STEPS',
  /** Weights kept for a rewind point that were never captured (a planner bug). */
  'REWIND_NO_SNAPSHOT',
  /** A checkpoint whose weights do not fit the loaded model. */
  'CHECKPOINT_MISMATCH',
  /** A weight name the model does not have. */
  'UNKNOWN_WEIGHT',
  /** A mask bound to a parameter that is not a trainable weight of its size. */
  'MASK_NOT_TRAINABLE',
  /** The optimizer given gradients or a mask of another size than its weights. */
  'OPTIMIZER_SHAPE',
  /** An epoch checkpoint's optimizer state that does not fit the optimizer resuming from it. */
  'OPTIMIZER_STATE',
  /** A mask's or importance scores' file unreadable, changed since checked, or without the tensor named. */
  'MASK_FILE',
  /** A plugin module unreadable or changed since it was loaded. */
  'PLUGIN_FILE',
  /** A plan names a plugin this process did not load. */
  'PLUGIN_NOT_LOADED',
  /** A plugin's computeMask did not return within the time limit (PRUNE_RUN_PLUGIN_TIMEOUT) and was stopped. */
  'PLUGIN_TIMEOUT',
  /** A plugin's code grew the process's memory past its limit (plugins/memoryWatch.ts) and was stopped. */
  'PLUGIN_MEMORY',
  /** A plugin's thread ended (it exited, ran out of memory) or could not be started again. */
  'PLUGIN_STOPPED',
  /** A single importance source given to a global step, whose sources are by parameter (a planner bug). */
  'PRUNE_IMPORTANCE',
  /** Compact export of a model it cannot rebuild exactly. */
  'COMPACT_UNSUPPORTED',
  /** ONNX export of a layer or configuration it has no conversion for. */
  'ONNX_EXPORT_UNSUPPORTED',
  /** A model.json or weight file that fails its checks when loaded (changed since the plan checked it). */
  'MODEL_FILE',
  /** TF.js handed over no model or inconsistent weight data to save. */
  'MODEL_SAVE',
  /** An ONNX model that no longer converts (changed since the plan was made). */
  'ONNX_IMPORT',
  /** A sparse model the sparse format cannot hold. */
  'SPARSE_MODEL_UNSUPPORTED',
  /** A sparse model's files unreadable. */
  'SPARSE_MODEL_READ',
  /** A sparse model's files read but malformed. */
  'SPARSE_MODEL_INVALID',
  /** Gradient sharding set up with impossible threads, shards or batch sizes. */
  'SHARDING_INVALID',
  /** The gradient workers used after they were stopped. */
  'SHARDING_CLOSED',
  /** A gradient worker failed or exited. */
  'GRADIENT_WORKER_FAILED',
  /** A thread of a sharded step did not reach a batch-norm layer's meeting point in time (gone or stuck). */
  'GRADIENT_WORKER_STALLED',
  /** The gradient worker's built file is missing or older than its sources. */
  'WORKER_NOT_BUILT',
  /** A sensitivity analysis asked for a parameter or channel group the model does not have, or a step allocating from one that did not run (a planner bug). */
  'SENSITIVITY_INVALID',
] as const;

export type EngineErrorCode = (typeof ENGINE_ERROR_CODES)[number];

/** The engine (TensorFlow.js) failed or was asked for something it refuses to do. */
export class EngineError extends PruneRunError {
  // `declare`: narrows the type only; a field here would reset the value the base class set.
  declare readonly code: EngineErrorCode;
  constructor(code: EngineErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
  }
}

/** The codes a DataError carries (see ENGINE_ERROR_CODES for why a list and a type). */
export const DATA_ERROR_CODES = [
  /** A data file or the mnist package cannot be read. */
  'DATA_READ',
  /** A split size that is not a positive integer or exceeds the images available. */
  'DATA_SIZE',
  /** A malformed IDX file, or an IDX pair that does not make a data set. */
  'IDX_INVALID',
  /** The mnist package's files are not what it should ship. */
  'MNIST_INVALID',
  /** Synthetic data asked for with impossible options. */
  'SYNTHETIC_INVALID',
] as const;

export type DataErrorCode = (typeof DATA_ERROR_CODES)[number];

/** Reading a data set failed (a malformed IDX file, a missing package). */
export class DataError extends PruneRunError {
  declare readonly code: DataErrorCode;
  constructor(code: DataErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
  }
}

/** Whether an error is the user's input (exit status 2) rather than a run failure (exit 3). */
export function isBadInput(error: unknown): boolean {
  return error instanceof RecipeError || error instanceof UsageError;
}
