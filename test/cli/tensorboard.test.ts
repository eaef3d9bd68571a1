/**
 * A run through the command writes tb/events.out.tfevents.* beside metrics.jsonl: read back
 * (records, both CRCs), it holds the run's hyperparameters (seed, --set values) for the HParams
 * dashboard, every metrics line's numbers as scalars — losses, accuracies, the learning rate, global
 * and per-parameter sparsity at each epoch and mask update — and how the run ended. A rerun from the
 * stage cache writes the same scalars from the checkpoints' lines.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseMetricsJsonl, type MetricsRecord } from '../../src/runs/metrics.js';
import { runCli } from '../helpers/cli.js';
import { runRecipeOnce } from '../helpers/recipeRunOnce.js';
import { decodePluginData, hparamsOfSession, readRunEvents, type DecodedEvent } from '../helpers/tensorboard.js';

const RECIPE = `seed: 2
model: {builtin: lenet}
data: {builtin: mnist, train_size: 192, test_size: 64}
train: {epochs: 1, batch_size: 32, learning_rate: 0.002}
stages:
  - name: gradual
    global:
      method: l1_unstructured
      select: [{layer_type: conv2d, param: kernel}, {layer_type: dense, param: kernel}]
      schedule: {kind: gradual, final: 0.8, start: 0, end: 2, every: 3}
    finetune: {epochs: 1, batch_size: 32, learning_rate: 0.001}
report: {evaluate: true, save_model: false}
`;
const ARGS = ['--progress', 'plain', '--set', 'stages.0.finetune.epochs=2'];
const run = runRecipeOnce({ file: 'tb.yaml', text: RECIPE, args: ARGS });
const KERNELS = ['conv1/kernel', 'conv2/kernel', 'fc1/kernel', 'fc2/kernel', 'fc3/kernel'];

const scalarsOf = (event: DecodedEvent) => Object.fromEntries(event.summary!.value.map((v) => [v.tag, v.simple_value]));
const f32 = (x: number | null | undefined) => (x === null || x === undefined ? x : Math.fround(x));

describe("a run's TensorBoard events", () => {
  it('are every metrics line as scalars, at the epochs done, between the session start and end', async () => {
    const lines: MetricsRecord[] = parseMetricsJsonl(await readFile(path.join(run.runDir, 'metrics.jsonl'), 'utf8'));
    const { file, events } = await readRunEvents(run.runDir);
    expect(file).toMatch(/^events\.out\.tfevents\.\d{10}\./);
    expect(events[0]!.file_version).toBe('brain.Event:2');
    expect(hparamsOfSession(events[1]!)).toEqual({ seed: 2, 'stages.0.finetune.epochs': 2 });
    const scalars = events.slice(2, -1);
    expect(scalars).toHaveLength(lines.length);

    // One line per kind, read as TensorBoard reads it (float32).
    const epochLines = lines.filter((l) => l.phase === 'train' || l.phase === 'finetune');
    expect(epochLines.map((l) => [l.phase, l.epoch, l.learning_rate])).toEqual([['train', 1, 0.002], ['finetune', 1, 0.001], ['finetune', 2, 0.001]]);
    const updates = lines.filter((l) => l.phase === 'prune');
    expect(updates.map((l) => l.step)).toEqual([0, 3, 6, 9, 12]);
    lines.forEach((line, i) => {
      const event = scalars[i]!;
      const values = scalarsOf(event);
      expect(event.wall_time).toBe(Date.parse(line.time) / 1000);
      // Each pruned parameter's sparsity once there are masks (the update at step 0 prunes nothing: 0% at the start).
      const global = line.phase === 'prune' ? line.global_sparsity : line.sparsity;
      expect(Object.keys(line.parameters ?? {}).sort()).toEqual(global! > 0 ? KERNELS : []);
      for (const [name, sparsity] of Object.entries(line.parameters ?? {})) expect(values[`sparsity/${name}`]).toBe(f32(sparsity));
      if (line.phase === 'evaluate') {
        expect(values['accuracy/test']).toBe(f32(line.accuracy));
        expect(values['loss/test']).toBe(f32(line.loss));
        expect(values['sparsity/global']).toBe(f32(line.sparsity));
      } else if (line.phase === 'prune') {
        expect(values['sparsity/global']).toBe(f32(line.global_sparsity));
      } else {
        expect(values[`accuracy/${line.phase}`]).toBe(f32(line.accuracy));
        expect(values[`loss/${line.phase}`]).toBe(f32(line.loss));
        expect(values['learning_rate']).toBe(f32(line.learning_rate));
        expect(values['sparsity/global']).toBe(f32(line.sparsity));
      }
    });
    // Steps: epochs done in the run; an update at the start of the epoch it falls in (6 steps an epoch).
    const stepOf = (l: MetricsRecord) => scalars[lines.indexOf(l)]!.step ?? 0;
    expect(epochLines.map(stepOf)).toEqual([1, 2, 3]);
    expect(updates.map(stepOf)).toEqual([1, 1, 2, 2, 2]);
    // The global sparsity after the last update is the schedule's 80% over the kernels.
    expect(updates.at(-1)!.global_sparsity).toBeCloseTo(0.8, 4);

    const end = events.at(-1)!;
    expect(end.summary!.value[0]!.tag).toBe('_hparams_/session_end_info');
    expect(decodePluginData(end.summary!.value[0]!)).toMatchObject({ session_end_info: { status: 'STATUS_SUCCESS' } });
  });

  it('are written the same from the stage cache on a rerun', async () => {
    const again = await runCli([...ARGS, 'tb.yaml'], run.cwd);
    expect(again.status, again.stderr).toBe(0);
    expect(again.stderr).toContain('reused, not run again: train (stage cache)');
    const scalars = async (dir: string) => (await readRunEvents(dir)).events.slice(2, -1).map((e) => [e.step, e.wall_time, scalarsOf(e)]);
    expect(await scalars(path.resolve(run.cwd, again.stdout.trim()))).toEqual(await scalars(run.runDir));
  });
});
