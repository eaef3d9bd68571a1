/**
 * The `expect:` gates, checked against a finished run's RunRecord: a pure function, so that what
 * makes a CI build fail can be tested without running anything. Each result says the limit, the
 * run's value, whether it passed and by how much it missed, in words with the numbers.
 */
import type { Expectation, ExpectationName } from '../recipe/types.js';
import { pythonRound } from '../prune/index.js';
import type { ExpectationResult, RunRecord, SparsityFigures } from './record.js';

/**
 * Accuracy gates are compared with this much slack: accuracies are ratios of counts, and a
 * difference of two (95.0% − 94.5% = 0.0050000000000000044) must not fail a gate set at exactly
 * what was reached (0.005). Far below one image in a million. (Sparsity gates compare entries.)
 */
export const FRACTION_TOLERANCE = 1e-9;

type Direction = 'min' | 'max';

/** A value the run measured, or why there is none. */
type Measured = { readonly value: number; readonly entries?: SparsityFigures } | { readonly missing: string };

interface Gate {
  readonly direction: Direction;
  readonly unit: 'fraction' | 'count';
  /** What is measured, as the message names it. */
  readonly label: string;
  readonly measure: (record: RunRecord) => Measured;
}

const percent = (x: number) => `${(x * 100).toFixed(2)}%`;

/** A difference of fractions in percentage points, with enough digits to not show a miss as 0.00. */
function points(difference: number): string {
  const p = Math.abs(difference) * 100;
  const text = p.toFixed(2);
  return `${text === '0.00' && p > 0 ? p.toPrecision(2) : text} points`;
}

const entryCount = (n: number) => `${n} ${n === 1 ? 'entry' : 'entries'}`;

function finalAccuracy(record: RunRecord): Measured {
  const last = record.evaluations[record.evaluations.length - 1];
  return last === undefined ? { missing: 'the run has no evaluation' } : { value: last.accuracy };
}

function beforePruningAccuracy(record: RunRecord): Measured {
  const before = record.evaluations.find((e) => e.point === 'before-pruning');
  return before === undefined ? { missing: 'the run has no evaluation before pruning' } : { value: before.accuracy };
}

function sparsityOf(figures: SparsityFigures | null, missing: string): Measured {
  return figures === null ? { missing } : { value: figures.sparsity, entries: figures };
}

const GATES: Readonly<Record<ExpectationName, Gate>> = {
  final_accuracy_min: { direction: 'min', unit: 'fraction', label: 'final accuracy', measure: finalAccuracy },
  accuracy_drop_max: {
    direction: 'max',
    unit: 'fraction',
    label: 'accuracy drop',
    measure: (record) => {
      const before = beforePruningAccuracy(record);
      const final = finalAccuracy(record);
      if ('missing' in before) return before;
      if ('missing' in final) return final;
      return { value: before.value - final.value };
    },
  },
  global_sparsity_min: {
    direction: 'min',
    unit: 'fraction',
    label: 'global sparsity of the pruned parameters',
    measure: (record) => sparsityOf(record.globalPruned, 'no parameter carries a mask at the end'),
  },
  global_sparsity_max: {
    direction: 'max',
    unit: 'fraction',
    label: 'global sparsity of the pruned parameters',
    measure: (record) => sparsityOf(record.globalPruned, 'no parameter carries a mask at the end'),
  },
  model_sparsity_min: {
    direction: 'min',
    unit: 'fraction',
    label: 'sparsity over all trainable parameters',
    measure: (record) => sparsityOf(record.globalModel, 'the run did not export its model'),
  },
  compact_parameters_max: {
    direction: 'max',
    unit: 'count',
    label: 'compact model parameters',
    measure: (record) => (record.compact === undefined ? { missing: 'the run wrote no compact model' } : { value: record.compact.parametersAfter }),
  },
};

/** Whether a gate's values are fractions (accuracies, sparsities) or counts (parameters); null for a name this version does not know. */
export function expectationUnit(name: string): 'fraction' | 'count' | null {
  return Object.hasOwn(GATES, name) ? GATES[name as ExpectationName].unit : null;
}

/** The value as the message shows it: a percentage, a count, or for the drop both accuracies too. */
function describeValue(name: ExpectationName, value: number, record: RunRecord): string {
  const gate = GATES[name];
  if (name === 'accuracy_drop_max') {
    const before = beforePruningAccuracy(record);
    const final = finalAccuracy(record);
    const around = 'value' in before && 'value' in final ? ` (${percent(before.value)} before pruning → ${percent(final.value)} final)` : '';
    return `accuracy ${value >= 0 ? 'dropped' : 'rose'} by ${points(value)}${around}`;
  }
  if (name === 'compact_parameters_max') return `the compact model has ${value} parameters`;
  return `${gate.label} ${gate.unit === 'fraction' ? percent(value) : String(value)}`;
}

