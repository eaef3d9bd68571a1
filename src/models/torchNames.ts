/**
 * Where a model's parameters live in the torch model it came from (an ONNX import, or a built-in
 * whose torch twin the README gives). Masks for torch users (`masks.torch.safetensors`) and
 * selectors written with torch names (`conv1.weight`) read this; models without a torch
 * counterpart have none.
 */

/** One TF.js parameter's torch counterpart. */
export interface TorchParameter {
  /** torch's state-dict name, e.g. `conv1.weight`, `layer1.0.bn1.bias`. */
  readonly name: string;
  /**
   * For a dense kernel that reads a flatten: the [height, width, channels] it flattens. TF.js
   * flattens in (h, w, c) order and torch in (c, h, w), so the kernel's input rows are reordered
   * between the two; without it the rows are taken as they are.
   */
  readonly flattenedFrom?: readonly [number, number, number];
}

/** TF.js parameter name (`conv1/kernel`) → its torch counterpart. */
export type TorchNames = Readonly<Record<string, TorchParameter>>;

/** The TF.js parameter name of a torch state-dict name (`conv1.weight` → `conv1/kernel`), or undefined. */
export function tfjsNameOf(torch: TorchNames | undefined, torchName: string): string | undefined {
  if (torch === undefined) return undefined;
  return Object.entries(torch).find(([, parameter]) => parameter.name === torchName)?.[0];
}

/** A torch name's module and parameter: `layer1.0.conv1.weight` → [`layer1.0.conv1`, `weight`]. */
export function splitTorchName(torchName: string): readonly [string, string] {
  const dot = torchName.lastIndexOf('.');
  return dot < 0 ? ['', torchName] : [torchName.slice(0, dot), torchName.slice(dot + 1)];
}
