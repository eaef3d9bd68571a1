/**
 * A person-readable listing of a plan, for `prune-run --dry-run`: every task, and for every
 * parameter a prune task touches, the method, the TF.js axis a structured method resolved to and
 * what the step will do to it, then the model's channel groups. Also the one-line summaries the
 * runner writes into the report.
 */
import type { ChannelGroup } from '../models/channelGroups.js';
import { methodOf, type MethodSpec } from '../methods/index.js';
import { formatAmount, importanceText } from '../methods/text.js';
import { builtinModelSummary } from '../models/builtin.js';
import { pythonRound } from '../prune/amount.js';
import type { AllocationOutcome } from '../prune/allocation.js';
import { MEASURE_WORDS } from '../models/groupPruning.js';
import { formatChannelGroups } from './formatGroups.js';
import { describeGroupNorm } from './groupNorms.js';
import { describeCycleAndRewind, describeSchedules } from './formatSchedule.js';
import type { DataSource } from '../data/types.js';
import type { Plan, PlanTask, PruneGroup, PruneTask } from './types.js';

const pct = (x: number) => `${(x * 100).toFixed(2)}%`;

/** "ln_structured 50% (n=2, axis: out)", "l1_unstructured 3 entries", "identity" (the method's descriptor says). */
export function describeMethod(spec: MethodSpec): string {
  return methodOf(spec).describe(spec);
}

function describeGroup(group: PruneGroup, scope: PruneTask['scope']): string {
  const scores = group.importance.kind === 'weights' ? '' : ` (ranked by ${importanceText(group.importance)})`;
  const ranked = Object.entries(group.importanceByParameter ?? {}).map(([name, source]) => `${name} by ${importanceText(source)}`);
  return scope === 'global'
    ? `global ${describeMethod(group.method)} over ${group.parameters.join(', ')}${capText(group)}` +
        (ranked.length === 0 ? '' : ` (ranked ${ranked.join(', ')}; the others by their weights)`)
    : `${describeMethod(group.method)} on each of ${group.parameters.join(', ')}${scores}`;
}

/** One line for a prune task: its groups, then what it makes permanent. */
export function summarizePruneTask(task: PruneTask): string {
  const parts = [...task.groups.map((g) => describeGroup(g, task.scope)), ...(task.groupNorms ?? []).map(describeGroupNorm)];
  if (task.remove.length > 0) parts.push(`remove (make permanent) ${task.remove.join(', ')}`);
  if (task.filters !== null) parts.push(`filters of ${task.filters.kernels.join(', ')} to ${+(task.filters.fraction * 100).toFixed(2)}% of the model's ${MEASURE_WORDS[task.filters.measure]}`);
  if (task.rewind !== null) parts.push(`rewind to ${task.rewind.kind === 'init' ? 'init' : `epoch ${task.rewind.epoch}`}`);
  const text = parts.join('; ') || 'nothing';
  return task.cycle.of > 1 ? `cycle ${task.cycle.index}/${task.cycle.of}: ${text}` : text;
}

function globalHead(group: PruneGroup, sizes: ReadonlyMap<string, readonly number[]>): string {
  const total = group.parameters.reduce((sum, name) => sum + (sizes.get(name) ?? []).reduce((a, b) => a * b, 1), 0);
  const composes = group.parameters.some((name) => group.planned[name]?.composes === true);
  const amount = 'amount' in group.method ? group.method.amount : { count: 0 };
  const rule = methodOf(group.method).traits.seeded ? 'at random (seeded)' : 'smallest |value| first';
  const what = composes
    ? `${formatAmount(amount)} of their entries still unpruned`
    : `${'count' in amount ? amount.count : pythonRound(amount.amount * total)} of their ${total} entries`;
  if (group.allocation !== undefined) {
    return `global ${describeMethod(group.method)} over ${group.parameters.length} parameters: prunes ${what}, split into per-parameter amounts with the least predicted accuracy loss from ${group.allocation.sensitivity}'s curves (chosen at run time, once they are measured), then each parameter ${rule}${capText(group).replace(/;.*$/, '')}`;
  }
  return `global ${describeMethod(group.method)} over ${group.parameters.length} parameters: one ranking, prunes ${what}, ${rule}${capText(group)}`;
}

/** The layer-collapse guard, when the step has one; and where an allocating step's amounts come from. */
function capText(group: PruneGroup): string {
  const cap = group.maxSparsityPerLayer;
  const capped = cap === undefined || cap === null ? '' : `, no parameter above ${(cap * 100).toFixed(1)}% sparsity`;
  return group.allocation === undefined ? capped : `${capped}; per-parameter amounts allocated from ${group.allocation.sensitivity}`;
}

