/**
 * The built-in models a recipe can name, with their options, and their descriptions for the
 * planner. LeNet is fixed; ResNet and MobileNet are functional models made from an Architecture.
 */
import { describeArchitecture, type Architecture, type ModelShape } from './architecture.js';
import type { ModelDescription } from './description.js';
import { LENET_CLASSES, LENET_DESCRIPTION, LENET_INPUT_SHAPE } from './lenet.js';
import { mobilenetArchitecture, type MobilenetOptions } from './mobilenet.js';
import { resnetArchitecture, type ResnetDepth, type ResnetOptions } from './resnet.js';

export const BUILTIN_MODEL_NAMES = ['lenet', 'resnet', 'mobilenet'] as const;

export type BuiltinModel =
  | { readonly name: 'lenet' }
  | { readonly name: 'resnet'; readonly options: ResnetOptions }
  | { readonly name: 'mobilenet'; readonly options: MobilenetOptions };

/** The layers of a ResNet or MobileNet; null for LeNet, which is a fixed Sequential. */
export function builtinArchitecture(model: BuiltinModel): Architecture | null {
  switch (model.name) {
    case 'lenet':
      return null;
    case 'resnet':
      return resnetArchitecture(model.options);
    case 'mobilenet':
      return mobilenetArchitecture(model.options);
  }
}

export function describeBuiltinModel(model: BuiltinModel): ModelDescription {
  const architecture = builtinArchitecture(model);
  return architecture === null ? LENET_DESCRIPTION : describeArchitecture(architecture);
}

/**
 * What distinguishes one built-in model from another, as a recipe writes it: the name, and for
 * ResNet and MobileNet every option (LeNet's stays `{builtin: 'lenet'}`, so its cache keys hold).
 */
export function builtinModelIdentity(model: BuiltinModel): Record<string, unknown> {
  if (model.name === 'lenet') return { builtin: model.name };
  const { inputShape, classes, ...options } = model.options;
  return { builtin: model.name, ...options, input_shape: [...inputShape], classes };
}

/** What ResNet and MobileNet are built for unless the recipe says otherwise: the built-in data's images. */
export const DEFAULT_MODEL_SHAPE: ModelShape = { inputShape: LENET_INPUT_SHAPE, classes: LENET_CLASSES };
export const DEFAULT_RESNET_DEPTH: ResnetDepth = 20;
export const DEFAULT_WIDTH = 1;

/** The model in a few words, for --dry-run: `resnet-20, width 1, 28×28×1 images, 10 classes`. */
export function builtinModelSummary(model: BuiltinModel): string {
  if (model.name === 'lenet') return 'lenet';
  const { inputShape, classes, width } = model.options;
  const name = model.name === 'resnet' ? `resnet-${model.options.depth}` : model.name;
  return `${name}, width ${width}, ${inputShape.join('×')} images, ${classes} classes`;
}
