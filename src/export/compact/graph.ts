/**
 * Compaction through the model's graph (residual adds, concatenations, batch norm, depthwise
 * convs): the channel groups (models/channelGroups.ts) say which slices of which weights each
 * channel owns, so a channel that is exactly zero everywhere it lives goes from all of them at
 * once — the producers' filters (config `filters` / `units` shrink), batch norm's parameters and
 * moving statistics, depthwise slices, and the input rows of every reader; adds and
 * concatenations need no change, since their inputs shrink together. Unlike the chain path
 * (plan.ts), nothing is folded: a channel whose output is a non-zero constant (a live bias or
 * beta, an activation with act(0) ≠ 0 on its way) stays, which keeps the rebuilt model's outputs
 * those of the masked model up to float summation order.
 */
import type * as tf from '@tensorflow/tfjs';
import { describeLayersModel } from '../../api/describe.js';
import { activationKeepsZero, kindOf } from '../../layers/index.js';
import { channelGroups, type ChannelGroup } from '../../models/channelGroups.js';
import { slotOfEntries } from '../../prune/channelSlots.js';
import { complement, takeAlong, type HostArray } from './hostArray.js';
import { LayerWeights } from './layerWeights.js';
import type { CompactPlan } from './plan.js';
import type { CompactedLayer } from './types.js';

/** Weights a zero channel must be zero in: what it computes with (kernels, biases, gamma, beta), not the batch-norm statistics. */
const STATISTICS = new Set(['moving_mean', 'moving_variance']);

/** Whether a channel that is zero where it is made stays zero through this layer's own activation. */
function keepsZero(layer: tf.layers.Layer): boolean {
  const kind = kindOf(layer.getClassName());
  const rule = kind?.compaction;
  const config = layer.getConfig();
  if (kind?.flow === 'produces' || (rule?.role === 'channel_wise' && rule.constant === 'activation')) return activationKeepsZero(config['activation'] ?? 'linear');
  return true; // pooling, dropout, flatten, ReLU, adds and concatenations keep zero; batch norm does when its gamma and beta are zero (checked as members)
}

/**
 * Whether the layer holds its channels on the last axis, as the channel groups (built from layer
 * kinds, without configs) assume: not a channels-first conv or pooling, not a batch norm over
 * another axis. A group through such a layer keeps all its channels.
 */
function channelsLast(layer: tf.layers.Layer): boolean {
  const config = layer.getConfig();
  if (config['dataFormat'] === 'channelsFirst') return false;
  if (layer.getClassName() !== 'BatchNormalization') return true;
  const axis = config['axis'];
  const axes: unknown[] = Array.isArray(axis) ? axis : [axis];
  const input = layer.inboundNodes[0]?.inputTensors[0];
  return axes.length === 1 && (axes[0] === -1 || (input !== undefined && axes[0] === input.shape.length - 1));
}

/** The group's channels that are exactly zero in every weight that makes them, and stay zero on their way. */
function zeroChannels(group: ChannelGroup, weights: ReadonlyMap<string, LayerWeights>, model: tf.LayersModel): number[] {
  if (group.layers.some((name) => !channelsLast(model.getLayer(name)))) return [];
  if (group.layers.some((name) => group.members.some((m) => m.layer === name && m.side === 'out') && !keepsZero(model.getLayer(name)))) return [];
  const makers = group.members.filter((m) => m.side === 'out' && !STATISTICS.has(m.param));
  const zero = new Array<boolean>(group.channels).fill(true);
  for (const member of makers) {
    const array = weights.get(member.layer)?.get(member.param);
    if (array === undefined) continue;
    const slotOf = slotOfEntries(array.shape, member.axes);
    const owner = new Map<number, number>();
    member.indices.forEach((slots, k) => slots.forEach((slot) => owner.set(slot, k)));
    array.values.forEach((value, index) => {
      if (value !== 0) {
        const k = owner.get(slotOf[index]!);
        if (k !== undefined) zero[k] = false;
      }
    });
  }
  const dead = zero.flatMap((isZero, k) => (isZero ? [k] : []));
  // TF.js cannot build a layer of no channels; one zero channel kept is still exact.
  return dead.length === group.channels ? dead.slice(1) : dead;
}

/** The entries of `array` whose slot along `axes` (adjacent, read row-major) is kept. */
function takeSlots(array: HostArray, axes: readonly number[], removed: ReadonlySet<number>): HostArray {
  const first = axes[0]!;
  const last = axes[axes.length - 1]!;
  const span = array.shape.slice(first, last + 1).reduce((a, b) => a * b, 1);
  const inner = span / array.shape[first]!;
  const kept = complement(span, [...removed]);
  const merged = [...array.shape.slice(0, first), span, ...array.shape.slice(last + 1)];
  const taken = takeAlong({ shape: merged, values: array.values }, first, kept);
  const shape = [...array.shape];
  shape[first] = kept.length / inner;
  return { shape, values: taken.values };
}

export function planGraphCompaction(model: tf.LayersModel): CompactPlan {
  const groups = channelGroups(describeLayersModel(model)).filter((g) => g.fixed === null);
  const weights = new Map(model.layers.map((layer) => [layer.name, LayerWeights.read(layer)]));
  const sizes = new Map<string, number>();
  const removedOf = new Map<string, number[]>();
  // Every group's zero channels are decided on the source weights first, then all slices are taken;
  // slots of one axis are gathered over all groups first (a dense kernel's rows serve several groups
  // through a concatenation), since slot numbers are the source's.
  const cuts = new Map<string, { layer: string; param: string; axes: readonly number[]; slots: Set<number> }>();
  for (const group of groups) {
    const dead = zeroChannels(group, weights, model);
    for (const producer of group.producers) removedOf.set(producer, dead);
    if (dead.length === 0) continue;
    for (const producer of group.producers) sizes.set(producer, group.channels - dead.length);
    for (const member of group.members) {
      const key = `${member.layer}/${member.param}/${member.axes.join(',')}`;
      const cut = cuts.get(key) ?? { layer: member.layer, param: member.param, axes: member.axes, slots: new Set<number>() };
      for (const k of dead) for (const slot of member.indices[k]!) cut.slots.add(slot);
      cuts.set(key, cut);
    }
  }
  for (const { layer, param, axes, slots } of cuts.values()) {
    const own = weights.get(layer)!;
    const array = own.get(param);
    if (array !== undefined) own.set(param, takeSlots(array, axes, slots));
  }
  const layers: CompactedLayer[] = model.layers
    .filter((layer) => kindOf(layer.getClassName())?.compaction.role === 'producer')
    .map((layer) => {
      const kernel = layer.weights.find((w) => w.originalName.endsWith(`/${kindOf(layer.getClassName())!.outputKernel ?? ''}`));
      return { name: layer.name, className: layer.getClassName(), channelsBefore: kernel?.shape.at(-1) ?? 0, removed: removedOf.get(layer.name) ?? [] };
    });
  return { weights, sizes, layers };
}
