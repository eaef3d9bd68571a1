/** random_structured: removes whole channels chosen by a seeded generator (torch's RandomStructured). */
import type { Amount } from '../prune/amount.js';
import { formatAxisSpec } from '../prune/axis.js';
import type { AxisSpec } from '../prune/spec.js';
import { randomStructured as randomMethod } from '../prune/structured.js';
import { SeededRandom } from '../util/random.js';
import { planChannels } from './checks.js';
import { placeAxis, recorded } from './place.js';
import { channelOutcome, formatAmount } from './text.js';
import type { AmountOptions, AxisOptions, MethodContext, MethodDescriptor, SeedOption } from './types.js';

export interface RandomStructuredSpec {
  readonly method: 'random_structured';
  readonly amount: Amount;
  readonly axis: AxisSpec;
}

export type RandomStructuredOptions = AmountOptions & AxisOptions & SeedOption;

function create(spec: RandomStructuredSpec, context: MethodContext) {
  const { axis, record } = placeAxis(spec.axis, context);
  return recorded(randomMethod(spec.amount, axis, new SeededRandom(context.seed)), record);
}

export const randomStructured = {
  name: 'random_structured',
  summary: 'removes whole channels at random (seeded)',
  traits: { amount: 'channels', axis: 'required', seeded: true, importance: false },
  fields: [],
  global: null,
  resolve: (_fields, { amount, axis }) => ({ method: 'random_structured', amount, axis: axis ?? { kind: 'torch_dim', dim: 0 } }),
  describe: (spec) => `random_structured ${formatAmount(spec.amount, 'channels')} (${formatAxisSpec(spec.axis)})`,
  plan: (spec, context) => planChannels(spec.amount, spec.axis, context),
  outcome: (spec, context) => channelOutcome(spec, context, ' at random (seeded)'),
  create,
  api: {
    name: 'randomStructured',
    build: (options, call) => {
      const amount = call.amount(options);
      const axis = call.axis(options);
      return create({ method: 'random_structured', amount, axis }, call.methodContext(call.seed(options)));
    },
  },
} satisfies MethodDescriptor<RandomStructuredSpec, 'randomStructured', RandomStructuredOptions>;
