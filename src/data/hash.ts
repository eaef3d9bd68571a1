/** Content hashes for data provenance: a manifest pins the exact bytes a run read. */
import { createHash } from 'node:crypto';

export function sha256Hex(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}
