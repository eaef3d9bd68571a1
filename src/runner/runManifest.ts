/**
 * manifest.json: how the run went and what produced it — status and where it stopped, the recipe
 * and the files it read by hash, the engine, the machine, the packages and the code. Written when
 * the run starts (status running), and again when it ends however it ends.
 */
import { readFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import path from 'node:path';
import { gitInfo, nodeInfo, packageVersions } from '../runs/manifest.js';
import { failedExpectations } from '../runs/expectations.js';
import type { RunRecord } from '../runs/record.js';
import type { ManifestStatus } from '../runs/runStatus.js';
import { exitReasonOf } from '../runs/summary.js';
import { PRUNE_RUN_VERSION } from '../version.js';
import { trainingLoopOf, type RunContext } from './runContext.js';
import type { ResumedTraining, ReusedTask, TaskCache } from './taskCache.js';
import { sha256Hex } from '../util/sha256.js';

/** The packages whose versions decide a run's numbers; recorded in every manifest. */
const RUNTIME_PACKAGES = [
  '@tensorflow/tfjs',
  '@tensorflow/tfjs-core',
  '@tensorflow/tfjs-layers',
  '@tensorflow/tfjs-backend-wasm',
  '@tensorflow/tfjs-node',
  'yaml',
  'ajv',
  'mnist',
  'onnx-proto',
  // They write the TensorBoard event files (tb/).
  'protobufjs',
  '@aws-crypto/crc32c',
  'cosmiconfig',
  'picomatch',
  'listr2',
  // Reads plugin modules' imports: it decides which plugins are refused.
  'acorn',
  // Not a dependency, but it compiles .ts plugin modules (method: custom) when installed.
  'typescript',
];

/** When the run started, and each time it was resumed (and from which task on). */
export interface RunHistory {
  readonly startedAt: Date;
  readonly resumes: readonly { at: string; from: string | null }[];
}

/** Where the run is in its plan (the task executor keeps it). */
export interface RunProgress {
  readonly completedTasks: readonly string[];
  /** Tasks a checkpoint stood for (the stage cache, or this run's own before a resume). */
  readonly reused: readonly ReusedTask[];
  /** Training tasks that went on from an epoch checkpoint (a resume inside training). */
  readonly resumedTraining: readonly ResumedTraining[];
  /** The task being executed; null between tasks. */
  readonly currentTask: string | null;
}

export class RunManifestWriter {
  private resolvedRead: Promise<string> | null = null;
  private gitRead: ReturnType<typeof gitInfo> | null = null;

  constructor(
    private readonly run: RunContext,
    private readonly history: RunHistory,
    private readonly cache: TaskCache,
    private readonly record: RunRecord,
    private readonly progress: RunProgress,
  ) {}

  async write(status: ManifestStatus, error: unknown): Promise<void> {
    const { prepared, dir, session } = this.run;
    // The gradient pass is known once model and data are loaded; it follows from them and the code.
    const gradient = session.gradientPass();
    await dir.writeJson('manifest.json', {
      runId: dir.id,
      status,
      exitReason: exitReasonOf(error),
      // sha256 is the recipe's identity (the run id's hash): of the text, and of the --set
      // overrides when there are any; textSha256 is recipe.yaml's alone.
      recipe: {
        file: prepared.recipePath,
        sha256: prepared.recipe.hash,
        textSha256: sha256Hex(prepared.recipe.text),
        overrides: prepared.overrides.map((o) => o.toRecord()),
      },
      seed: prepared.recipe.seed,
      pruneRun: PRUNE_RUN_VERSION,
      backend: this.run.backend,
      training: { ...trainingLoopOf(this.run.sharding), ...(gradient === null ? {} : { gradient }) },
      node: nodeInfo(),
      packages: packageVersions(RUNTIME_PACKAGES),
      git: await this.gitAtStart(),
      data: session.loadedData?.identity ?? null,
      // The model's source: the builtin's name (its weights come from the seed), or model.json and its weight files by sha256.
      model: await this.run.modelFiles(),
      // resolved.json beside this file, pinned by its hash rather than copied in: one copy cannot disagree with itself.
      resolved: { file: 'resolved.json', sha256: await this.resolvedSha256() },
      determinism: this.run.determinism(),
      ...this.expectations(),
      // The plugin modules whose code ran (method: custom): file, sha256, name, kind.
      plugins: prepared.plugins,
      // Who is writing the folder: resume refuses a run whose process is still alive.
      process: { pid: process.pid, host: hostname() },
      completedTasks: this.progress.completedTasks,
      // Tasks a checkpoint stood for (the stage cache, or this run's own before a resume).
      reusedTasks: this.progress.reused,
      // Training tasks a resume took up after their last finished epoch rather than from the start.
      resumedTraining: this.progress.resumedTraining,
      cache: { dir: this.cache.shared?.dir ?? null, problems: this.cache.problems },
      resumes: this.history.resumes,
      stoppedInTask: status === 'succeeded' ? null : this.progress.currentTask,
      startedAt: this.history.startedAt.toISOString(),
      endedAt: status === 'running' ? null : new Date().toISOString(),
    });
  }

  /**
   * The recipe's repository as the run found it: read at the first manifest, so the run's own
   * outputs cannot make it look dirty later; the runs folder and the stage cache do not count.
   */
  private gitAtStart(): ReturnType<typeof gitInfo> {
    const exclude = [path.dirname(this.run.dir.dir), ...(this.cache.shared === null ? [] : [this.cache.shared.dir])];
    this.gitRead ??= gitInfo(path.dirname(this.run.prepared.recipe.file), { exclude });
    return this.gitRead;
  }

  private resolvedSha256(): Promise<string> {
    this.resolvedRead ??= readFile(this.run.dir.path('resolved.json')).then((bytes) => sha256Hex(bytes));
    return this.resolvedRead;
  }

  /**
   * `expectations`: none (the recipe sets no gates), not checked (the run stopped before its
   * report), passed or failed, with each result. A failed gate leaves status succeeded: the run worked.
   */
  private expectations(): { expectations: 'none' | 'not checked' | 'passed' | 'failed'; expectationResults: unknown[] } {
    const results = this.record.expectations;
    const { recipe, plan } = this.run.prepared;
    // A sensitivity run checks no gate (runRecordBuilder.ts): the recipe's are about its stages.
    if (recipe.expect.length === 0 || plan.command === 'sensitivity') return { expectations: 'none', expectationResults: [] };
    if (results === undefined) return { expectations: 'not checked', expectationResults: [] };
    return { expectations: failedExpectations(results).length > 0 ? 'failed' : 'passed', expectationResults: results };
  }
}
