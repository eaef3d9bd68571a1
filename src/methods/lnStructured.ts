/** ln_structured: removes whole channels of smallest Ln norm (torch's LnStructured). */
import type { Amount } from '../prune/amount.js';
import { formatAxisSpec } from '../prune/axis.js';
import { formatNorm, normOrderFor, type NormOption } from '../prune/norm.js';
import type { AxisSpec, NormSpec } from '../prune/spec.js';
import { lnStructured as lnMethod } from '../prune/structured.js';
import { attempt, planChannels } from './checks.js';
import { placeAxis, recorded } from './place.js';
import { channelOutcome, formatAmount, rankText } from './text.js';
import type { AmountOptions, AxisOptions, ImportanceOption, MethodContext, MethodDescriptor } from './types.js';

/** `n`: the core's NormOption (prune/norm.ts). */
export interface LnStructuredSpec extends NormOption {
  readonly method: 'ln_structured';
  readonly amount: Amount;
  readonly axis: AxisSpec;
  /** Whole channel groups (api/groupNorm.ts) instead of the parameter alone; absent: the parameter alone. */
  readonly groups?: true;
}

export type LnStructuredOptions = AmountOptions & AxisOptions & NormOption & ImportanceOption;

function create(spec: LnStructuredSpec, context: MethodContext) {
  const { axis, record } = placeAxis(spec.axis, context);
  const order = normOrderFor(spec.n, context.shape.length - 1, context.paramName);
  // n as written (fro stays fro in the history even though it ranks as 2).
  return recorded(lnMethod(spec.amount, order, axis), { n: spec.n, ...record });
}

export const lnStructured = {
  name: 'ln_structured',
  summary: 'removes whole channels of smallest Ln norm',
  traits: { amount: 'channels', axis: 'required', seeded: false, importance: true },
  fields: [
    { key: 'n', required: true, locate: [], purpose: 'its norm order', hint: 'ln_structured ranks channels by their Ln norm: n: 2 for L2, 1 for L1, inf, -inf or fro' },
    { key: 'groups', required: false, locate: [], purpose: 'pruning whole channel groups' },
  ],
  global: null,
  resolve: (fields, { amount, axis }) => ({
    method: 'ln_structured',
    amount,
    n: (fields['n'] as NormSpec | undefined) ?? 2,
    axis: axis ?? { kind: 'torch_dim', dim: 0 },
    // Absent when false, so a recipe without it resolves (and keys its cache) as before.
    ...(fields['groups'] === true ? { groups: true as const } : {}),
  }),
  describe: (spec) => `ln_structured ${formatAmount(spec.amount, 'channels')} (n=${String(spec.n)}, ${formatAxisSpec(spec.axis)}${spec.groups === true ? ', whole channel groups' : ''})`,
  plan: (spec, context) =>
    planChannels(spec.amount, spec.axis, context, () => {
      const { parameter } = context;
      attempt(context.at('n'), context.problems, () => normOrderFor(spec.n, parameter.shape.length - 1, parameter.name));
    }),
  outcome: (spec, context) => channelOutcome(spec, context, `, ${rankText(context.importance, `${formatNorm(spec.n)} norm`)}`),
  create,
  api: {
    name: 'lnStructured',
    build: (options, call) => {
      const amount = call.amount(options);
      const axis = call.axis(options);
      return create({ method: 'ln_structured', amount, n: options.n, axis }, call.methodContext(0));
    },
  },
} satisfies MethodDescriptor<LnStructuredSpec, 'lnStructured', LnStructuredOptions>;
