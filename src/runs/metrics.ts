/**
 * metrics.jsonl: one JSON object per line, appended as a run goes, so progress can be followed
 * (`tail -f`) and a crashed run still has every metric up to the crash.
 */
import { PruneRunError } from '../errors.js';
import type { RunDirectory } from './runDirectory.js';

export type MetricsPhase = 'train' | 'finetune' | 'prune' | 'evaluate';
export const METRICS_PHASES: readonly MetricsPhase[] = ['train', 'finetune', 'prune', 'evaluate'];

export const METRICS_FILE = 'metrics.jsonl';

export interface MetricsLine {
  /** Stage name from the recipe, or a fixed name such as "pretrain" for work outside stages. */
  readonly stage: string;
  readonly phase: MetricsPhase;
  readonly epoch?: number;
  readonly step?: number;
  /** JSON has no NaN or Infinity: a non-finite value (e.g. a diverged loss) is written as null. */
  readonly loss?: number;
  readonly accuracy?: number;
  /**
   * Over every pruned parameter; for a mask update inside training (a `prune` line with a step),
   * its schedule group's parameters (global_sparsity is then the one over every pruned parameter).
   */
  readonly sparsity?: number;
  readonly global_sparsity?: number;
  /** The optimizer's learning rate during a training epoch. */
  readonly learning_rate?: number;
  /** Each pruned parameter's sparsity (its mask's zeros over its entries), by name. */
  readonly parameters?: Readonly<Record<string, number>>;
  /** ISO 8601 UTC time the line was written. */
  readonly time: string;
}

/** A line as a caller gives it; `time` defaults to now. */
export type MetricsEntry = Omit<MetricsLine, 'time'> & { readonly time?: string };

const COUNTS = ['epoch', 'step'] as const;
const VALUES = ['loss', 'accuracy', 'sparsity', 'global_sparsity', 'learning_rate'] as const;

function invalid(message: string): PruneRunError {
  return new PruneRunError('METRICS_INVALID', message);
}

/**
 * Checks an entry and returns it with keys in a fixed order (stage, phase, epoch, step, loss,
 * accuracy, sparsity, global_sparsity, learning_rate, parameters, time), absent fields left out, so
 * lines read the same in every run.
 */
export function formatMetricsLine(entry: MetricsEntry, now: () => Date = () => new Date()): Record<string, unknown> {
  if (typeof entry.stage !== 'string' || entry.stage === '') throw invalid('metrics line needs a stage name');
  if (!METRICS_PHASES.includes(entry.phase)) {
    throw invalid(`unknown metrics phase ${JSON.stringify(entry.phase)} (expected ${METRICS_PHASES.join(', ')})`);
  }
  const line: Record<string, unknown> = { stage: entry.stage, phase: entry.phase };
  for (const key of COUNTS) {
    const value = entry[key];
    if (value === undefined) continue;
    if (!Number.isInteger(value) || value < 0) throw invalid(`metrics ${key} must be a non-negative integer, got ${value}`);
    line[key] = value;
  }
  for (const key of VALUES) {
    const value = entry[key];
    if (value === undefined) continue;
    if (typeof value !== 'number') throw invalid(`metrics ${key} must be a number, got ${typeof value}`);
    line[key] = Number.isFinite(value) ? value : null;
  }
  if (entry.parameters !== undefined) {
    const parameters: Record<string, number> = {};
    for (const [name, value] of Object.entries(entry.parameters)) {
      if (typeof value !== 'number' || !(value >= 0 && value <= 1)) throw invalid(`metrics sparsity of ${name} must be a fraction, got ${value}`);
      parameters[name] = value;
    }
    line['parameters'] = parameters;
  }
  line['time'] = entry.time ?? now().toISOString();
  return line;
}

/** Appends checked metrics lines to a run's metrics.jsonl. */
export class MetricsWriter {
  constructor(
    private readonly run: RunDirectory,
    private readonly file: string = METRICS_FILE,
    private readonly now: () => Date = () => new Date(),
  ) {}

  async write(entry: MetricsEntry): Promise<void> {
    return this.run.appendJsonLine(this.file, formatMetricsLine(entry, this.now));
  }
}

/** A line as read back: values that were not finite when written are null. */
export type MetricsRecord = Omit<MetricsLine, (typeof VALUES)[number]> & {
  readonly [K in (typeof VALUES)[number]]?: number | null;
};

/**
 * Reads metrics.jsonl text back. A last line without its newline is a write cut short by a
 * crash and is skipped; any other line that is not a metrics object is an error.
 */
export function parseMetricsJsonl(text: string): MetricsRecord[] {
  const lines = text.split('\n').slice(0, -1);
  const records: MetricsRecord[] = [];
  lines.forEach((line, i) => {
    if (line.trim() === '') return;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      throw invalid(`metrics line ${i + 1} is not JSON`);
    }
    const record = value as Partial<Record<string, unknown>> | null;
    if (
      typeof record !== 'object' || record === null || typeof record['stage'] !== 'string' ||
      !METRICS_PHASES.includes(record['phase'] as MetricsPhase) || typeof record['time'] !== 'string'
    ) {
      throw invalid(`metrics line ${i + 1} lacks stage, phase or time`);
    }
    records.push(record as unknown as MetricsRecord);
  });
  return records;
}