function describePrune(task: PruneTask, sizes: ReadonlyMap<string, readonly number[]>, known: readonly AllocationOutcome[] = []): string[] {
  const lines: string[] = [];
  const shapeOf = (name: string) => sizes.get(name) ?? [];
  const label = (name: string) => `  ${name} [${shapeOf(name).join(', ')}]`;
  for (const group of task.groups) {
    const chosen = known.find((a) => a.sensitivity === group.allocation?.sensitivity);
    if (task.scope === 'global' && chosen !== undefined) {
      lines.push(
        `${globalHead(group, sizes).replace(/\(chosen at run time, once they are measured\)/, '(from the stage cache)')}; ` +
          `predicted accuracy ${pct(chosen.predictedAccuracy)} (now ${pct(chosen.baseline)}):`,
      );
      for (const p of chosen.parameters) lines.push(`${label(p.name)}: ${p.count} of ${p.candidates} entries (${pct(p.amount)}), its curve predicts ${pct(p.predictedAccuracy)}`);
      continue;
    }
    if (task.scope === 'global') {
      lines.push(globalHead(group, sizes));
      for (const name of group.parameters) {
        lines.push(`${label(name)}${group.planned[name]?.composes === true ? ': pruned before, only its unpruned entries compete' : ''}`);
      }
      continue;
    }
    lines.push(`${describeMethod(group.method)} on each of ${group.parameters.length} parameter(s), each on its own`);
    for (const name of group.parameters) {
      const planned = group.planned[name] ?? { layout: null, axis: null, composes: false };
      const shape = shapeOf(name);
      const size = shape.reduce((a, b) => a * b, 1);
      const outcome = methodOf(group.method).outcome(group.method, { planned, shape, size, importance: group.importance });
      lines.push(`${label(name)}: ${outcome}`);
    }
  }
  for (const groupNorm of task.groupNorms ?? []) lines.push(describeGroupNorm(groupNorm));
  if (task.remove.length > 0) {
    lines.push("remove (torch's prune.remove): weight = original × mask, mask and history dropped");
    for (const name of task.remove) lines.push(label(name));
  }
  return lines;
}

function describeData(data: DataSource, seed: number): string {
  if (data.kind === 'idx') return `IDX files: ${data.train.images} (+ labels), ${data.test.images} (+ labels)`;
  if (data.name === 'mnist') return `built-in mnist: ${data.trainSize} train / ${data.testSize} test, split by seed ${seed}`;
  const cap = (size: number | null, split: string) =>
    size === null ? `every ${split} image` : `${size} ${split} images, the first after a shuffle by seed ${seed}`;
  return `built-in fashion-mnist from ${data.folder}: ${cap(data.trainSize, 'train')} / ${cap(data.testSize, 'test')}`;
}

function describeTask(task: PlanTask, sizes: ReadonlyMap<string, readonly number[]>, plan: Plan, known: ReadonlyMap<string, readonly AllocationOutcome[]>): string[] {
  switch (task.kind) {
    case 'load-model': {
      const source =
        task.model.kind === 'builtin'
          ? `built-in ${builtinModelSummary(task.model)} (init seed ${task.seed})`
          : task.model.kind === 'onnx'
            ? `ONNX ${task.model.path}, imported into TF.js`
            : task.model.path;
      return [task.fresh ? `fresh model: ${source} rebuilt, every mask and history dropped` : source];
    }
    case 'load-data':
      return [describeData(task.data, task.seed)];
    case 'train': {
      const c = task.config;
      return [`${c.epochs} epoch(s), batch ${c.batchSize}, ${c.optimizer} lr ${c.learningRate}`, ...describeSchedules(task, sizes)];
    }
    case 'prune':
      return [...describePrune(task, sizes, known.get(task.id)), ...describeCycleAndRewind(task)];
    case 'evaluate':
      return [`accuracy on the test split (${task.point})`];
    case 'sensitivity':
      return [
        `sensitivity analysis: each subject pruned alone at ${task.amounts.map((a) => `${+(a * 100).toFixed(2)}%`).join(', ')}, evaluated on the test split, restored ` +
          `(${1 + (task.parameters.length + task.groups.length) * task.amounts.length} evaluations, shared with the gradient workers)`,
        ...task.parameters.map((name) => `  ${name} [${(sizes.get(name) ?? []).join(', ')}]: l1_unstructured, smallest |w| of its unpruned entries first`),
        ...task.groups.map((root) => `  channel group ${root}: its remaining channels, lowest group importance first`),
      ];
    case 'export':
      return [
        (task.saveModel ? 'masks.safetensors and model/ (masks applied)' : 'masks.safetensors') +
          (task.compact ? '; model-compact/ (the model rebuilt without its dead channels, from every layer they live in)' : '') +
          (task.foldBatchNorm === true ? ', with batch norms and activations folded into the layers they read' : '') +
          (task.sparse ? '; model-sparse/ (bitmask + nonzero values per weight)' : '') +
          (task.onnx ? `; model.onnx${task.compact ? ' and model-compact.onnx' : ''} (ONNX, NCHW, torch's layouts)` : ''),
      ];
    case 'report':
      return [`report.md, report.html and record.json${plan.tasks.some((t) => t.kind === 'sensitivity') ? ', sensitivity.json and sensitivity.csv' : ''}`];
  }
}

/**
 * The plan's tasks, then the channel groups of its model (none given: no group section). `known`:
 * allocating prune tasks' amounts already decided by the stage cache (runner/knownAllocations.ts).
 */
export function formatPlan(plan: Plan, groups: readonly ChannelGroup[] = [], known: ReadonlyMap<string, readonly AllocationOutcome[]> = new Map()): string {
  const sizes = new Map(plan.model.parameters.map((p) => [p.name, p.shape]));
  const lines = [`plan for ${plan.recipe.file} (sha256 ${plan.recipe.hash.slice(0, 12)}, seed ${plan.seed})`];
  plan.tasks.forEach((task, index) => {
    const after = task.dependsOn.length > 0 ? `  ← ${task.dependsOn.join(', ')}` : '';
    lines.push(`${String(index + 1).padStart(2)}. ${task.id}${after}`);
    for (const line of describeTask(task, sizes, plan, known)) lines.push(`      ${line}`);
  });
  lines.push(...formatChannelGroups(groups));
  return lines.join('\n');
}
