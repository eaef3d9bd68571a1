/**
 * The numbers each chart draws, taken from the run's record and metrics lines. Pure data, so the
 * tests check what is plotted apart from how it is drawn.
 */
import type { MetricsRecord } from '../metrics.js';
import type { ParameterEntry } from '../record.js';

import { COLLAPSE_SPARSITY } from '../report.js';

/** Above this a pruned parameter is as good as cut off: report.md's threshold, one value for both reports. */
export { COLLAPSE_SPARSITY };

export type ParameterState = 'masked' | 'unmasked' | 'collapsed';

export function parameterState(p: ParameterEntry): ParameterState {
  if (!p.pruned) return 'unmasked';
  // Pruned ones only: a bias initialised to zeros is not a collapse.
  return p.figures.count > 0 && p.figures.sparsity > COLLAPSE_SPARSITY ? 'collapsed' : 'masked';
}

/** One point of the run: before pruning, after a stage's pruning, after its fine-tuning. */
export interface RunPoint {
  readonly label: string;
  /** Test accuracy at the point; null where the run did not evaluate. */
  readonly accuracy: number | null;
  /** Global sparsity of the pruned parameters; null if a line lacked it (or it was not finite). */
  readonly sparsity: number | null;
}

const isTraining = (line: MetricsRecord) => line.phase === 'train' || line.phase === 'finetune';
/** Scheduled pruning writes prune lines with a step, inside training: they are not points of the run. */
const isScheduledPrune = (line: MetricsRecord) => line.phase === 'prune' && line.step !== undefined;
const finite = (v: number | null | undefined): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);

/**
 * The run's points, in the order metrics.jsonl has them. A one-shot prune line starts a point
 * ("S: pruned"); an evaluation right after it gives that point its accuracy; an evaluation after
 * fine-tuning is a point of its own ("S: fine-tuned"); one before any pruning or fine-tuning is
 * "before pruning". A stage seen more than once (repeat) numbers its cycles: "S #2: pruned".
 */
export function runPoints(metrics: readonly MetricsRecord[]): RunPoint[] {
  const points: { stage: string | null; what: 'before pruning' | 'pruned' | 'fine-tuned'; accuracy: number | null; sparsity: number | null; cycle: number }[] = [];
  const cycles = new Map<string, number>();
  let last: 'nothing' | 'train' | 'finetune' | 'prune' | 'evaluate' = 'nothing';
  let started = false;
  for (const line of metrics) {
    if (isScheduledPrune(line)) continue;
    if (line.phase === 'prune') {
      const cycle = (cycles.get(line.stage) ?? 0) + 1;
      cycles.set(line.stage, cycle);
      points.push({ stage: line.stage, what: 'pruned', accuracy: null, sparsity: finite(line.sparsity), cycle });
      started = true;
    } else if (line.phase === 'evaluate') {
      const previous = points[points.length - 1];
      if (last === 'prune' && previous !== undefined && previous.stage === line.stage && previous.accuracy === null) {
        points[points.length - 1] = { ...previous, accuracy: finite(line.accuracy), sparsity: finite(line.sparsity) ?? previous.sparsity };
      } else if (!started) {
        points.push({ stage: null, what: 'before pruning', accuracy: finite(line.accuracy), sparsity: finite(line.sparsity), cycle: 1 });
      } else {
        // A scheduled stage has no one-shot prune line: its fine-tune is its first cycle.
        const cycle = last === 'finetune' && previous?.stage === line.stage ? previous.cycle : Math.max(1, cycles.get(line.stage) ?? 1);
        points.push({ stage: line.stage, what: 'fine-tuned', accuracy: finite(line.accuracy), sparsity: finite(line.sparsity), cycle });
      }
    } else if (line.phase === 'finetune') {
      started = true;
    }
    last = line.phase;
  }
  const repeated = new Set([...cycles].filter(([, n]) => n > 1).map(([stage]) => stage));
  return points.map((p) => ({
    label: p.stage === null ? p.what : `${p.stage}${repeated.has(p.stage) ? ` #${p.cycle}` : ''}: ${p.what}`,
    accuracy: p.accuracy,
    sparsity: p.sparsity,
  }));
}

