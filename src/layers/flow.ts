/**
 * Channel index mappings through a layer, both ways, from its ChannelFlow: which output indices
 * (on the last axis) an input channel becomes, and which input channels an output index carries.
 * This is Torch-Pruning's index mapping (its _FlattenIndexMapping, _ConcatIndexMapping) for TF.js
 * layouts, where flatten is (h, w, c) and channels are last. A channel group is the closure of
 * one channel over these mappings; a 'produces' layer ends it (its output channels are new).
 */
import type { ChannelFlow } from './types.js';

export interface FlowShapes {
  /** Each input's shape without the batch dimension, channels last, fully known. */
  readonly inputs: readonly (readonly number[])[];
  /** A depthwise layer's depthMultiplier (1 when absent). */
  readonly depthMultiplier?: number;
}

/** Channel `channel` of the layer's input number `input` (0 for single-input layers). */
export interface InputChannel {
  readonly input: number;
  readonly channel: number;
}

function channelsOf(shapes: FlowShapes, input: number): number {
  const shape = shapes.inputs[input];
  if (shape === undefined || shape.length === 0) throw new Error(`internal: no shape for input ${input} of a channel flow`);
  return shape[shape.length - 1]!;
}

/** Spatial positions of the first input (all axes but the channel axis). */
function positionsOf(shapes: FlowShapes): number {
  return (shapes.inputs[0] ?? []).slice(0, -1).reduce((p, d) => p * d, 1);
}

function offsetsOf(shapes: FlowShapes): number[] {
  const offsets: number[] = [];
  let at = 0;
  shapes.inputs.forEach((_, i) => {
    offsets.push(at);
    at += channelsOf(shapes, i);
  });
  return offsets;
}

/** The output indices that input channel `from` becomes, ascending; empty when none passes. */
export function outputsOf(flow: ChannelFlow, shapes: FlowShapes, from: InputChannel): number[] {
  const { input, channel } = from;
  switch (flow) {
    case 'one_to_one':
    case 'shared_index':
      return [channel];
    case 'depthwise': {
      const multiplier = shapes.depthMultiplier ?? 1;
      return Array.from({ length: multiplier }, (_, m) => channel * multiplier + m);
    }
    case 'flatten': {
      const channels = channelsOf(shapes, 0);
      return Array.from({ length: positionsOf(shapes) }, (_, p) => p * channels + channel);
    }
    case 'concatenate':
      return [offsetsOf(shapes)[input]! + channel];
    case 'source':
    case 'produces':
    case 'mixes':
      return [];
  }
}

/** The input channels that output index `output` carries; empty when it is a new channel. */
export function inputsOf(flow: ChannelFlow, shapes: FlowShapes, output: number): InputChannel[] {
  switch (flow) {
    case 'one_to_one':
      return [{ input: 0, channel: output }];
    case 'shared_index':
      return shapes.inputs.map((_, input) => ({ input, channel: output }));
    case 'depthwise':
      return [{ input: 0, channel: Math.floor(output / (shapes.depthMultiplier ?? 1)) }];
    case 'flatten':
      return [{ input: 0, channel: output % channelsOf(shapes, 0) }];
    case 'concatenate': {
      const offsets = offsetsOf(shapes);
      const input = offsets.findIndex((offset, i) => offset <= output && output < offset + channelsOf(shapes, i));
      return input < 0 ? [] : [{ input, channel: output - offsets[input]! }];
    }
    case 'source':
    case 'produces':
    case 'mixes':
      return [];
  }
}
