/**
 * random_unstructured: removes entries chosen by a seeded generator (torch's RandomUnstructured:
 * the same count; torch's generator cannot be reproduced, so not the same choice).
 */
import type { Amount } from '../prune/amount.js';
import { randomUnstructured as randomMethod } from '../prune/unstructured.js';
import { SeededRandom } from '../util/random.js';
import { planEntries } from './checks.js';
import { formatAmount, howMany, onTop } from './text.js';
import type { AmountOptions, MethodDescriptor, SeedOption } from './types.js';

export interface RandomUnstructuredSpec {
  readonly method: 'random_unstructured';
  readonly amount: Amount;
}

export type RandomUnstructuredOptions = AmountOptions & SeedOption;

export const randomUnstructured = {
  name: 'random_unstructured',
  summary: 'removes entries at random (seeded)',
  traits: { amount: 'entries', axis: null, seeded: true, importance: false },
  fields: [],
  global: { apiName: 'random', capped: false },
  resolve: (_fields, { amount }) => ({ method: 'random_unstructured', amount }),
  describe: (spec) => `random_unstructured ${formatAmount(spec.amount)}`,
  plan: (spec, context) => planEntries(spec.amount, context),
  outcome: (spec, { planned, size }) =>
    `${howMany(spec.amount, size, 'entries', planned.composes, 'still unpruned')} at random (seeded)${onTop(planned.composes)}`,
  create: (spec, context) => randomMethod(spec.amount, new SeededRandom(context.seed)),
  api: {
    name: 'randomUnstructured',
    build: (options, call) => randomMethod(call.amount(options), new SeededRandom(call.seed(options))),
  },
} satisfies MethodDescriptor<RandomUnstructuredSpec, 'randomUnstructured', RandomUnstructuredOptions>;
