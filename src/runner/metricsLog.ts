/**
 * The run's metrics.jsonl as tasks write it: every line is appended to the file at once (an
 * interrupted run keeps what it wrote), and the lines of the task being executed are kept for its
 * checkpoint, so a reuse of that task writes them again exactly. Every line goes to the run's
 * TensorBoard event file too, from here, so the two always hold the same numbers.
 */
import { formatMetricsLine, METRICS_FILE, type MetricsEntry } from '../runs/metrics.js';
import type { RunDirectory } from '../runs/runDirectory.js';
import type { EventsFile } from '../runs/tensorboard/eventsFile.js';

export class MetricsLog {
  private taskLines: Record<string, unknown>[] = [];

  constructor(
    private readonly dir: RunDirectory,
    private readonly events: EventsFile,
  ) {}

  private append(line: Record<string, unknown>): Promise<void> {
    return Promise.all([this.dir.appendJsonLine(METRICS_FILE, line), this.events.line(line)]).then(() => undefined);
  }

  /** Starts a task's lines (the executor calls it before executing a task). */
  startTask(): void {
    this.taskLines = [];
  }

  /** The lines written since startTask(), as written (times included). */
  linesOfTask(): readonly Record<string, unknown>[] {
    return this.taskLines;
  }

  /** Appends a metrics line and keeps it for the task's checkpoint. */
  write(entry: MetricsEntry): Promise<void> {
    const line = formatMetricsLine(entry);
    this.taskLines.push(line);
    return this.append(line);
  }

  /** Starts a task that goes on from an epoch checkpoint: its lines so far, written again and kept as the task's. */
  async resumeTask(lines: readonly Record<string, unknown>[]): Promise<void> {
    this.taskLines = [...lines];
    await this.replay(lines);
  }

  /** Writes a reused task's lines as its checkpoint holds them. */
  async replay(lines: readonly Record<string, unknown>[]): Promise<void> {
    for (const line of lines) await this.append(line);
  }
}
