/**
 * Which TF.js layer classes ONNX export (src/export/onnx) converts, as data the planner reads so
 * that a model it cannot write is refused before the run trains, not after. The converters
 * themselves live in the export layer and are checked against this list by a test.
 */

/** The classes export/onnx writes, with the ONNX ops each becomes (for messages and docs). */
export const ONNX_EXPORTABLE: Readonly<Record<string, string>> = {
  InputLayer: 'the graph input, NCHW',
  Conv2D: 'Conv',
  DepthwiseConv2D: 'Conv with group = input channels',
  SeparableConv2D: 'a grouped Conv and a 1×1 Conv',
  Dense: 'Gemm',
  BatchNormalization: 'BatchNormalization (moving statistics)',
  ZeroPadding2D: 'Pad (constant zeros)',
  MaxPooling2D: 'MaxPool',
  AveragePooling2D: 'AveragePool',
  GlobalAveragePooling2D: 'GlobalAveragePool and Flatten',
  ReLU: 'Relu, or Clip for a max value',
  Activation: 'its activation op',
  Dropout: 'nothing (inference)',
  Flatten: 'Flatten',
  Add: 'Add',
  Multiply: 'Mul',
  Average: 'Mean',
  Maximum: 'Max',
  Minimum: 'Min',
  Concatenate: 'Concat',
};

/** Why a class cannot be exported to ONNX, or null when it can. */
export function onnxExportRefusal(className: string): string | null {
  if (Object.hasOwn(ONNX_EXPORTABLE, className)) return null;
  return `ONNX export has no conversion for ${className} layers (it converts ${Object.keys(ONNX_EXPORTABLE).filter((c) => c !== 'InputLayer').join(', ')})`;
}
