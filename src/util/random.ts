/**
 * Seeded pseudo-random numbers. Every random choice prune-run makes (data split, shuffling,
 * initialisation, random pruning) draws from a stream derived from the recipe's seed, so that a
 * rerun makes the same choices. Streams are derived by label, so adding a new consumer does not
 * shift the numbers an existing one sees.
 */

/** splitmix32: small, fast, full-period 32-bit generator; good enough for shuffling and sampling. */
export class SeededRandom {
  private state: number;

  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  /** A generator whose stream depends only on this seed and the label. */
  static derive(seed: number, label: string): SeededRandom {
    let h = (seed >>> 0) ^ 0x9e3779b9;
    for (let i = 0; i < label.length; i++) {
      h = Math.imul(h ^ label.charCodeAt(i), 0x85ebca6b);
      h ^= h >>> 13;
    }
    return new SeededRandom(h >>> 0);
  }

  /** Next unsigned 32-bit integer. */
  nextUint32(): number {
    this.state = (this.state + 0x9e3779b9) >>> 0;
    let z = this.state;
    z = Math.imul(z ^ (z >>> 16), 0x21f0aaad);
    z = Math.imul(z ^ (z >>> 15), 0x735a2d97);
    return (z ^ (z >>> 15)) >>> 0;
  }

  /** Uniform float in [0, 1). */
  nextFloat(): number {
    return this.nextUint32() / 4294967296;
  }

  /** Uniform integer in [0, n). */
  nextInt(n: number): number {
    return Math.floor(this.nextFloat() * n);
  }

  /** A seed for a library that takes one (e.g. TF.js initialisers). */
  nextSeed(): number {
    return this.nextUint32() % 2147483647;
  }

  /** In-place Fisher–Yates shuffle. */
  shuffle<T extends { length: number; [i: number]: unknown }>(items: T): T {
    for (let i = items.length - 1; i > 0; i--) {
      const j = this.nextInt(i + 1);
      const tmp = items[i];
      items[i] = items[j];
      items[j] = tmp;
    }
    return items;
  }

  /** A random permutation of 0..n-1. */
  permutation(n: number): Uint32Array {
    const p = new Uint32Array(n);
    for (let i = 0; i < n; i++) p[i] = i;
    return this.shuffle(p);
  }
}

/**
 * The labelled streams of one seed, for a consumer that makes several random choices by label
 * (data/: each split's cap and shuffle): it draws from these and never handles the seed, so the
 * seed goes from the task that holds it to the generator with nothing in between.
 */
export class RandomStreams {
  readonly #seed: number;

  constructor(seed: number) {
    this.#seed = seed;
  }

  /** The stream of `label`: the same numbers as SeededRandom.derive(seed, label). */
  stream(label: string): SeededRandom {
    return SeededRandom.derive(this.#seed, label);
  }
}
