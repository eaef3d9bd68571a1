/** Reading run folders for compare: finished runs only, a clear error naming the folder otherwise. */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readRunFolder, readRunFolders, stageAmounts } from '../../src/compare/readRun.js';
import { UsageError } from '../../src/errors.js';
import { makeTempDir, removeDir } from '../helpers/cli.js';
import { makeRunRecord } from '../helpers/runRecord.js';

let cwd: string;
beforeEach(async () => {
  cwd = await makeTempDir();
});
afterEach(async () => {
  await removeDir(cwd);
});

const RESOLVED = {
  stages: [
    { name: 'global-20', prune: { scope: 'global', method: { method: 'l1_unstructured', amount: { amount: 0.2 } } } },
    {
      name: 'local',
      prune: {
        scope: 'local',
        targets: [
          { select: { layerType: ['dense'], layer: null, param: 'kernel' }, method: { method: 'ln_structured', amount: { amount: 0.5 } } },
          { select: { layerType: null, layer: 'fc*', param: 'bias' }, method: { method: 'l1_unstructured', amount: { count: 3 } } },
          { select: { layerType: null, layer: null, param: null }, method: { method: 'identity' } },
        ],
      },
    },
  ],
  overrides: [],
};

/** Writes a run folder with the given files (JSON values; a string is written as is). */
async function runFolder(name: string, files: Record<string, unknown>): Promise<string> {
  const dir = path.join(cwd, 'runs', name);
  await mkdir(dir, { recursive: true });
  for (const [file, value] of Object.entries(files)) {
    await writeFile(path.join(dir, file), typeof value === 'string' ? value : JSON.stringify(value));
  }
  return `runs/${name}`;
}

const manifest = (status: string, overrides: unknown[] = []) => ({ status, stoppedInTask: status === 'succeeded' ? null : 'train', recipe: { overrides } });

async function usageMessage(promise: Promise<unknown>): Promise<string> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(UsageError);
  return (error as UsageError).message;
}

describe('readRunFolder', () => {
  it('reads a finished run: its summary, overrides from the manifest and amounts from resolved.json', async () => {
    const label = await runFolder('a', {
      'manifest.json': manifest('succeeded', [{ path: 'stages.0.global.amount', value: 0.2 }]),
      'record.json': makeRunRecord(),
      'resolved.json': RESOLVED,
    });
    const run = await readRunFolder(label, cwd);
    expect(run.label).toBe('runs/a');
    expect(run.summary.folder).toBe(path.join(cwd, 'runs/a'));
    expect(run.summary.status).toBe('succeeded');
    expect(run.summary.recipe.overrides).toEqual([{ path: 'stages.0.global.amount', value: 0.2 }]);
    expect(run.summary.stages.map((s) => s.name)).toEqual(['global-20']);
    expect(run.amounts).toEqual(stageAmounts(RESOLVED));
  });

  it('reads the amount of each global step and each target; identity has none', () => {
    expect(stageAmounts(RESOLVED)).toEqual([
      { stage: 'global-20', label: 'global l1_unstructured', kind: 'amount', value: 0.2 },
      { stage: 'local', label: 'ln_structured layer_type=dense param=kernel', kind: 'amount', value: 0.5 },
      { stage: 'local', label: 'l1_unstructured layer=fc* param=bias', kind: 'count', value: 3 },
    ]);
    expect(stageAmounts({})).toEqual([]);
  });

  it('refuses a .partial run, a failed run, a folder without a manifest, and a missing folder', async () => {
    const partial = await runFolder('x.partial', { 'manifest.json': manifest('interrupted'), 'resolved.json': RESOLVED });
    expect(await usageMessage(readRunFolder(partial, cwd))).toBe(
      'runs/x.partial: not a finished run (manifest.json says status "interrupted", stopped in task train); ' +
        'a .partial folder is a run that failed or was interrupted: compare finished runs only',
    );
    const failed = await runFolder('f', { 'manifest.json': manifest('failed'), 'record.json': makeRunRecord(), 'resolved.json': RESOLVED });
    expect(await usageMessage(readRunFolder(failed, cwd))).toMatch(/^runs\/f: not a finished run \(manifest.json says status "failed"/);
    const empty = await runFolder('empty', {});
    expect(await usageMessage(readRunFolder(empty, cwd))).toBe('runs/empty: not a prune-run run folder: it has no manifest.json');
    expect(await usageMessage(readRunFolder('runs/none', cwd))).toBe('runs/none: no such folder');
    await writeFile(path.join(cwd, 'file.txt'), 'x');
    expect(await usageMessage(readRunFolder('file.txt', cwd))).toBe('file.txt: not a folder; give run folders, e.g. runs/<id>');
  });

  it('refuses a run of an older prune-run without record.json, and damaged files', async () => {
    const old = await runFolder('old', { 'manifest.json': manifest('succeeded'), 'resolved.json': RESOLVED });
    expect(await usageMessage(readRunFolder(old, cwd))).toBe(
      'runs/old: has no record.json: it was written by a prune-run older than record.json; run its recipe again to compare it',
    );
    const broken = await runFolder('broken', { 'manifest.json': manifest('succeeded'), 'record.json': '{"runId": ', 'resolved.json': RESOLVED });
    expect(await usageMessage(readRunFolder(broken, cwd))).toMatch(/^runs\/broken: record\.json is not valid JSON \(.*\); the run folder is damaged$/);
    const wrong = await runFolder('wrong', { 'manifest.json': manifest('succeeded'), 'record.json': { runId: 1 }, 'resolved.json': RESOLVED });
    expect(await usageMessage(readRunFolder(wrong, cwd))).toBe('runs/wrong: record.json is not a prune-run run record; the run folder is damaged');
  });

  it('reports the problems of every folder at once', async () => {
    const good = await runFolder('a', { 'manifest.json': manifest('succeeded'), 'record.json': makeRunRecord(), 'resolved.json': RESOLVED });
    const message = await usageMessage(readRunFolders([good, 'runs/none', 'runs/gone'], cwd));
    expect(message).toBe('runs/none: no such folder\nruns/gone: no such folder');
    expect((await readRunFolders([good, good], cwd)).length).toBe(2);
  });
});
