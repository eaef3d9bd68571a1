/**
 * Runs a plan's tasks under listr2: on a terminal a live tree with a progress bar per epoch; in
 * CI and pipes one plain line per event (task start, end of each epoch, task end). Training lines
 * say how long the task has run and about how long it has left; every finished task says how
 * long it took. Progress goes to stderr so stdout stays for results.
 */
import { Listr, ListrLogger, ListrLogLevels, PRESET_TIMER, ProcessOutput, type PresetTimer } from 'listr2';
import type { TrainEvent } from '../engine/train.js';
import type { PlanTask } from '../plan/types.js';
import type { RecipeRun } from '../runner/recipeRun.js';

const BAR_WIDTH = 24;

export function progressBar(done: number, total: number): string {
  const filled = total > 0 ? Math.round((done / total) * BAR_WIDTH) : 0;
  return `[${'#'.repeat(filled)}${'.'.repeat(BAR_WIDTH - filled)}]`;
}

export function describeTrainEvent(event: TrainEvent): string {
  const figures = `loss ${event.loss.toFixed(4)}, accuracy ${(event.accuracy * 100).toFixed(2)}%`;
  if (event.kind === 'epoch') {
    return `epoch ${event.epoch}/${event.epochs}: ${figures}, ${event.imagesPerSecond.toFixed(0)} images/s`;
  }
  return `epoch ${event.epoch}/${event.epochs} ${progressBar(event.batch, event.batches)} ${event.batch}/${event.batches} batches, ${figures}`;
}

/** A clock reading: 0:07, 12:34, 1:02:03. */
export function formatClock(ms: number): string {
  const total = Math.max(0, Math.round(ms / 1000));
  const [h, m, s] = [Math.floor(total / 3600), Math.floor(total / 60) % 60, total % 60];
  const two = (n: number): string => String(n).padStart(2, '0');
  return h > 0 ? `${h}:${two(m)}:${two(s)}` : `${m}:${two(s)}`;
}

/** A task's duration: 0.4 s, 12.3 s, 2 min 05 s, 1 h 02 min. */
export function formatDuration(ms: number): string {
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  const minutes = Math.floor(ms / 60_000);
  if (minutes < 60) return `${minutes} min ${String(Math.floor(ms / 1000) % 60).padStart(2, '0')} s`;
  return `${Math.floor(minutes / 60)} h ${String(minutes % 60).padStart(2, '0')} min`;
}

/**
 * A training task's elapsed time and an estimate of the time left, from its rate since its first
 * event (a resumed training starts part-way, and the first batch includes setting up).
 */
export class TrainingClock {
  private first: { done: number; at: number } | null = null;

  constructor(
    private readonly now: () => number = () => performance.now(),
    private readonly startedAt: number = now(),
  ) {}

  /** ", 0:42 elapsed, ETA 1:10" for the event (no ETA until the rate is known). */
  describe(event: TrainEvent): string {
    const at = this.now();
    const done = event.kind === 'epoch' ? event.epoch / event.epochs : (event.epoch - 1 + event.batch / event.batches) / event.epochs;
    const elapsed = `, ${formatClock(at - this.startedAt)} elapsed`;
    if (this.first === null) {
      this.first = { done, at };
      return elapsed;
    }
    const progress = done - this.first.done;
    if (progress <= 0) return elapsed;
    const left = ((1 - done) * (at - this.first.at)) / progress;
    return `${elapsed}, ETA ${formatClock(left)}`;
  }
}

/** Terminal redraws are cheap but not free: at most this often per task. */
const REDRAW_MS = 100;

/** Each finished task's duration after its title; uncoloured in plain lines, which logs keep. */
const PLAIN_TIMER: PresetTimer = { condition: true, field: formatDuration, format: () => (text?: string) => text ?? '' };
const LIVE_TIMER: PresetTimer = { ...PRESET_TIMER, field: formatDuration };

export async function runTasksWithProgress(
  run: RecipeRun,
  tasks: readonly PlanTask[],
  options: { live: boolean; signal: AbortSignal; stream: NodeJS.WriteStream },
): Promise<void> {
  const processOutput = new ProcessOutput(options.stream, options.stream);
  const list = new Listr(
    tasks.map((planTask) => ({
      title: planTask.id,
      task: async (_ctx: unknown, task: { output: string; title: string }) => {
        // Ctrl-C during a task that does not train (prune, evaluate, export) stops before the next one.
        options.signal.throwIfAborted();
        let lastDraw = 0;
        const clock = new TrainingClock();
        const summary = await run.runTask(planTask, {
          signal: options.signal,
          onTrainEvent: (event) => {
            // Every event times the clock, also those not drawn (plain lines show epochs only).
            const timing = clock.describe(event);
            if (event.kind === 'epoch') {
              task.output = describeTrainEvent(event) + timing;
            } else if (options.live && performance.now() - lastDraw > REDRAW_MS) {
              lastDraw = performance.now();
              task.output = describeTrainEvent(event) + timing;
            }
          },
          // A sensitivity analysis's evaluations, on a terminal (a plain log gets its summary line).
          onSensitivityProgress: (done, total) => {
            if (options.live && (done === total || performance.now() - lastDraw > REDRAW_MS)) {
              lastDraw = performance.now();
              task.output = `${progressBar(done, total)} ${done}/${total} evaluations`;
            }
          },
        });
        task.title = `${planTask.id}: ${summary}`;
      },
      rendererOptions: { outputBar: 1, persistentOutput: false, timer: options.live ? LIVE_TIMER : PLAIN_TIMER },
    })),
    {
      concurrent: false,
      exitOnError: true,
      // prune-run handles Ctrl-C itself (the run folder must be closed as interrupted).
      registerSignalListeners: false,
      renderer: options.live ? 'default' : 'simple',
      fallbackRenderer: 'simple',
      fallbackRendererCondition: !options.live,
      rendererOptions: { logger: new ListrLogger({ processOutput }), timer: LIVE_TIMER },
      fallbackRendererOptions: {
        logger: new ListrLogger({ useIcons: false, processOutput, toStderr: Object.values(ListrLogLevels) }),
        timer: PLAIN_TIMER,
      },
    },
  );
  await list.run();
}
