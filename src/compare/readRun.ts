/**
 * Reads a finished run folder for compare: record.json (what the run did), manifest.json (how it
 * ended, the --set overrides) and resolved.json (the amounts its recipe asked for). A folder that
 * is not a finished run is refused with a UsageError naming the folder and what is missing:
 * comparing a run that stopped half-way with one that finished would compare different things.
 */
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { UsageError } from '../errors.js';
import type { OverrideRecord } from '../recipe/overrides.js';
import { isRecord } from '../recipe/positions.js';
import type { RunRecord } from '../runs/record.js';
import { MAX_RUN_JSON_BYTES } from '../runs/runDirectory.js';
import { fileRefusalMessage, FileRefusedError, readRegularText } from '../util/regularFile.js';
import { summarizeRun } from '../runs/summary.js';
import type { ComparedRun, StageAmount } from './types.js';

const PARTIAL = '.partial';

/** A file of the run folder, parsed; a problem sentence when it is absent or not JSON. */
async function readJson(folder: string, label: string, file: string, absent: string): Promise<unknown> {
  let text: string;
  try {
    text = await readRegularText(path.join(folder, file), MAX_RUN_JSON_BYTES);
  } catch (error) {
    if (!(error instanceof FileRefusedError)) throw error;
    if (error.refusal.kind === 'missing') throw new UsageError(`${label}: ${absent}`);
    throw new UsageError(`${label}: ${fileRefusalMessage('run file', file, error.refusal)}; the run folder is damaged`);
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new UsageError(`${label}: ${file} is not valid JSON (${(error as Error).message}); the run folder is damaged`);
  }
}

/** The parts of record.json that compare relies on, checked, so a damaged file fails here and not mid-table. */
function isRunRecord(value: unknown): value is RunRecord {
  return (
    isRecord(value) &&
    typeof value['runId'] === 'string' &&
    typeof value['recipeFile'] === 'string' &&
    typeof value['recipeHash'] === 'string' &&
    typeof value['seed'] === 'number' &&
    typeof value['backend'] === 'string' &&
    Array.isArray(value['pruning']) &&
    Array.isArray(value['evaluations']) &&
    Array.isArray(value['parameters'])
  );
}

function overridesOf(manifest: Record<string, unknown>): OverrideRecord[] {
  const recipe = manifest['recipe'];
  const overrides = isRecord(recipe) ? recipe['overrides'] : undefined;
  // Runs from before --set have no overrides field: they had none.
  if (!Array.isArray(overrides)) return [];
  return overrides.filter(isRecord).map((o) => ({ path: String(o['path']), value: o['value'] }));
}

function selectorText(select: unknown): string {
  if (!isRecord(select)) return '';
  const parts: string[] = [];
  const layerType = select['layerType'];
  if (Array.isArray(layerType)) parts.push(`layer_type=${layerType.join('|')}`);
  if (typeof select['layer'] === 'string') parts.push(`layer=${select['layer']}`);
  if (typeof select['param'] === 'string') parts.push(`param=${select['param']}`);
  return parts.join(' ') || 'everything';
}

function amountOf(stage: string, label: string, method: unknown): StageAmount | null {
  const amount = isRecord(method) ? method['amount'] : undefined;
  if (!isRecord(amount)) return null; // identity, custom_from_mask: no amount to compare
  if (typeof amount['amount'] === 'number') return { stage, label, kind: 'amount', value: amount['amount'] };
  if (typeof amount['count'] === 'number') return { stage, label, kind: 'count', value: amount['count'] };
  return null;
}

/** The amount (or count) each stage's pruning step asks for, from resolved.json. */
export function stageAmounts(resolved: unknown): StageAmount[] {
  const stages = isRecord(resolved) ? resolved['stages'] : undefined;
  if (!Array.isArray(stages)) return [];
  return stages.flatMap((stage): StageAmount[] => {
    if (!isRecord(stage) || typeof stage['name'] !== 'string' || !isRecord(stage['prune'])) return [];
    const name = stage['name'];
    const step = stage['prune'];
    const method = step['method'];
    if (step['scope'] === 'global') {
      const methodName = isRecord(method) ? String(method['method']) : 'global';
      const found = amountOf(name, `global ${methodName}`, method);
      return found === null ? [] : [found];
    }
    const targets = Array.isArray(step['targets']) ? step['targets'] : [];
    const labels = targets.map((t: unknown) =>
      isRecord(t) && isRecord(t['method']) ? `${String(t['method']['method'])} ${selectorText(t['select'])}` : '',
    );
    return targets.flatMap((target: unknown, i) => {
      if (!isRecord(target)) return [];
      const label = labels[i] ?? '';
      // Two targets with the same method and selector are told apart by their place.
      const unique = labels.filter((l) => l === label).length > 1 ? `${label} #${i + 1}` : label;
      const found = amountOf(name, unique, target['method']);
      return found === null ? [] : [found];
    });
  });
}

/** Reads one run folder (`label` as the user wrote it, resolved from `cwd`). */
export async function readRunFolder(label: string, cwd: string): Promise<ComparedRun> {
  const folder = path.resolve(cwd, label);
  let isFolder: boolean;
  try {
    isFolder = (await stat(folder)).isDirectory();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw new UsageError(`${label}: no such folder`);
    throw error;
  }
  if (!isFolder) throw new UsageError(`${label}: not a folder; give run folders, e.g. runs/<id>`);

  const manifest = await readJson(folder, label, 'manifest.json', 'not a prune-run run folder: it has no manifest.json');
  if (!isRecord(manifest)) throw new UsageError(`${label}: manifest.json is not a prune-run manifest`);
  const status = manifest['status'];
  if (path.basename(folder).endsWith(PARTIAL) || status !== 'succeeded') {
    const stopped = typeof manifest['stoppedInTask'] === 'string' ? `, stopped in task ${manifest['stoppedInTask']}` : '';
    throw new UsageError(
      `${label}: not a finished run (manifest.json says status ${JSON.stringify(status)}${stopped}); ` +
        'a .partial folder is a run that failed or was interrupted: compare finished runs only',
    );
  }
  const record = await readJson(
    folder,
    label,
    'record.json',
    'has no record.json: it was written by a prune-run older than record.json; run its recipe again to compare it',
  );
  if (!isRunRecord(record)) throw new UsageError(`${label}: record.json is not a prune-run run record; the run folder is damaged`);
  const resolved = await readJson(folder, label, 'resolved.json', 'has no resolved.json (the recipe after defaults); the run folder is damaged');

  const summary = summarizeRun(record, {
    status: 'succeeded',
    exitReason: null,
    folder,
    overrides: overridesOf(manifest),
  });
  return { label, summary, amounts: stageAmounts(resolved) };
}

/**
 * Reads every folder; the problems of all of them are reported together (one UsageError), so a
 * user fixes the command line in one pass.
 */
export async function readRunFolders(labels: readonly string[], cwd: string): Promise<ComparedRun[]> {
  const results = await Promise.allSettled(labels.map((label) => readRunFolder(label, cwd)));
  const problems = results.flatMap((r): unknown[] => (r.status === 'rejected' ? [r.reason] : []));
  if (problems.length > 0) {
    const otherAt = problems.findIndex((p) => !(p instanceof UsageError));
    if (otherAt !== -1) throw problems[otherAt];
    throw new UsageError(problems.map((p) => (p as UsageError).message).join('\n'));
  }
  return results.map((r) => (r as PromiseFulfilledResult<ComparedRun>).value);
}
