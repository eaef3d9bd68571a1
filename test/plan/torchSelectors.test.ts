/**
 * Selectors with torch's names, on models that have them (an ONNX import, the built-in LeNet):
 * whole state-dict names and globs over them, torch's module and parameter parts, and whole TF.js
 * names; models without torch names take only the TF.js forms.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { LENET_DESCRIPTION } from '../../src/models/lenet.js';
import type { ModelDescription } from '../../src/models/description.js';
import { describeOnnx } from '../../src/models/onnx/describe.js';
import { resolveSelectors } from '../../src/plan/selectors.js';
import type { Selector } from '../../src/recipe/types.js';
import { TORCH_FIXTURES } from '../helpers/torchLenet.js';

const at = { file: 'recipe.yaml', line: 1, col: 1 };
const select = (fields: Partial<Omit<Selector, 'at'>>): Selector => ({ layerType: null, layer: null, param: null, at, ...fields });
const picked = (model: ModelDescription, fields: Partial<Omit<Selector, 'at'>>) => resolveSelectors([select(fields)], model);

let resnet: ModelDescription;

beforeAll(async () => {
  resnet = await describeOnnx({ kind: 'onnx', path: `${TORCH_FIXTURES}resnet.onnx`, at });
});

describe('torch names in selectors', () => {
  it('picks a parameter by its whole state-dict name, as by its TF.js name', () => {
    expect(picked(resnet, { param: 'layer1.0.conv1.weight' }).parameters.map((p) => p.name)).toEqual(['layer1_0_conv1/kernel']);
    expect(picked(resnet, { param: 'layer1_0_conv1/kernel' }).parameters.map((p) => p.name)).toEqual(['layer1_0_conv1/kernel']);
  });

  it('globs over state-dict names: every weight of layer2, batch norm included', () => {
    expect(picked(resnet, { param: 'layer2.*.weight' }).parameters.map((p) => p.name)).toEqual([
      'layer2_0_conv1/kernel',
      'layer2_0_bn1/gamma',
      'layer2_0_conv2/kernel',
      'layer2_0_bn2/gamma',
      'layer2_0_shortcut_0/kernel',
      'layer2_0_shortcut_1/gamma',
    ]);
  });

  it("matches torch's module and parameter parts in layer and param", () => {
    const byParts = picked(resnet, { layer: 'layer2.0.shortcut.*', param: 'weight' }).parameters.map((p) => p.name);
    expect(byParts).toEqual(['layer2_0_shortcut_0/kernel', 'layer2_0_shortcut_1/gamma']);
    expect(picked(resnet, { layerType: ['conv2d'], param: 'weight' }).parameters).toHaveLength(6);
  });

  it('takes torch names on the built-in LeNet, whose torch twin the README gives', () => {
    expect(picked(LENET_DESCRIPTION, { param: 'fc1.weight' }).parameters.map((p) => p.name)).toEqual(['fc1/kernel']);
  });

  it('reports a torch name that matches nothing with the inventory in both namings', () => {
    const { problems } = picked(resnet, { param: 'layer3.0.conv1.weight' });
    expect(problems[0]?.message).toContain('layer1_0_conv1 (conv2d: kernel = layer1.0.conv1.weight)');
  });

  it('matches no torch name on a model without torch names', () => {
    const { kernelOnly } = { kernelOnly: { ...LENET_DESCRIPTION, torch: undefined } };
    const { parameters, problems } = picked(kernelOnly, { param: 'fc1.weight' });
    expect(parameters).toEqual([]);
    expect(problems[0]?.message).toMatch(/\(torch names such as conv1\.weight need a model with torch names: an ONNX import or builtin lenet\)$/);
    expect(picked(kernelOnly, { param: 'fc1/kernel' }).parameters.map((p) => p.name)).toEqual(['fc1/kernel']);
  });
});
