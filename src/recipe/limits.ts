/**
 * How much a recipe may make prune-run read and build. A recipe is data from anywhere (a pull
 * request, a colleague, a download), and a few bytes can ask for millions of tasks (`repeat:
 * 5000000`) or nest a value thousands of levels deep; each limit below stops that with a located
 * error before anything is planned, while sitting far above what a real recipe needs (the shipped
 * recipes are under 5 KB, nest 7 levels, have at most 6 stages and repeat at most 3 times). The
 * README's "Limits" section states them; the schema's `maximum`/`maxItems` for stages, repeat,
 * epochs, batch_size, classes and input_shape are these numbers too (test/recipe/limits.test.ts
 * checks that they agree).
 */
export const RECIPE_LIMITS = {
  /** The recipe file's size in bytes (1 MiB); a larger file is not read past this. */
  bytes: 1024 * 1024,
  /** Levels of mappings and lists inside one another (a recipe's selectors sit at level 7). */
  depth: 64,
  /** Entries of `stages`. */
  stages: 100,
  /** A stage's `repeat` (prune–fine-tune cycles; lottery-ticket papers use up to about 30). */
  repeat: 100,
  /** Prune–fine-tune cycles of the whole recipe: the sum of every stage's repeat. */
  cycles: 1000,
  /**
   * Parameters pruned over the whole plan, counting each parameter once per target (or global
   * step, or remove) per cycle that picks it: the size of the plan's pruning work.
   */
  plannedPrunes: 100_000,
  /** Mask updates one schedule makes (a schedule with every: 1 updates at every training step). */
  maskUpdates: 100_000,
  /** Epochs of one training or fine-tune (`epochs`): the work of a run grows with them. */
  epochs: 10_000,
  /** Images per training step (`batch_size`): a batch's activations and gradients are in memory at once. */
  batchSize: 4096,
  /** A builtin model's classes: its last dense layer has this many units. */
  classes: 100_000,
  /** A builtin model's input height, width and channels, each (`input_shape`). */
  inputSide: 4096,
  /** Values of one input image (height × width × channels): ImageNet's 224×224×3 is 150,528. */
  inputValues: 16_777_216,
} as const;

/** 1048576 → "1,048,576": limits and values are read by people. */
export function formatCount(n: number): string {
  return n.toLocaleString('en-US');
}
