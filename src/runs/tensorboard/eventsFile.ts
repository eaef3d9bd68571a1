/**
 * A run's TensorBoard event file, `tb/events.out.tfevents.<seconds>.<host>` in its folder: a
 * file_version event, then one event per metrics.jsonl line (its scalars) and the HParams plugin's
 * session summaries. Each event is encoded by protobufjs (proto.ts) and framed as a TFRecord
 * (records.ts), appended in one write through the run folder's queue, so it lands in the order the
 * metrics lines do and an interrupted run keeps whole records.
 */
import { hostname } from 'node:os';
import type { MetricsRecord } from '../metrics.js';
import type { RunDirectory } from '../runDirectory.js';
import type { RunStatus } from '../runStatus.js';
import { sessionEndSummary, sessionStartSummary, type HParams } from './hparams.js';
import { encodeEvent, type EventFields, type SummaryValue } from './proto.js';
import { frameRecord } from './records.js';
import { ScalarTimeline } from './scalars.js';

/** The run folder's TensorBoard folder: `tensorboard --logdir runs/` finds it in every run. */
export const TB_DIR = 'tb';

/** The version string TensorBoard expects in an event file's first event. */
const FILE_VERSION = 'brain.Event:2';

/** TensorBoard's file name: it lists files containing `tfevents`; the time and host keep two writers apart. */
export function eventsFileName(created: Date, host = hostname()): string {
  return `events.out.tfevents.${Math.floor(created.getTime() / 1000)}.${host.replace(/[^A-Za-z0-9._-]/g, '_')}`;
}

export class EventsFile {
  private readonly timeline = new ScalarTimeline();
  /** The last step written, for the session's end (the dashboard's step of its status). */
  private lastStep = 0;
  readonly file: string;

  constructor(
    private readonly dir: RunDirectory,
    created: Date,
  ) {
    this.file = `${TB_DIR}/${eventsFileName(created)}`;
  }

  private append(event: EventFields): Promise<void> {
    return this.dir.appendBytes(this.file, frameRecord(encodeEvent(event)));
  }

  /** Starts the file: its version event, then the session's hyperparameters. */
  async start(hparams: HParams, at: Date): Promise<void> {
    await this.append({ wall_time: at.getTime() / 1000, file_version: FILE_VERSION });
    await this.summary(at, 0, [sessionStartSummary(hparams, at)]);
  }

  /** The scalars of a metrics.jsonl line, as written there. */
  line(line: Record<string, unknown>): Promise<void> {
    const { step, wallTime, scalars } = this.timeline.next(line as unknown as MetricsRecord);
    this.lastStep = step;
    if (scalars.length === 0) return Promise.resolve();
    return this.append({ wall_time: wallTime, step, summary: { value: scalars.map((s) => ({ tag: s.tag, simple_value: s.value })) } });
  }

  /** How the run ended, for the HParams dashboard's status column. */
  end(status: RunStatus, at: Date): Promise<void> {
    return this.summary(at, this.lastStep, [sessionEndSummary(status, at)]);
  }

  private summary(at: Date, step: number, value: readonly SummaryValue[]): Promise<void> {
    return this.append({ wall_time: at.getTime() / 1000, step, summary: { value } });
  }
}

/** A whole event file at once (a sweep's experiment): the version event, then one event of `values`. */
export function eventsFileBytes(values: readonly SummaryValue[], at: Date): Uint8Array {
  const records = [
    frameRecord(encodeEvent({ wall_time: at.getTime() / 1000, file_version: FILE_VERSION })),
    frameRecord(encodeEvent({ wall_time: at.getTime() / 1000, step: 0, summary: { value: values } })),
  ];
  return Buffer.concat(records);
}
