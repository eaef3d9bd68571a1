/**
 * What a person reads while and after a run: each subcommand's own help, a finished task's
 * duration and a training's elapsed time and ETA in plain (non-terminal) output, and a last line
 * that names the run's report.html.
 */
import { access } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { COMPARE_USAGE, RESUME_USAGE, USAGE } from '../../src/cli/args.js';
import { TrainingClock, formatClock, formatDuration } from '../../src/cli/progress.js';
import { runCliChild, type ChildResult } from '../helpers/child.js';
import { makeTempDir, removeDir, writeRecipe } from '../helpers/cli.js';

let cwd: string;
let run: ChildResult;
beforeAll(async () => {
  cwd = await makeTempDir();
  await writeRecipe(
    cwd,
    'r.yaml',
    `model: {builtin: lenet}
data: {builtin: mnist, train_size: 256, test_size: 64}
train: {epochs: 3, batch_size: 32}
stages:
  - name: s
    global: {method: l1_unstructured, amount: 0.3, select: [{param: kernel}]}
`,
  );
  run = await runCliChild(cwd, ['--progress', 'plain', 'r.yaml'], { timeoutMs: 110_000 });
});
afterAll(async () => {
  await removeDir(cwd);
});

describe('help', () => {
  it.each([
    [['compare', '--help'], COMPARE_USAGE, /^Usage: prune-run compare \[--json\]/],
    [['resume', '--help'], RESUME_USAGE, /^Usage: prune-run resume \[options\]/],
    [['resume', '-h'], RESUME_USAGE, /^Usage: prune-run resume/],
    [['--help'], USAGE, /^Usage: prune-run \[options\] <recipe\.yaml>/],
  ])('prune-run %j prints its own help', async (argv, usage, start) => {
    const result = await runCliChild(cwd, argv);
    expect(result.status).toBe(0);
    expect(result.stdout).toBe(`${usage}\n`);
    expect(result.stdout).toMatch(start);
  });
});

describe('a run in plain output', () => {
  it('succeeds', () => {
    expect(run.status, run.stderr).toBe(0);
  });

  it("ends with a line naming the run's report.html, which exists", async () => {
    const lines = run.stderr.trimEnd().split('\n');
    const last = lines[lines.length - 1] ?? '';
    expect(last).toBe(`report: ${path.join(run.stdout.trim(), 'report.html')}`);
    await access(path.join(cwd, last.slice('report: '.length)));
  });

  it('gives each finished task its duration', () => {
    for (const task of ['load-model', 'load-data', 'train', 'prune:s', 'export', 'report']) {
      expect(run.stderr).toMatch(new RegExp(`^\\[COMPLETED\\] ${task}: .* \\[\\d+\\.\\d s\\]$`, 'm'));
    }
  });

  it("gives a training's epochs the time elapsed and, once a rate is known, an ETA", () => {
    expect(run.stderr).toMatch(/epoch 1\/3: loss [\d.]+, accuracy [\d.]+%, \d+ images\/s, 0:\d\d elapsed, ETA 0:\d\d$/m);
    expect(run.stderr).toMatch(/epoch 3\/3: .*, 0:\d\d elapsed, ETA 0:00$/m);
  });
});

describe('TrainingClock', () => {
  it('estimates the time left from the rate since its first event', () => {
    let now = 0;
    const clock = new TrainingClock(() => now);
    const batch = (epoch: number, batch: number) => ({ kind: 'batch' as const, epoch, epochs: 2, batch, batches: 10, loss: 1, accuracy: 0.5 });
    now = 2000; // the first batch took setting up too: it only starts the clock's rate
    expect(clock.describe(batch(1, 1))).toBe(', 0:02 elapsed');
    now = 11_000; // 9 s for 9 batches: 1 s a batch, 10 batches left
    expect(clock.describe(batch(1, 10))).toBe(', 0:11 elapsed, ETA 0:10');
    now = 21_000;
    expect(clock.describe({ kind: 'epoch', epoch: 2, epochs: 2, loss: 1, accuracy: 0.5, imagesPerSecond: 100 })).toBe(', 0:21 elapsed, ETA 0:00');
  });

  it('formats clocks and durations', () => {
    expect([formatClock(0), formatClock(61_400), formatClock(3_723_000)]).toEqual(['0:00', '1:01', '1:02:03']);
    expect([formatDuration(420), formatDuration(12_345), formatDuration(125_000), formatDuration(3_720_000)]).toEqual(['0.4 s', '12.3 s', '2 min 05 s', '1 h 02 min']);
  });
});
