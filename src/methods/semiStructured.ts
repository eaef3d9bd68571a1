/**
 * semi_structured: keeps N of every M consecutive weights along a kernel's input axis (TF Model
 * Optimization's N:M sparsity, NVIDIA's 2:4).
 */
import { PruneError } from '../errors.js';
import { checkGroupShape, INPUT_AXIS, parsePattern, semiStructured as nmMethod, validatePattern, type NmPattern } from '../prune/semiStructured.js';
import { attempt } from './checks.js';
import { parameterText, rankText } from './text.js';
import type { ImportanceOption, MethodDescriptor } from './types.js';

export interface SemiStructuredSpec {
  readonly method: 'semi_structured';
  readonly pattern: NmPattern;
}

/** Keep `n` of every `m` consecutive weights along the kernel's input axis (2:4 is {n: 2, m: 4}). */
export type SemiStructuredOptions = { readonly n: number; readonly m: number } & ImportanceOption;

/** The schema's pattern for `pattern:`; the numbers are checked by fieldProblem. */
const NM_PATTERN = '^\\s*\\d+\\s*:\\s*\\d+\\s*$';

const NEEDS_KERNEL = 'semi_structured needs a conv2d or dense kernel, whose layout says which axis holds the inputs';

export const semiStructured = {
  name: 'semi_structured',
  summary: 'keeps N of every M consecutive weights along a kernel\'s input axis (pattern: "2:4", TF Model Optimization\'s N:M sparsity)',
  traits: { amount: null, axis: null, seeded: false, importance: true },
  fields: [
    {
      key: 'pattern',
      required: true,
      purpose: 'keep N of every M',
      locate: [],
      hint: 'semi_structured keeps N of every M consecutive inputs: pattern: "2:4"',
      textPattern: { source: NM_PATTERN, rule: 'be N:M, keep N of every M, e.g. "2:4"' },
    },
  ],
  global: null,
  // fieldProblem has checked the pattern: parsing cannot throw here.
  resolve: (fields) => ({ method: 'semi_structured', pattern: parsePattern(String(fields['pattern'] ?? '')) }),
  /** 1 ≤ N < M ≤ 64 (the core's rule, said at the value); text that is no N:M at all is the schema's. */
  fieldProblem: (fields, nameOf) => {
    const pattern = fields['pattern'];
    if (typeof pattern !== 'string' || !new RegExp(NM_PATTERN).test(pattern)) return null;
    try {
      parsePattern(pattern, nameOf('pattern'));
      return null;
    } catch (error) {
      if (!(error instanceof PruneError)) throw error;
      return { key: 'pattern', message: error.message };
    }
  },
  describe: (spec) => `semi_structured ${spec.pattern.n}:${spec.pattern.m}`,
  /** A conv2d or dense kernel whose input axis M divides (groups must tile it). */
  plan: (spec, context) => {
    const { parameter, layout } = context;
    const at = context.at('pattern');
    if (layout === null) {
      context.problems.push({ at, message: `${NEEDS_KERNEL} its groups run along, but the selector picks ${parameterText(parameter)}` });
    } else {
      attempt(at, context.problems, () => checkGroupShape(layout, parameter.shape, spec.pattern.m, parameter.name));
    }
    return { layout, axis: null, composes: context.composes };
  },
  outcome: (spec, { planned, size, importance }) => {
    if (planned.layout === null) return 'cannot be pruned N:M (not a conv2d or dense kernel)';
    const { n, m } = spec.pattern;
    const where = `along its input axis (TF.js axis ${INPUT_AXIS[planned.layout]})`;
    const rank = rankText(importance, '|w|');
    return planned.composes
      ? `keeps at most ${n} of every ${m} consecutive entries ${where}, ${rank}; entries pruned before stay pruned and count, on top of its mask`
      : `keeps ${n} of every ${m} consecutive entries ${where}: prunes ${(size / m) * (m - n)} of its ${size} entries, ${rank}`;
  },
  create: (spec, context) => {
    if (context.layout === null) {
      throw new PruneError('PRUNE_SHAPE_MISMATCH', `'${context.paramName ?? 'tensor'}': ${NEEDS_KERNEL}`);
    }
    return nmMethod(spec.pattern, context.layout);
  },
  api: {
    name: 'semiStructured',
    build: (options, call) => {
      const layout = call.layoutNeeded('semi_structured needs the kernel of a Conv2D or Dense layer, whose layout says which axis holds the inputs');
      const pattern = { n: options.n, m: options.m };
      validatePattern(pattern, call.context);
      checkGroupShape(layout, call.shape, pattern.m, call.name);
      return nmMethod(pattern, layout);
    },
  },
} satisfies MethodDescriptor<SemiStructuredSpec, 'semiStructured', SemiStructuredOptions>;
