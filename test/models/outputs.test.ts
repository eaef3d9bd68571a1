import { describe, expect, it } from 'vitest';
import { describeBuiltinModel } from '../../src/models/builtin.js';
import { LENET_DESCRIPTION } from '../../src/models/lenet.js';
import { describeTopology } from '../../src/models/modelJson.js';
import { outputWidthOf } from '../../src/models/outputs.js';

const fail = (message: string): never => {
  throw new Error(message);
};

/** A Sequential model.json topology of these layers (class, config) and the weights they list. */
function sequential(layers: readonly [string, Record<string, unknown>][], weights: readonly { name: string; shape: number[] }[]) {
  const topology = { class_name: 'Sequential', config: { name: 'net', layers: layers.map(([class_name, config]) => ({ class_name, config })) } };
  return describeTopology('net.json', topology, weights, fail);
}

describe('outputWidthOf', () => {
  it("gives LeNet's 10 outputs from fc3", () => {
    expect(outputWidthOf(LENET_DESCRIPTION)).toEqual({ units: 10, layer: 'fc3' });
  });

  it("gives a builtin ResNet's classes", () => {
    const resnet = describeBuiltinModel({ name: 'resnet', options: { inputShape: [32, 32, 3], classes: 7, depth: 8, width: 1 } });
    expect(outputWidthOf(resnet)?.units).toBe(7);
  });

  it('sees through a softmax and dropout after the dense layer', () => {
    const model = sequential(
      [
        ['Flatten', { name: 'flat', batch_input_shape: [null, 4, 4, 1] }],
        ['Dense', { name: 'fc', units: 3 }],
        ['Dropout', { name: 'drop', rate: 0.1 }],
        ['Softmax', { name: 'soft' }],
      ],
      [
        { name: 'fc/kernel', shape: [16, 3] },
        { name: 'fc/bias', shape: [3] },
      ],
    );
    expect(outputWidthOf(model)).toEqual({ units: 3, layer: 'fc' });
  });

  it("gives a global pooling's channels", () => {
    const model = sequential(
      [
        ['Conv2D', { name: 'conv', filters: 5, kernel_size: [3, 3], batch_input_shape: [null, 8, 8, 1] }],
        ['GlobalAveragePooling2D', { name: 'gap' }],
      ],
      [
        { name: 'conv/kernel', shape: [3, 3, 1, 5] },
        { name: 'conv/bias', shape: [5] },
      ],
    );
    expect(outputWidthOf(model)).toEqual({ units: 5, layer: 'gap' });
  });

  it('is not told by a model that ends in a conv map or a flatten', () => {
    const conv = sequential([['Conv2D', { name: 'conv', filters: 5, kernel_size: [3, 3], batch_input_shape: [null, 8, 8, 1] }]], [{ name: 'conv/kernel', shape: [3, 3, 1, 5] }]);
    expect(outputWidthOf(conv)).toBeNull();
    const flat = sequential([['Flatten', { name: 'flat', batch_input_shape: [null, 4, 4, 1] }]], []);
    expect(outputWidthOf(flat)).toBeNull();
  });
});
