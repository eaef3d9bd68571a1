/** l1_unstructured: removes the entries of smallest magnitude (torch's L1Unstructured). */
import type { Amount } from '../prune/amount.js';
import { l1Unstructured as l1Method } from '../prune/unstructured.js';
import { planEntries } from './checks.js';
import { formatAmount, howMany, onTop, rankText } from './text.js';
import type { AmountOptions, ImportanceOption, MethodDescriptor } from './types.js';

export interface L1UnstructuredSpec {
  readonly method: 'l1_unstructured';
  readonly amount: Amount;
}

export type L1UnstructuredOptions = AmountOptions & ImportanceOption;

export const l1Unstructured = {
  name: 'l1_unstructured',
  summary: 'removes the entries of smallest magnitude',
  traits: { amount: 'entries', axis: null, seeded: false, importance: true },
  fields: [],
  global: { apiName: 'l1', capped: true },
  resolve: (_fields, { amount }) => ({ method: 'l1_unstructured', amount }),
  describe: (spec) => `l1_unstructured ${formatAmount(spec.amount)}`,
  plan: (spec, context) => planEntries(spec.amount, context),
  outcome: (spec, { planned, size, importance }) =>
    `${howMany(spec.amount, size, 'entries', planned.composes, 'still unpruned')}, ${rankText(importance, '|w|')}${onTop(planned.composes)}`,
  create: (spec) => l1Method(spec.amount),
  api: {
    name: 'l1Unstructured',
    build: (options, call) => l1Method(call.amount(options)),
  },
} satisfies MethodDescriptor<L1UnstructuredSpec, 'l1Unstructured', number | L1UnstructuredOptions>;
