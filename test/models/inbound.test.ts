/** A functional model.json's graph in both formats: Keras 2 / TF.js node lists and Keras 3 keras_history. */
import { describe, expect, it } from 'vitest';
import { inboundOf, outputLayersOf } from '../../src/models/inbound.js';

const keras3Tensor = (layer: string) => ({ class_name: '__keras_tensor__', config: { shape: [null, 4], dtype: 'float32', keras_history: [layer, 0, 0] } });

describe('inbound layers from model.json', () => {
  it('reads Keras 2 / TF.js nodes: [layer, node, tensor, kwargs] entries of the first call', () => {
    expect(inboundOf({ inbound_nodes: [[['a', 0, 0, {}], ['b', 0, 0, {}]]] })).toEqual(['a', 'b']);
    expect(inboundOf({ inbound_nodes: [[['shared_in', 0, 0, {}]], [['other', 1, 0, {}]]] })).toEqual(['shared_in']);
    expect(inboundOf({ inbound_nodes: [] })).toEqual([]);
  });

  it('reads Keras 3 nodes: keras_history inside args, a merge taking them as one list', () => {
    expect(inboundOf({ inbound_nodes: [{ args: [keras3Tensor('conv')], kwargs: {} }] })).toEqual(['conv']);
    expect(inboundOf({ inbound_nodes: [{ args: [[keras3Tensor('x'), keras3Tensor('y')]], kwargs: {} }] })).toEqual(['x', 'y']);
  });

  it("says nothing for a Sequential's layers, which read each other in order", () => {
    expect(inboundOf({ class_name: 'Dense', config: { name: 'd' } })).toBeUndefined();
  });

  it('reads output_layers as a list of triples (Keras 2) or one triple (Keras 3)', () => {
    expect(outputLayersOf({ config: { output_layers: [['logits', 0, 0], ['aux', 0, 0]] } })).toEqual(['logits', 'aux']);
    expect(outputLayersOf({ config: { output_layers: ['logits', 0, 0] } })).toEqual(['logits']);
    expect(outputLayersOf({ config: { layers: [] } })).toBeUndefined();
  });
});