/** One training task's lines: consecutive train/finetune lines of one phase and stage. */
export interface TrainingSegment {
  readonly phase: 'train' | 'finetune';
  readonly stage: string;
  /** Where the segment starts on the x axis (0 for the first). */
  readonly start: number;
  /** Loss per epoch, or per step when the metrics have step lines; null where it was not finite. */
  readonly points: readonly { readonly x: number; readonly loss: number | null }[];
  /** With step lines: each epoch's mean loss, placed at the epoch's last step. */
  readonly epochMeans: readonly { readonly x: number; readonly loss: number | null }[];
}

export interface LossCurve {
  readonly unit: 'epoch' | 'step';
  readonly segments: readonly TrainingSegment[];
  /** Points whose loss was not finite (null in metrics.jsonl). */
  readonly nonFinite: number;
}

/**
 * The loss of every training and fine-tune epoch in run order, on one x axis that counts on
 * across tasks (epoch 1 of a fine-tune follows the last training epoch). When training wrote
 * per-step lines (a train/finetune line with a step), those are the curve and each epoch's line
 * is marked at the epoch's last step. Scheduled prune lines inside a fine-tune do not split it.
 */
export function lossCurve(metrics: readonly MetricsRecord[]): LossCurve {
  const hasSteps = metrics.some((l) => isTraining(l) && l.step !== undefined);
  const segments: { phase: 'train' | 'finetune'; stage: string; start: number; points: { x: number; loss: number | null }[]; epochMeans: { x: number; loss: number | null }[] }[] = [];
  let current: (typeof segments)[number] | null = null;
  let end = 0;
  let lastCount = 0;
  let localOffset = 0;
  let nonFinite = 0;
  for (const line of metrics) {
    if (isScheduledPrune(line)) continue;
    if (!isTraining(line)) {
      current = null;
      continue;
    }
    const phase = line.phase as 'train' | 'finetune';
    if (current === null || current.phase !== phase || current.stage !== line.stage) {
      current = { phase, stage: line.stage, start: end, points: [], epochMeans: [] };
      segments.push(current);
      lastCount = 0;
      localOffset = 0;
    }
    const loss = finite(line.loss);
    const isStep = line.step !== undefined;
    if (hasSteps && !isStep) {
      // An epoch's summary line, after its steps.
      current.epochMeans.push({ x: end, loss });
      if (loss === null && line.loss !== undefined) nonFinite += 1;
      continue;
    }
    const count = (hasSteps ? line.step : line.epoch) ?? lastCount + 1;
    // Counts that start again (steps numbered per epoch) carry on from where they were.
    if (count <= lastCount) localOffset += lastCount;
    lastCount = count;
    const x = current.start + localOffset + count;
    end = Math.max(end, x);
    if (line.loss === undefined) continue;
    if (loss === null) nonFinite += 1;
    current.points.push({ x, loss });
  }
  return { unit: hasSteps ? 'step' : 'epoch', segments: segments.filter((s) => s.points.length > 0), nonFinite };
}

export interface ScheduleSeries {
  /** The stage (and cycle, when it repeats) whose training pruned on a schedule. */
  readonly name: string;
  readonly points: readonly { readonly step: number; readonly sparsity: number | null }[];
}

/** Sparsity after each scheduled mask update (prune lines with a step), one series per stage cycle. */
export function scheduleSeries(metrics: readonly MetricsRecord[]): ScheduleSeries[] {
  const series: { stage: string; points: { step: number; sparsity: number | null }[] }[] = [];
  let current: (typeof series)[number] | null = null;
  for (const line of metrics) {
    if (isScheduledPrune(line)) {
      const step = line.step!;
      const previous = current?.points[current.points.length - 1];
      if (current === null || current.stage !== line.stage || (previous !== undefined && step <= previous.step)) {
        current = { stage: line.stage, points: [] };
        series.push(current);
      }
      current.points.push({ step, sparsity: finite(line.sparsity) });
    } else if (!isTraining(line)) {
      current = null;
    }
  }
  const perStage = new Map<string, number>();
  for (const s of series) perStage.set(s.stage, (perStage.get(s.stage) ?? 0) + 1);
  const seen = new Map<string, number>();
  return series.map((s) => {
    const n = (seen.get(s.stage) ?? 0) + 1;
    seen.set(s.stage, n);
    return { name: (perStage.get(s.stage) ?? 0) > 1 ? `${s.stage} #${n}` : s.stage, points: s.points };
  });
}
