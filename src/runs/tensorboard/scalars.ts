/**
 * What TensorBoard shows of a metrics.jsonl line: its scalars, by tag, at a step. The step is the
 * number of training epochs done in the run so far (pretraining and every fine-tuning together), so
 * one chart follows the run across its stages; a mask update inside an epoch sits at the start of
 * that epoch, and a one-shot pruning or an evaluation at the epochs done when it ran. Tags:
 * `loss/<train|finetune|test>`, `accuracy/<train|finetune|test>`, `learning_rate`,
 * `sparsity/global` (over every pruned parameter) and `sparsity/<parameter>`.
 */
import type { MetricsRecord } from '../metrics.js';

export interface Scalar {
  readonly tag: string;
  /** NaN for a value metrics.jsonl holds as null (not finite when written). */
  readonly value: number;
}

export interface ScalarEvent {
  readonly step: number;
  /** Seconds since 1970, from the line's time. */
  readonly wallTime: number;
  readonly scalars: readonly Scalar[];
}

/** The tags of an evaluation's metrics, the ones a sweep compares runs by (HParams metrics). */
export const TEST_ACCURACY_TAG = 'accuracy/test';
export const TEST_LOSS_TAG = 'loss/test';
export const GLOBAL_SPARSITY_TAG = 'sparsity/global';

const value = (v: number | null | undefined): number | undefined => (v === undefined ? undefined : (v ?? Number.NaN));

/** Turns a run's metrics lines, in order, into scalar events; keeps where the run's epochs stand. */
export class ScalarTimeline {
  /** Epochs done before the training task under way, and with it. */
  private base = 0;
  private done = 0;
  private training: string | null = null;

  next(line: MetricsRecord): ScalarEvent {
    const scalars: Scalar[] = [];
    const add = (tag: string, v: number | null | undefined) => {
      const x = value(v);
      if (x !== undefined) scalars.push({ tag, value: x });
    };
    let step = this.done;
    if (line.epoch !== undefined && line.phase !== 'evaluate') {
      // A new training task starts after the epochs done so far. Its stage label is its own
      // (`train` for pretraining, the stage's name with its cycle, `imp#2`, for a fine-tuning), and
      // a mask update belongs to its stage's fine-tuning.
      const task = `${line.phase === 'train' ? 'train' : 'finetune'}:${line.stage}`;
      if (task !== this.training) {
        this.base = this.done;
        this.training = task;
      }
      if (line.phase === 'prune') {
        step = this.base + line.epoch - 1;
      } else {
        this.done = this.base + line.epoch;
        step = this.done;
      }
    }
    switch (line.phase) {
      case 'train':
      case 'finetune':
        add(`loss/${line.phase}`, line.loss);
        add(`accuracy/${line.phase}`, line.accuracy);
        add(GLOBAL_SPARSITY_TAG, line.sparsity);
        add('learning_rate', line.learning_rate);
        break;
      case 'prune':
        // A mask update's own `sparsity` is its schedule group's; `global_sparsity` is over every pruned parameter.
        add(GLOBAL_SPARSITY_TAG, line.step === undefined ? line.sparsity : line.global_sparsity);
        break;
      case 'evaluate':
        add(TEST_LOSS_TAG, line.loss);
        add(TEST_ACCURACY_TAG, line.accuracy);
        add(GLOBAL_SPARSITY_TAG, line.sparsity);
        break;
    }
    for (const [name, sparsity] of Object.entries(line.parameters ?? {})) add(`sparsity/${name}`, sparsity);
    return { step, wallTime: Date.parse(line.time) / 1000, scalars };
  }
}
