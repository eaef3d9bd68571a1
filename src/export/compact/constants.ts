/**
 * The constant features that a producer's removed channels become on their way to the consumer.
 * Indices are on the last axis at that point of the original model: a channel itself, or after
 * Flatten one entry per spatial position. `channel` remembers which producer channel a feature
 * comes from, so that a channel is removed only if the consumer can take every feature it feeds.
 */

export interface ConstantFeature {
  /** Index on the last axis here, in the original model. */
  readonly index: number;
  /** The producer's output channel this feature comes from. */
  readonly channel: number;
  /** The value this feature has at every position and for every input. */
  readonly value: number;
}

export interface ConstantFeatures {
  /** Length of the last axis here, in the original model. */
  readonly size: number;
  /** Ascending by index. */
  readonly features: readonly ConstantFeature[];
}

export function mapValues(incoming: ConstantFeatures, f: (feature: ConstantFeature) => number): ConstantFeatures {
  return { size: incoming.size, features: incoming.features.map((feature) => ({ ...feature, value: f(feature) })) };
}

export function indicesOf(features: ConstantFeatures): number[] {
  return features.features.map((f) => f.index);
}