function describeLimit(name: ExpectationName, limit: number): string {
  const gate = GATES[name];
  const bound = gate.direction === 'min' ? 'minimum' : 'maximum';
  // The drop's limit is a difference, said in points as the drop itself is; a negative one asks for a gain.
  if (name === 'accuracy_drop_max') return limit >= 0 ? `the maximum drop of ${points(limit)}` : `the required gain of ${points(limit)}`;
  return `the ${bound} ${gate.unit === 'fraction' ? percent(limit) : String(limit)}`;
}

function checkOne(expectation: Pick<Expectation, 'name' | 'limit'>, record: RunRecord): ExpectationResult {
  const { name, limit } = expectation;
  const gate = GATES[name];
  const measured = gate.measure(record);
  const failed = (message: string, actual: number | null = null): ExpectationResult => ({ name, limit, actual, passed: false, shortfall: null, message });
  if ('missing' in measured) return failed(`${gate.label} was not measured: ${measured.missing}`);
  const value = measured.value;
  // NaN passes no comparison; say so rather than print "NaN% is below …".
  if (!Number.isFinite(value)) return failed(`${gate.label} is not a number (${String(value)}), so it cannot meet ${describeLimit(name, limit)}`);

  const over = gate.direction === 'min' ? limit - value : value - limit;
  const shown = describeValue(name, value, record);
  // A sparsity limit means what an amount of that fraction means: round(limit · n) entries (half
  // to even, as torch), so `global_sparsity_min: 0.9` passes a run that pruned `amount: 0.9` of an
  // n not divisible by 10. Other fractions get the tolerance; counts are exact.
  const entries = measured.entries === undefined ? null : { ...measured.entries, limit: pythonRound(limit * measured.entries.count) };
  const passed =
    entries !== null
      ? gate.direction === 'min' ? entries.zeros >= entries.limit : entries.zeros <= entries.limit
      : over <= (gate.unit === 'fraction' ? FRACTION_TOLERANCE : 0);
  if (passed) {
    const relation = gate.direction === 'min' ? 'meets' : 'is within';
    return { name, limit, actual: value, passed: true, shortfall: null, message: `${shown}, which ${relation} ${describeLimit(name, limit)}` };
  }
  const missingEntries =
    entries === null ? '' : ` (${entryCount(Math.abs(entries.limit - entries.zeros))} ${gate.direction === 'min' ? 'short' : 'over'}, of ${entries.count})`;
  const by = gate.unit === 'fraction' ? `${points(over)}${missingEntries}` : String(over);
  const side = gate.direction === 'min' ? 'below' : 'above';
  // "accuracy dropped by …, more than the maximum drop of …" reads; "… is above the maximum drop" would not.
  const message =
    name === 'accuracy_drop_max'
      ? `${shown}, ${limit >= 0 ? 'more than' : 'short of'} ${describeLimit(name, limit)} by ${by}`
      : name === 'compact_parameters_max'
        ? `${shown}, more than ${describeLimit(name, limit)} by ${by}`
        : `${shown} is ${side} ${describeLimit(name, limit)} by ${by}`;
  return { name, limit, actual: value, passed: false, shortfall: over, message };
}

/** Every gate's outcome, in the order given (the resolver's EXPECTATION_NAMES order). */
export function checkExpectations(expectations: readonly Pick<Expectation, 'name' | 'limit'>[], record: RunRecord): ExpectationResult[] {
  return expectations.map((e) => checkOne(e, record));
}

/** The results that failed, for the exit status and stderr. */
export function failedExpectations(results: readonly ExpectationResult[] | undefined): ExpectationResult[] {
  return (results ?? []).filter((r) => !r.passed);
}

/** A limit or value as reports show it: fractions as percentages, the drop in points, counts as they are. */
export function formatExpectationValue(name: string, value: number | null): string {
  if (value === null) return 'not measured';
  const gate = (GATES as Readonly<Record<string, Gate | undefined>>)[name];
  if (gate === undefined || gate.unit === 'count') return String(value);
  if (name === 'accuracy_drop_max') return `${(value * 100).toFixed(2)} points`;
  return percent(value);
}
