/**
 * The built-in ResNet and MobileNet descriptions carry their graph (a residual add reads two
 * layers), so the planner's channel groups from the static description are the groups of the real
 * TF.js model, read back from its model.json.
 */
import { describe, expect, it } from 'vitest';
import { buildBuiltinModel } from '../../src/engine/builtinModels.js';
import { describeBuiltinModel, type BuiltinModel } from '../../src/models/builtin.js';
import { channelGroups } from '../../src/models/channelGroups.js';
import { describeTfModel } from './describeTf.js';

const shape = { inputShape: [28, 28, 1], classes: 10 } as const;
const MODELS: readonly BuiltinModel[] = [
  { name: 'resnet', options: { depth: 8, width: 0.5, ...shape } },
  { name: 'resnet', options: { depth: 14, width: 0.25, ...shape } },
  { name: 'mobilenet', options: { width: 0.25, ...shape } },
];

describe('channel groups of the built-in models', () => {
  for (const model of MODELS) {
    it(`${model.name} ${JSON.stringify('options' in model ? model.options : {})}: the static description gives the real model's groups`, async () => {
      const real = buildBuiltinModel(model, 1);
      try {
        const expected = channelGroups(await describeTfModel(real));
        expect(channelGroups(describeBuiltinModel(model))).toEqual(expected);
        // Residual models join channels across adds: fewer groups than producing layers.
        if (model.name === 'resnet') expect(expected.some((g) => g.producers.length > 1)).toBe(true);
      } finally {
        real.dispose();
      }
    });
  }
});
