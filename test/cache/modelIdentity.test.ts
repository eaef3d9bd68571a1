/** A built-in model's identity (manifest and load-model's cache inputs) holds every option that shapes it. */
import { describe, expect, it } from 'vitest';
import { modelIdentity } from '../../src/cache/identity.js';

const shape = { inputShape: [28, 28, 1] as const, classes: 10 };

describe('built-in model identity', () => {
  it('is the name alone for LeNet, as before ResNet and MobileNet existed', async () => {
    expect(await modelIdentity({ kind: 'builtin', name: 'lenet' })).toEqual({ builtin: 'lenet' });
  });

  it('names every option of ResNet and MobileNet, so that another depth or width is another model', async () => {
    const resnet = await modelIdentity({ kind: 'builtin', name: 'resnet', options: { ...shape, depth: 8, width: 1 } });
    expect(resnet).toEqual({ builtin: 'resnet', depth: 8, width: 1, input_shape: [28, 28, 1], classes: 10 });
    expect(await modelIdentity({ kind: 'builtin', name: 'resnet', options: { ...shape, depth: 14, width: 1 } })).not.toEqual(resnet);
    expect(await modelIdentity({ kind: 'builtin', name: 'mobilenet', options: { ...shape, classes: 7, width: 0.5 } })).toEqual({
      builtin: 'mobilenet',
      width: 0.5,
      input_shape: [28, 28, 1],
      classes: 7,
    });
  });
});
