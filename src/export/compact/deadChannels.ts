/**
 * Dead output channels: those whose whole kernel slice is exactly zero. Such a channel ignores its
 * input and outputs act(bias) everywhere. The layer kind names the kernel's output-channel axes,
 * always the trailing ones: the last for Conv2D [kh, kw, in, out], Dense [in, out] and
 * SeparableConv2D's pointwise kernel; for a DepthwiseConv2D kernel [kh, kw, in, multiplier] the
 * output channel is in·multiplier + m, i.e. the last two axes together.
 */
import type { ParamKind } from '../../layers/index.js';
import type { HostArray } from './hostArray.js';

export function deadOutputChannels(kernel: HostArray, param: ParamKind): number[] {
  const rank = kernel.shape.length;
  if (param.out.length === 0 || param.out.some((axis, i) => axis !== rank - param.out.length + i)) {
    throw new Error(`internal: the output axes of '${param.name}' are not its trailing axes`);
  }
  const channels = kernel.shape.slice(-param.out.length).reduce((p, d) => p * d, 1);
  const alive = new Uint8Array(channels);
  const values = kernel.values;
  for (let i = 0; i < values.length; i++) if (values[i] !== 0) alive[i % channels] = 1;
  const dead: number[] = [];
  for (let c = 0; c < channels; c++) if (alive[c] === 0) dead.push(c);
  return dead;
}
