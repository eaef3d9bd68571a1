/** identity: prunes nothing; torch uses it to start tracking a parameter with a mask of ones. */
import { identity as identityMethod } from '../prune/fixed.js';
import type { MethodDescriptor } from './types.js';

export interface IdentitySpec {
  readonly method: 'identity';
}

export const identity = {
  name: 'identity',
  summary: 'prunes nothing (it starts tracking a mask of ones)',
  traits: { amount: null, axis: null, seeded: false, importance: false },
  fields: [],
  global: null,
  resolve: () => ({ method: 'identity' }),
  describe: () => 'identity',
  plan: (_spec, context) => ({ layout: context.layout, axis: null, composes: context.composes }),
  outcome: (_spec, { planned }) =>
    planned.composes ? 'keeps its mask (identity prunes nothing)' : 'starts a mask of ones (identity prunes nothing)',
  create: () => identityMethod(),
  api: { name: 'identity', build: () => identityMethod() },
} satisfies MethodDescriptor<IdentitySpec, 'identity', void>;
