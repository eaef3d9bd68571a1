/**
 * Channel groups as group pruning's core sees them (prune/groupTarget.ts): the model's cost in
 * parameters or MACs as terms over channel axes (units), the units each group's channels own,
 * and which groups a selection of kernels puts up for removal. Planner and engine share it, so
 * the plan's refusal and the engine's choice count the same way.
 */
import { kindOf } from '../layers/index.js';
import type { CostModel, CostTerm, OwnedUnit } from '../prune/groupCost.js';
import type { ChannelGroup } from './channelGroups.js';
import { isTrainableParam, type ModelDescription } from './description.js';
import { axesSize } from './layerGraph.js';
import { modelMacs } from './macs.js';

/** What a structured target counts: the model's trainable parameters or its multiply-adds per image. */
export type GroupMeasure = 'params' | 'macs';

/** The measures in words, for messages and plans. */
export const MEASURE_WORDS = { params: 'parameters', macs: 'multiply-adds' } as const;

/** Params whose magnitude is not the channel's: a shift (bias, batch norm's beta) and the batch-norm statistics. */
const NOT_IMPORTANCE = new Set(['bias', 'beta', 'moving_mean', 'moving_variance']);

/** Whether a member's weights count in the group's importance (see prune/groupImportance.ts). */
export function countsInImportance(param: string): boolean {
  return !NOT_IMPORTANCE.has(param);
}

/** The units a parameter's entries scale with: its layer's output channels, and a producer's input rows. */
function unitsOf(layer: string, className: string, param: string, shape: readonly number[], register: (unit: string, size: number) => void): string[] {
  const kind = kindOf(className);
  const p = kind?.params.find((q) => q.name === param);
  if (kind === undefined || p === undefined) return [];
  const units: string[] = [];
  if (p.out.length > 0) {
    register(`${layer}/out`, axesSize(shape, p.out) ?? 1);
    units.push(`${layer}/out`);
  }
  if (kind.flow === 'produces' && p.in !== null && !p.out.includes(p.in)) {
    register(`${layer}/in`, shape[p.in] ?? 1);
    units.push(`${layer}/in`);
  }
  return units;
}

/** The model's cost as terms over units; for MACs, null with the reason when they cannot be told. */
export function costModelOf(model: ModelDescription, measure: GroupMeasure): CostModel | { readonly unknown: string } {
  const units = new Map<string, number>();
  const register = (unit: string, size: number) => {
    if (!units.has(unit)) units.set(unit, size);
  };
  const classOf = new Map(model.layers.map((l) => [l.name, l.className]));
  let terms: CostTerm[];
  if (measure === 'params') {
    terms = model.layers.flatMap((l) =>
      l.params.filter((p) => isTrainableParam(p.param)).map((p) => ({ base: p.size, units: unitsOf(l.name, l.className, p.param, p.shape, register) })),
    );
  } else {
    const macs = modelMacs(model);
    if (macs.unknown !== null) return { unknown: macs.unknown };
    terms = macs.terms.map((t) => ({ base: t.macs, units: unitsOf(t.layer, classOf.get(t.layer) ?? '', t.param.slice(t.layer.length + 1), t.shape, register) }));
  }
  // Units only owned by groups (a reader of a model input) still need their sizes: register every layer's.
  for (const layer of model.layers) for (const p of layer.params) unitsOf(layer.name, layer.className, p.param, p.shape, register);
  return { units, terms };
}

/** The units one group's channels own, each with how many of its indices each channel holds. */
export function ownedUnitsOf(group: ChannelGroup): OwnedUnit[] {
  const owned = new Map<string, OwnedUnit>();
  for (const member of group.members) {
    const unit = `${member.layer}/${member.side}`;
    if (!owned.has(unit)) owned.set(unit, { unit, perChannel: member.indices.map((i) => i.length) });
  }
  return [...owned.values()];
}

/** The groups a selection of kernels (weight names) puts up: each group one of whose producers' output kernels is selected. */
export function selectedGroups(model: ModelDescription, groups: readonly ChannelGroup[], kernels: readonly string[]): { groups: ChannelGroup[]; refused: { kernel: string; why: string }[] } {
  const chosen: ChannelGroup[] = [];
  const refused: { kernel: string; why: string }[] = [];
  for (const kernel of kernels) {
    const layer = kernel.slice(0, kernel.lastIndexOf('/'));
    const className = model.layers.find((l) => l.name === layer)?.className ?? '';
    const group = groups.find((g) => g.producers.includes(layer));
    if (group === undefined || kindOf(className)?.outputKernel !== kernel.slice(layer.length + 1)) {
      refused.push({ kernel, why: `${kernel} makes no channel group's channels (select conv2d or dense kernels)` });
    } else if (group.fixed !== null) {
      refused.push({ kernel, why: `the channels of ${kernel} (group ${group.root}) cannot be removed: ${group.fixed}` });
    } else if (!chosen.includes(group)) {
      chosen.push(group);
    }
  }
  return { groups: groups.filter((g) => chosen.includes(g)), refused };
}
