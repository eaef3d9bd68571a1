/**
 * Layers that join branches. Element-wise merges (add and the like) share channel indices across
 * every input and the output; a concatenation gives each input its own range; a dot product
 * mixes them. Compaction cannot rewrite through any of them (a removed channel would have to go
 * from every branch at once), so the chain check refuses them by the words in `merge`.
 */
import type { ChannelFlow, LayerKind } from './types.js';

function merge(className: string, type: string, flow: ChannelFlow, words: string): LayerKind {
  return { className, type, params: [], outputKernel: null, flow, compaction: { role: 'none' }, merge: words };
}

export const MERGES: readonly LayerKind[] = [
  merge('Add', 'add', 'shared_index', 'a residual add'),
  merge('Concatenate', 'concatenate', 'concatenate', 'a concatenation'),
  merge('Multiply', 'multiply', 'shared_index', 'a multiplication of branches'),
  merge('Average', 'average', 'shared_index', 'an average of branches'),
  merge('Maximum', 'maximum', 'shared_index', 'a maximum of branches'),
  merge('Minimum', 'minimum', 'shared_index', 'a minimum of branches'),
  merge('Subtract', 'subtract', 'shared_index', 'a subtraction of branches'),
  merge('Dot', 'dot', 'mixes', 'a dot product of branches'),
];
