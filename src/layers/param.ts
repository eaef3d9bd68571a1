/** Shorthand for the descriptor files: a parameter and its channel axes. */
import type { WeightLayout } from '../prune/layout.js';
import type { ParamKind } from './types.js';

export function param(name: string, axes: { out?: readonly number[]; in?: number; layout?: WeightLayout }): ParamKind {
  return { name, out: axes.out ?? [], in: axes.in ?? null, layout: axes.layout ?? null };
}

/** A bias: one entry per output channel. */
export const BIAS = param('bias', { out: [0] });
