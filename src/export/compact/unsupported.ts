/**
 * The one error compaction throws for models it cannot rebuild exactly. Every message names the
 * layer and the reason, so a user knows what to change (or that the model needs masks instead).
 */
import { EngineError } from '../../errors.js';
import type { NamedLayer } from './chain.js';

export const COMPACT_UNSUPPORTED = 'COMPACT_UNSUPPORTED';

export function unsupported(layer: NamedLayer, reason: string): EngineError {
  return new EngineError(COMPACT_UNSUPPORTED, `compact export: layer '${layer.name}' (${layer.className}): ${reason}`);
}
