/**
 * The TF.js layers that join branches, with what they do in words. Compaction cannot rewrite
 * through them (a removed channel would have to go from every branch at once), so compact export
 * refuses them — at plan time when the model's description shows one, in the engine otherwise.
 */
export const MERGE_LAYERS: Readonly<Record<string, string>> = {
  Add: 'a residual add',
  Concatenate: 'a concatenation',
  Multiply: 'a multiplication of branches',
  Average: 'an average of branches',
  Maximum: 'a maximum of branches',
  Minimum: 'a minimum of branches',
  Subtract: 'a subtraction of branches',
  Dot: 'a dot product of branches',
};

export const COMPACT_CHAIN_ONLY = 'compaction supports simple chains of layers only';
