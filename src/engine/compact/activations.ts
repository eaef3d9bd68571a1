/**
 * Element-wise activations evaluated on one number: the constant a dead channel outputs is
 * act(bias), and an Activation layer on its path maps that constant again. Only functions that
 * act on each value alone belong here (softmax does not: it mixes channels). Formulas follow
 * tfjs-layers' activations.ts.
 */

const SELU_ALPHA = 1.6732632423543772;
const SELU_SCALE = 1.0507009873554805;

const ELEMENTWISE: Readonly<Record<string, (x: number) => number>> = {
  linear: (x) => x,
  relu: (x) => Math.max(0, x),
  relu6: (x) => Math.min(6, Math.max(0, x)),
  elu: (x) => (x > 0 ? x : Math.expm1(x)),
  selu: (x) => SELU_SCALE * (x > 0 ? x : SELU_ALPHA * Math.expm1(x)),
  sigmoid: (x) => 1 / (1 + Math.exp(-x)),
  tanh: (x) => Math.tanh(x),
};

export const ELEMENTWISE_ACTIVATIONS: readonly string[] = Object.keys(ELEMENTWISE);

/** The function, or null when `name` is not an element-wise activation compaction knows. */
export function elementwiseActivation(name: unknown): ((x: number) => number) | null {
  return typeof name === 'string' && Object.hasOwn(ELEMENTWISE, name) ? ELEMENTWISE[name]! : null;
}
