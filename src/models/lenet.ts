/**
 * The seed's LeNet (the torch.nn.utils.prune walkthrough), described without TF.js:
 *   conv 1→6 3×3, ReLU, max-pool 2, conv 6→16 3×3, ReLU, max-pool 2, flatten (16·5·5 = 400),
 *   dense 400→120, ReLU, dense 120→84, ReLU, dense 84→10, on 28×28×1 images.
 * Layer names follow the seed's attribute names so that recipes read the same in both tools.
 * engine/lenet.ts builds the TF.js model; a test checks it has exactly these layers and parameters.
 * The layers without parameters are listed too, in order, because channel groups follow them
 * (conv2's channels reach fc1 through pool2 and flatten).
 */
import { describeParameter, type LayerDescription, type ModelDescription, type SpatialWindow } from './description.js';

export const LENET_INPUT_SHAPE = [28, 28, 1] as const;
export const LENET_CLASSES = 10;

/** A k×k window with stride s and TF.js's default 'valid' padding, as engine/lenet.ts builds them. */
function square(k: number, s: number): SpatialWindow {
  return { kernel: [k, k], strides: [s, s], padding: 'valid', dilation: [1, 1] };
}

function layer(name: string, className: string, kernel: number[], bias: number): LayerDescription {
  return {
    name,
    type: className === 'Conv2D' ? 'conv2d' : 'dense',
    className,
    params: [
      describeParameter(name, className, 'kernel', kernel),
      describeParameter(name, className, 'bias', [bias]),
    ],
    ...(className === 'Conv2D' ? { window: square(kernel[0]!, 1) } : {}),
  };
}

function withoutParams(name: string, className: string, type: string, window?: SpatialWindow): LayerDescription {
  return { name, type, className, params: [], ...(window === undefined ? {} : { window }) };
}

export const LENET_DESCRIPTION: ModelDescription = {
  source: 'builtin:lenet',
  inputShape: LENET_INPUT_SHAPE,
  layers: [
    layer('conv1', 'Conv2D', [3, 3, 1, 6], 6),
    withoutParams('pool1', 'MaxPooling2D', 'max_pooling2d', square(2, 2)),
    layer('conv2', 'Conv2D', [3, 3, 6, 16], 16),
    withoutParams('pool2', 'MaxPooling2D', 'max_pooling2d', square(2, 2)),
    withoutParams('flatten', 'Flatten', 'flatten'),
    layer('fc1', 'Dense', [400, 120], 120),
    layer('fc2', 'Dense', [120, 84], 84),
    layer('fc3', 'Dense', [84, 10], 10),
  ],
  // The walkthrough's torch module: same attribute names; fc1 reads conv2's 5×5×16 map flattened.
  torch: {
    'conv1/kernel': { name: 'conv1.weight' },
    'conv1/bias': { name: 'conv1.bias' },
    'conv2/kernel': { name: 'conv2.weight' },
    'conv2/bias': { name: 'conv2.bias' },
    'fc1/kernel': { name: 'fc1.weight', flattenedFrom: [5, 5, 16] },
    'fc1/bias': { name: 'fc1.bias' },
    'fc2/kernel': { name: 'fc2.weight' },
    'fc2/bias': { name: 'fc2.bias' },
    'fc3/kernel': { name: 'fc3.weight' },
    'fc3/bias': { name: 'fc3.bias' },
  },
};
