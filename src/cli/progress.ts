/**
 * Runs a plan's tasks under listr2: on a terminal a live tree with a progress bar per epoch; in
 * CI and pipes one plain line per event (task start, end of each epoch, task end). Progress goes
 * to stderr so stdout stays for results.
 */
import { Listr, ListrLogger, ListrLogLevels, ProcessOutput } from 'listr2';
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

/** Terminal redraws are cheap but not free: at most this often per task. */
const REDRAW_MS = 100;

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
        const summary = await run.runTask(planTask, {
          signal: options.signal,
          onTrainEvent: (event) => {
            if (event.kind === 'epoch') {
              task.output = describeTrainEvent(event);
            } else if (options.live && performance.now() - lastDraw > REDRAW_MS) {
              lastDraw = performance.now();
              task.output = describeTrainEvent(event);
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
      rendererOptions: { outputBar: 1, persistentOutput: false },
    })),
    {
      concurrent: false,
      exitOnError: true,
      // prune-run handles Ctrl-C itself (the run folder must be closed as interrupted).
      registerSignalListeners: false,
      renderer: options.live ? 'default' : 'simple',
      fallbackRenderer: 'simple',
      fallbackRendererCondition: !options.live,
      rendererOptions: { logger: new ListrLogger({ processOutput }) },
      fallbackRendererOptions: {
        logger: new ListrLogger({ useIcons: false, processOutput, toStderr: Object.values(ListrLogLevels) }),
      },
    },
  );
  await list.run();
}
