/**
 * Group pruning's core: the cost model of LeNet (its 60,074 parameters and 199,968 MACs as terms
 * over channel axes), the importance of a group by hand, and the greedy removal to a target:
 * importance per unit cost, floors, and the refusal when the floors stop it.
 */
import { describe, expect, it } from 'vitest';
import { channelGroups } from '../../src/models/channelGroups.js';
import { costModelOf, ownedUnitsOf, selectedGroups } from '../../src/models/groupPruning.js';
import { LENET_DESCRIPTION } from '../../src/models/lenet.js';
import { costOf, denseCost, withoutChannel, type CostModel } from '../../src/prune/groupCost.js';
import { groupImportance } from '../../src/prune/groupImportance.js';
import { channelFloor, floorCost, selectGroupChannels, type TargetGroup } from '../../src/prune/groupTarget.js';

const lenetGroups = channelGroups(LENET_DESCRIPTION);
const conv1 = lenetGroups.find((g) => g.root === 'conv1')!;
const conv2 = lenetGroups.find((g) => g.root === 'conv2')!;

function model(measure: 'params' | 'macs'): CostModel {
  const cost = costModelOf(LENET_DESCRIPTION, measure);
  if ('unknown' in cost) throw new Error(cost.unknown);
  return cost;
}

describe('group cost', () => {
  it("LeNet's terms add up to its parameters and MACs; a conv2 channel costs its filter, bias and 25·120 fc1 weights", () => {
    const params = model('params');
    expect(denseCost(params)).toBe(60_074);
    expect(denseCost(model('macs'))).toBe(199_968);
    const without = withoutChannel(new Map(), params, ownedUnitsOf(conv2), 4);
    expect(60_074 - costOf(params, without)).toBe(9 * 6 + 1 + 25 * 120);
    // MACs: conv2's filter at 11×11 positions and fc1's 25 rows; then a conv1 channel costs conv1's
    // filter at 26×26 and conv2's input slice of the 15 filters left.
    const macs = model('macs');
    const afterConv2 = withoutChannel(new Map(), macs, ownedUnitsOf(conv2), 4);
    expect(199_968 - costOf(macs, afterConv2)).toBe(121 * 9 * 6 + 25 * 120);
    const afterBoth = withoutChannel(afterConv2, macs, ownedUnitsOf(conv1), 0);
    expect(costOf(macs, afterConv2) - costOf(macs, afterBoth)).toBe(676 * 9 + 121 * 9 * 15);
  });

  it('selects groups by their producers’ kernels and refuses the logits and non-kernels, saying why', () => {
    const { groups, refused } = selectedGroups(LENET_DESCRIPTION, lenetGroups, ['conv2/kernel', 'conv1/kernel', 'fc3/kernel', 'fc1/bias']);
    expect(groups.map((g) => g.root)).toEqual(['conv1', 'conv2']);
    expect(refused).toEqual([
      { kernel: 'fc3/kernel', why: "the channels of fc3/kernel (group fc3) cannot be removed: they are the model's output" },
      { kernel: 'fc1/bias', why: 'fc1/bias makes no channel group\'s channels (select conv2d or dense kernels)' },
    ]);
  });
});

describe('group importance', () => {
  it('sums squares over every member (masked entries count zero) and divides by the mean over the channels', () => {
    // Two channels: a 2×2 kernel whose axis 1 is the output, and a reader [2, 1] whose axis 0 reads them.
    const kernel = { values: Float32Array.from([1, 2, 3, 4]), shape: [2, 2], axes: [1], indices: [[0], [1]] };
    const reader = { values: Float32Array.from([5, 6]), mask: Uint8Array.from([1, 0]), shape: [2, 1], axes: [0], indices: [[0], [1]] };
    // channel 0: 1 + 9 + 25 = 35; channel 1: 4 + 16 + 0 = 20; mean 27.5.
    expect(groupImportance([kernel, reader], 2)).toEqual([35 / 27.5, 20 / 27.5]);
    expect(groupImportance([{ ...kernel, values: new Float32Array(4) }], 2)).toEqual([0, 0]);
  });
});

describe('group pruning to a target', () => {
  const group = (name: string, owns: TargetGroup['owns'], importance: number[], floor = 1): TargetGroup => ({
    name,
    channels: importance.length,
    floor,
    importance,
    removed: importance.map(() => false),
    owns,
  });
  // Two layers in a chain: a (4 channels, 10 each) read by b (4 channels, 10 each, plus 4·4 between them).
  const cost: CostModel = {
    units: new Map([['a/out', 4], ['b/in', 4], ['b/out', 4]]),
    terms: [
      { base: 40, units: ['a/out'] },
      { base: 16, units: ['b/in', 'b/out'] },
      { base: 44, units: [] },
    ],
  };
  const a = group('a', [{ unit: 'a/out', perChannel: [1, 1, 1, 1] }, { unit: 'b/in', perChannel: [1, 1, 1, 1] }], [1, 0.5, 1.5, 1]);
  const b = group('b', [{ unit: 'b/out', perChannel: [1, 1, 1, 1] }], [0.2, 1, 1.4, 1.4]);

  it('takes the lowest importance per unit of cost saved, recomputing costs after each removal', () => {
    const result = selectGroupChannels({ cost, groups: [a, b], fraction: 0.2, measure: 'parameters' });
    // a's channel 1 saves 10 + 16·¼ = 14 (score 0.5/14 ≈ 0.036), b's channel 0 saves 4 (0.2/4 = 0.05): a's goes (86 left).
    // Then b's channel 0 saves 16·¾·¼ = 3 (0.067), a's channel 0 saves 10 + 4 = 14 (0.071): b's goes (83).
    // Then a's channel 0 saves 10 + 16·¼·¾ = 13 (0.077), b's channel 1 saves 3 (0.333): a's goes, 70 ≤ 80.
    expect(result.removed.map((r) => [r.group, r.channel])).toEqual([[0, 1], [1, 0], [0, 0]]);
    expect([result.dense, result.before, result.after]).toEqual([100, 100, 70]);
  });

  it('keeps each group’s floor and refuses a target out of reach, saying where the floors stop it', () => {
    const floored = [{ ...a, floor: channelFloor(4, 0.5) }, { ...b, floor: channelFloor(4, 0.5) }];
    // a at 2 channels: 20; between them 16·(2/4)·(2/4) = 4; the rest 44.
    expect(floorCost({ cost, groups: floored, measure: 'parameters' })).toBe(20 + 4 + 44);
    expect(() => selectGroupChannels({ cost, groups: floored, fraction: 0.5, measure: 'parameters' })).toThrow(
      "group pruning cannot remove 50.00% of the model's 100 parameters: with every group at its floor (a 2, b 2) it removes 32.00%; lower the target or min_channels",
    );
    expect([channelFloor(16, 0.1), channelFloor(6, 0.1), channelFloor(3, 0), channelFloor(10, 0.3)]).toEqual([2, 1, 1, 3]);
  });

  it('counts channels removed before as gone and never chooses them again', () => {
    const earlier = { ...a, removed: [false, true, false, false] };
    const result = selectGroupChannels({ cost, groups: [earlier, b], fraction: 0.2, measure: 'parameters' });
    expect(result.before).toBe(86);
    expect(result.removed.map((r) => [r.group, r.channel])).toEqual([[1, 0], [0, 0]]);
  });
});
