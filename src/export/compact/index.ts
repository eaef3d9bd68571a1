/** Public surface of compact export: rebuild a pruned model without its dead output channels. */
export { compactModel } from './compactModel.js';
export { COMPACT_UNSUPPORTED } from './unsupported.js';
export type { CompactedLayer, CompactResult } from './types.js';
