/**
 * The attributes of a windowed op (Conv, MaxPool, AveragePool) from a TF.js layer's window.
 * TF.js's 'same' padding pads (out − 1)·stride + extent − in in all, the smaller half first, so a
 * stride-2 window on an even size pads only at the end: ONNX's auto_pad SAME_UPPER would do that
 * too, but torch writes explicit pads, and explicit pads say exactly what is computed.
 */
import type { AttributeValue } from './graph.js';

export interface Window {
  readonly kernel: readonly [number, number];
  readonly strides: readonly [number, number];
  readonly dilation: readonly [number, number];
  readonly padding: 'same' | 'valid';
}

/** A TF.js size config (a number or a pair) as a pair. */
export function pair(value: unknown, fallback: number): [number, number] {
  if (typeof value === 'number') return [value, value];
  if (Array.isArray(value) && value.length === 2 && value.every((v) => typeof v === 'number')) return [value[0] as number, value[1] as number];
  return [fallback, fallback];
}

/** ONNX pads [top, left, bottom, right] of a window over an [h, w] input. */
export function padsOf(window: Window, input: readonly [number, number]): number[] {
  if (window.padding === 'valid') return [0, 0, 0, 0];
  const begin: number[] = [];
  const end: number[] = [];
  for (let axis = 0; axis < 2; axis++) {
    const size = input[axis]!;
    const stride = window.strides[axis]!;
    const extent = (window.kernel[axis]! - 1) * window.dilation[axis]! + 1;
    const out = Math.ceil(size / stride);
    const total = Math.max((out - 1) * stride + extent - size, 0);
    begin.push(Math.floor(total / 2));
    end.push(total - Math.floor(total / 2));
  }
  return [...begin, ...end];
}

/** kernel_shape, strides, pads (and dilations for a conv) of an ONNX windowed op. */
export function windowAttributes(window: Window, input: readonly [number, number], withDilation: boolean): Record<string, AttributeValue> {
  return {
    kernel_shape: { ints: window.kernel },
    strides: { ints: window.strides },
    pads: { ints: padsOf(window, input) },
    ...(withDilation ? { dilations: { ints: window.dilation } } : {}),
  };
}
