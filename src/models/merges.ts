/**
 * The TF.js layers that join branches, with what they do in words (from the layer kinds).
 * Compaction cannot rewrite through them (a removed channel would have to go from every branch at
 * once), so compact export refuses them — at plan time when the model's description shows one,
 * in the engine otherwise.
 */
export { MERGE_LAYERS } from '../layers/index.js';

export const COMPACT_CHAIN_ONLY = 'compaction supports simple chains of layers only';
