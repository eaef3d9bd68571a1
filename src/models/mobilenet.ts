/**
 * A MobileNet (Howard et al. 2017) sized for 28×28 and 32×32 images: a 3×3 stem conv of 16 filters
 * with stride 2, then depthwise-separable blocks (3×3 DepthwiseConv2D + bn + ReLU6, then a 1×1 conv
 * + bn + ReLU6) to 32, 64 (stride 2), 64 and 128 (stride 2) channels, all times `width`, global
 * average pooling and a dense layer. Layer names are Keras's MobileNet names (conv_dw_1, conv_pw_1_bn).
 */
import { scaledChannels, type Architecture, type ArchitectureLayer, type ModelShape } from './architecture.js';

export interface MobilenetOptions extends ModelShape {
  /** The width multiplier (Keras's alpha): every layer's channels times this. */
  readonly width: number;
}

/** Pointwise channels and depthwise stride of each separable block. */
const BLOCKS = [
  { channels: 32, strides: 1 },
  { channels: 64, strides: 2 },
  { channels: 64, strides: 1 },
  { channels: 128, strides: 2 },
] as const;

export function mobilenetArchitecture(options: MobilenetOptions): Architecture {
  const layers: ArchitectureLayer[] = [
    { kind: 'input', name: 'input', shape: options.inputShape },
    { kind: 'conv', name: 'conv1', input: 'input', filters: scaledChannels(16, options.width), kernelSize: 3, strides: 2 },
    { kind: 'batch_norm', name: 'conv1_bn', input: 'conv1' },
    { kind: 'relu6', name: 'conv1_relu', input: 'conv1_bn' },
  ];
  let x = 'conv1_relu';
  BLOCKS.forEach(({ channels, strides }, i) => {
    const dw = `conv_dw_${i + 1}`;
    const pw = `conv_pw_${i + 1}`;
    layers.push(
      { kind: 'depthwise', name: dw, input: x, kernelSize: 3, strides },
      { kind: 'batch_norm', name: `${dw}_bn`, input: dw },
      { kind: 'relu6', name: `${dw}_relu`, input: `${dw}_bn` },
      { kind: 'conv', name: pw, input: `${dw}_relu`, filters: scaledChannels(channels, options.width), kernelSize: 1, strides: 1 },
      { kind: 'batch_norm', name: `${pw}_bn`, input: pw },
      { kind: 'relu6', name: `${pw}_relu`, input: `${pw}_bn` },
    );
    x = `${pw}_relu`;
  });
  layers.push({ kind: 'global_average_pool', name: 'avg_pool', input: x });
  layers.push({ kind: 'dense', name: 'predictions', input: 'avg_pool', units: options.classes });
  return { name: 'mobilenet', layers };
}
