/**
 * What a sensitivity analysis prunes, one subject at a time: a parameter alone (l1_unstructured,
 * composed with its mask, as a recipe's step would prune it) or a channel group alone (its least
 * important remaining channels, ranked as `filters:` ranks them, masked in every trainable member).
 * Pruning here never touches the model: it reads the weights and masks once and returns the
 * weights a pruned subject would have, for an evaluation to put in and take out again.
 */
import type * as tf from '@tensorflow/tfjs';
import { masksOf } from '../../api/index.js';
import { channelGroups } from '../../api/describe.js';
import { targetGroup } from '../../api/groupTarget.js';
import { EngineError } from '../../errors.js';
import type { ChannelGroup } from '../../models/channelGroups.js';
import { maskWithoutSlots } from '../../prune/channelSlots.js';
import { effectiveWeights, l1Unstructured, pruneParameter, pythonRound, sparsityOf, type MaskSet } from '../../prune/index.js';
import type { SensitivityTask } from '../../plan/types.js';
import { readWeight } from '../weights.js';

/** A weight's values while a subject is pruned. */
export interface WeightOverride {
  readonly name: string;
  readonly values: Float32Array;
}

export interface SubjectPruning {
  readonly overrides: readonly WeightOverride[];
  /** Entries (parameter) or channels (group) this pruning removed. */
  readonly pruned: number;
}

export interface Subject {
  readonly kind: 'parameter' | 'group';
  /** The parameter's weight name, or the group's root layer. */
  readonly name: string;
  /** What an amount counts: the parameter's still-unpruned entries, or the group's remaining channels. */
  readonly candidates: number;
  /** All its entries, or all its channels. */
  readonly size: number;
  /** The weights with `amount` of the candidates pruned. */
  prune(amount: number): SubjectPruning;
}

function parameterSubject(name: string, values: Float32Array, shape: readonly number[], masks: MaskSet): Subject {
  const mask = masks.get(name)?.mask;
  const before = mask === undefined ? 0 : sparsityOf(mask).zeros;
  return {
    kind: 'parameter',
    name,
    candidates: values.length - before,
    size: values.length,
    prune(amount) {
      // A detached state: the core replaces its mask, never writes its values.
      const state = { name, shape, values, mask: mask === undefined ? new Uint8Array(values.length).fill(1) : mask.slice(), history: [] };
      pruneParameter(state, l1Unstructured({ amount }));
      return { overrides: [{ name, values: effectiveWeights(state) }], pruned: sparsityOf(state.mask).zeros - before };
    },
  };
}

/** The group's remaining channels, least important first (ties: the lower index; NaN last), as selectGroupChannels takes them. */
function removalOrder(importance: readonly number[], removed: readonly boolean[]): number[] {
  const rank = (k: number) => (Number.isNaN(importance[k]!) ? Infinity : importance[k]!);
  return importance.map((_, k) => k).filter((k) => !removed[k]).sort((a, b) => rank(a) - rank(b) || a - b);
}

function groupSubject(group: ChannelGroup, model: tf.LayersModel, weights: ReadonlyMap<string, Float32Array>, masks: MaskSet, trainable: ReadonlySet<string>): Subject {
  const target = targetGroup(group, model, masks, trainable, 0);
  const order = removalOrder(target.importance, target.removed);
  const shapes = new Map(model.weights.map((w) => [w.originalName, w.shape.map((d) => d ?? 0)]));
  // Every trainable member loses the channel's slices (biases and beta too, as filters: masks them); batch-norm statistics are no weights.
  const members = group.members.filter((m) => trainable.has(`${m.layer}/${m.param}`));
  return {
    kind: 'group',
    name: group.root,
    candidates: order.length,
    size: group.channels,
    prune(amount) {
      const channels = order.slice(0, pythonRound(amount * order.length));
      // One mask per parameter, over every slice of it the group owns (a parameter may be a member twice).
      const next = new Map<string, Uint8Array>();
      for (const member of members) {
        const name = `${member.layer}/${member.param}`;
        const slots = new Set(channels.flatMap((k) => member.indices[k]!));
        next.set(name, maskWithoutSlots(next.get(name) ?? masks.get(name)?.mask, shapes.get(name)!, member.axes, slots));
      }
      const overrides = [...next].map(([name, mask]) => {
        const values = weights.get(name)!;
        return { name, values: effectiveWeights({ name, shape: shapes.get(name)!, values, mask, history: [] }) };
      });
      return { overrides, pruned: channels.length };
    },
  };
}

/** The task's subjects on the model as it is now (parameters first, then groups, in the task's order). */
export function sensitivitySubjects(model: tf.LayersModel, task: SensitivityTask): Subject[] {
  const masks = masksOf(model);
  const byName = new Map(model.weights.map((w) => [w.originalName, w]));
  const trainable = new Set(model.trainableWeights.map((w) => w.originalName));
  const weights = new Map<string, Float32Array>();
  const valuesOf = (name: string) => {
    let values = weights.get(name);
    if (values === undefined) {
      const variable = byName.get(name);
      if (variable === undefined) throw new EngineError('SENSITIVITY_INVALID', `${task.id}: the model has no weight named ${name}`);
      values = readWeight(variable);
      weights.set(name, values);
    }
    return values;
  };
  const parameters = task.parameters.map((name) => parameterSubject(name, valuesOf(name), byName.get(name)?.shape.map((d) => d ?? 0) ?? [], masks));
  const groups = task.groups.length === 0 ? [] : channelGroups(model);
  const groupSubjects = task.groups.map((root) => {
    const group = groups.find((g) => g.root === root);
    if (group === undefined) throw new EngineError('SENSITIVITY_INVALID', `${task.id}: the model has no channel group rooted at ${root}`);
    if (group.fixed !== null) throw new EngineError('SENSITIVITY_INVALID', `${task.id}: the channels of group ${root} cannot be removed: ${group.fixed}`);
    for (const member of group.members) if (trainable.has(`${member.layer}/${member.param}`)) valuesOf(`${member.layer}/${member.param}`);
    return groupSubject(group, model, weights, masks, trainable);
  });
  return [...parameters, ...groupSubjects];
}
