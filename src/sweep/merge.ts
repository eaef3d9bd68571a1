/**
 * `prune-run sweep merge`'s work: the points' finished run folders → the sweep's folder with
 * sweep.json (the report as data), sweep.html (table and Pareto charts) and tb/ (the HParams
 * plugin's experiment: every hyperparameter with the values the points took, and the metrics to
 * compare them by, so TensorBoard's HParams dashboard lists the points' runs side by side). Every
 * folder is read before anything is written: a bad one leaves nothing behind.
 */
import { mkdir, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { readRunFolders } from '../compare/readRun.js';
import { UsageError } from '../errors.js';
import { eventsFileBytes, eventsFileName, TB_DIR } from '../runs/tensorboard/eventsFile.js';
import { experimentSummary } from '../runs/tensorboard/hparams.js';
import { GLOBAL_SPARSITY_TAG, TEST_ACCURACY_TAG, TEST_LOSS_TAG } from '../runs/tensorboard/scalars.js';
import { renderSweepHtml } from './html.js';
import { buildSweepReport, hparamsOfRun, type SweepReport } from './report.js';

const METRICS = [
  { tag: TEST_ACCURACY_TAG, displayName: 'final test accuracy' },
  { tag: TEST_LOSS_TAG, displayName: 'final test loss' },
  { tag: GLOBAL_SPARSITY_TAG, displayName: 'global sparsity of the pruned parameters' },
];

async function writeAtomically(file: string, data: string | Uint8Array): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true });
  const temp = `${file}.${process.pid}.tmp`;
  await writeFile(temp, data);
  await rename(temp, file);
}

/** Reads the run folders (relative to `cwd`), writes the report into `out`; returns it. */
export async function mergeSweep(name: string, folders: readonly string[], out: string, cwd: string, now = new Date()): Promise<SweepReport> {
  if (folders.length === 0) throw new UsageError('sweep merge needs the run folders of the sweep\'s points: prune-run sweep merge runs/<id> runs/<id> …');
  const runs = await readRunFolders(folders, cwd);
  const report = buildSweepReport(name, runs);
  const target = path.resolve(cwd, out);
  await writeAtomically(path.join(target, 'sweep.json'), `${JSON.stringify(report, null, 2)}\n`);
  await writeAtomically(path.join(target, 'sweep.html'), renderSweepHtml(report));
  const experiment = experimentSummary(name, runs.map(hparamsOfRun), METRICS, now);
  await writeAtomically(path.join(target, TB_DIR, eventsFileName(now)), eventsFileBytes([experiment], now));
  return report;
}
