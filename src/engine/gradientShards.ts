/**
 * Gradient shards per batch on the wasm backend. Fixed, not the machine's core count: the shards
 * decide the numbers (each is summed separately, in order), the threads only the speed, so a
 * recipe trains to the same weights on one core as on many. Apart from train.ts, which loads
 * TF.js, so the CLI's --threads check and the cache keys read it without loading the engine.
 */
export const GRADIENT_SHARDS = 2;
