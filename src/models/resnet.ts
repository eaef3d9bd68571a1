/**
 * The CIFAR-style ResNet family (He et al. 2016, section 4.2): a 3×3 stem conv of 16 filters, three
 * stages of n basic blocks with 16, 32 and 64 channels (times `width`), the second and third stage
 * starting with stride 2, global average pooling and a dense layer; depth = 6n + 2. Each block is
 * conv-bn-relu-conv-bn plus a shortcut, a 1×1 conv + bn projection where the shape changes.
 * Layer names are Keras's ResNet names (conv2_block1_1_conv, ...), which users of Keras know.
 */
import { scaledChannels, type Architecture, type ArchitectureLayer, type ModelShape } from './architecture.js';

export const RESNET_DEPTHS = [8, 14, 20] as const;
export type ResnetDepth = (typeof RESNET_DEPTHS)[number];

export interface ResnetOptions extends ModelShape {
  readonly depth: ResnetDepth;
  /** Multiplies every stage's channels (16/32/64). */
  readonly width: number;
}

const STAGE_CHANNELS = [16, 32, 64] as const;

export function resnetArchitecture(options: ResnetOptions): Architecture {
  const blocks = (options.depth - 2) / 6;
  const layers: ArchitectureLayer[] = [{ kind: 'input', name: 'input', shape: options.inputShape }];
  const conv = (name: string, input: string, filters: number, kernelSize: number, strides: number) =>
    layers.push({ kind: 'conv', name, input, filters, kernelSize, strides });
  const bn = (name: string, input: string) => layers.push({ kind: 'batch_norm', name, input });
  const relu = (name: string, input: string) => layers.push({ kind: 'relu', name, input });

  let channels = scaledChannels(STAGE_CHANNELS[0], options.width);
  conv('conv1_conv', 'input', channels, 3, 1);
  bn('conv1_bn', 'conv1_conv');
  relu('conv1_relu', 'conv1_bn');
  let x = 'conv1_relu';
  STAGE_CHANNELS.forEach((stageChannels, stage) => {
    for (let block = 1; block <= blocks; block++) {
      const p = `conv${stage + 2}_block${block}`;
      const filters = scaledChannels(stageChannels, options.width);
      const strides = stage > 0 && block === 1 ? 2 : 1;
      const projected = strides !== 1 || filters !== channels;
      // The order is TF.js's own for this graph (model.layers, model.json: by distance from the
      // output), so that the description lists layers as a saved copy of the model would.
      conv(`${p}_1_conv`, x, filters, 3, strides);
      bn(`${p}_1_bn`, `${p}_1_conv`);
      relu(`${p}_1_relu`, `${p}_1_bn`);
      if (projected) conv(`${p}_0_conv`, x, filters, 1, strides);
      conv(`${p}_2_conv`, `${p}_1_relu`, filters, 3, 1);
      if (projected) bn(`${p}_0_bn`, `${p}_0_conv`);
      bn(`${p}_2_bn`, `${p}_2_conv`);
      layers.push({ kind: 'add', name: `${p}_add`, inputs: [projected ? `${p}_0_bn` : x, `${p}_2_bn`] });
      relu(`${p}_out`, `${p}_add`);
      x = `${p}_out`;
      channels = filters;
    }
  });
  layers.push({ kind: 'global_average_pool', name: 'avg_pool', input: x });
  layers.push({ kind: 'dense', name: 'predictions', input: 'avg_pool', units: options.classes });
  return { name: 'resnet', layers };
}
