/**
 * Activations evaluated on one number, as a layer kind needs them: the constant a dead channel
 * outputs is act(bias), and an Activation layer on its path maps that constant again (compaction);
 * a removed filter stays exactly zero through act only when act(0) = 0 (filter pruning's readers).
 * Only functions that act on each value alone belong here (softmax does not: it mixes channels).
 * Formulas follow tfjs-layers' activations.ts.
 */

const SELU_ALPHA = 1.6732632423543772;
const SELU_SCALE = 1.0507009873554805;

interface ActivationFacts {
  /** The function, when compaction evaluates it (swish it does not, yet). */
  readonly value: ((x: number) => number) | null;
  /** act(0) = 0: a channel that is zero stays zero. */
  readonly zeroAtZero: boolean;
}

const ACTIVATIONS: Readonly<Record<string, ActivationFacts>> = {
  linear: { value: (x) => x, zeroAtZero: true },
  relu: { value: (x) => Math.max(0, x), zeroAtZero: true },
  relu6: { value: (x) => Math.min(6, Math.max(0, x)), zeroAtZero: true },
  elu: { value: (x) => (x > 0 ? x : Math.expm1(x)), zeroAtZero: true },
  selu: { value: (x) => SELU_SCALE * (x > 0 ? x : SELU_ALPHA * Math.expm1(x)), zeroAtZero: true },
  sigmoid: { value: (x) => 1 / (1 + Math.exp(-x)), zeroAtZero: false },
  tanh: { value: (x) => Math.tanh(x), zeroAtZero: true },
  swish: { value: null, zeroAtZero: true },
};

function factsOf(name: unknown): ActivationFacts | null {
  return typeof name === 'string' && Object.hasOwn(ACTIVATIONS, name) ? ACTIVATIONS[name]! : null;
}

/** The activations compaction can evaluate per channel, in the order messages list them. */
export const ELEMENTWISE_ACTIVATIONS: readonly string[] = Object.keys(ACTIVATIONS).filter((name) => ACTIVATIONS[name]!.value !== null);

/** The function, or null when `name` is not an element-wise activation compaction knows. */
export function elementwiseActivation(name: unknown): ((x: number) => number) | null {
  return factsOf(name)?.value ?? null;
}

/** Whether act(0) = 0 for the activation named `name` (false for names it does not know). */
export function activationKeepsZero(name: unknown): boolean {
  return factsOf(name)?.zeroAtZero ?? false;
}
