/** The `expect:` gates checked against hand-made RunRecords: every kind, pass and fail, with the numbers. */
import { describe, expect, it } from 'vitest';
import type { ExpectationName } from '../../src/recipe/types.js';
import { checkExpectations, failedExpectations, formatExpectationValue } from '../../src/runs/expectations.js';
import type { CompactEntry, RunRecord } from '../../src/runs/record.js';
import { makeRunRecord } from '../helpers/runRecord.js';

const check = (name: ExpectationName, limit: number, record: RunRecord = makeRunRecord()) => {
  const [result] = checkExpectations([{ name, limit }], record);
  return result!;
};

function withCompact(parametersAfter: number): RunRecord {
  const compact: CompactEntry = { layers: [], parametersBefore: 410, parametersAfter, bytes: { dense: 4096, denseGzipped: 2048, compact: 1024 }, comparison: null };
  return { ...makeRunRecord(), compact };
}

describe('checkExpectations', () => {
  // makeRunRecord: accuracy 90% before pruning, 80% pruned, 85% at the end; 80 of 400 pruned entries are zero (20%), 80 of 410 overall.
  it('final_accuracy_min: passes at or above the limit, fails below it by the points missing', () => {
    expect(check('final_accuracy_min', 0.85)).toMatchObject({ passed: true, actual: 0.85, shortfall: null, message: 'final accuracy 85.00%, which meets the minimum 85.00%' });
    const failed = check('final_accuracy_min', 0.9);
    expect(failed).toMatchObject({ name: 'final_accuracy_min', limit: 0.9, actual: 0.85, passed: false });
    expect(failed.shortfall).toBeCloseTo(0.05, 12);
    expect(failed.message).toBe('final accuracy 85.00% is below the minimum 90.00% by 5.00 points');
  });

  it('final_accuracy_min takes the last evaluation, whichever point it is', () => {
    expect(check('final_accuracy_min', 0.81, makeRunRecord({ accuracy: [0.9, 0.95, 0.8] }))).toMatchObject({ passed: false, actual: 0.8 });
  });

  it('accuracy_drop_max: before pruning minus final, in points, with both accuracies', () => {
    const passed = check('accuracy_drop_max', 0.06);
    expect(passed.passed).toBe(true);
    expect(passed.actual).toBeCloseTo(0.05, 12);
    expect(passed.message).toBe('accuracy dropped by 5.00 points (90.00% before pruning → 85.00% final), which is within the maximum drop of 6.00 points');
    const failed = check('accuracy_drop_max', 0.005);
    expect(failed.passed).toBe(false);
    expect(failed.shortfall).toBeCloseTo(0.045, 12);
    expect(failed.message).toBe('accuracy dropped by 5.00 points (90.00% before pruning → 85.00% final), more than the maximum drop of 0.50 points by 4.50 points');
  });

  it('accuracy_drop_max: a gain passes a zero limit, and a negative limit asks for a gain', () => {
    const gained = makeRunRecord({ accuracy: [0.8, 0.7, 0.82] });
    expect(check('accuracy_drop_max', 0, gained)).toMatchObject({ passed: true, message: expect.stringMatching(/^accuracy rose by 2\.00 points \(80\.00% before pruning → 82\.00% final\)/) });
    expect(check('accuracy_drop_max', -0.01, gained).passed).toBe(true);
    const failed = check('accuracy_drop_max', -0.05, gained);
    expect(failed.passed).toBe(false);
    expect(failed.message).toBe('accuracy rose by 2.00 points (80.00% before pruning → 82.00% final), short of the required gain of 5.00 points by 3.00 points');
  });

  it('reads a sparsity limit as round(limit · n) entries, as an amount: 90% of 59,838 entries is 53,854 (89.99967%)', () => {
    const pruned = { count: 59838, zeros: 53854, sparsity: 53854 / 59838 };
    const record: RunRecord = { ...makeRunRecord(), globalPruned: pruned };
    expect(pruned.sparsity).toBeLessThan(0.9);
    expect(check('global_sparsity_min', 0.9, record)).toMatchObject({ passed: true, actual: pruned.sparsity, shortfall: null });
    expect(check('global_sparsity_max', 0.9, record).passed).toBe(true);
    // One entry fewer is a miss, and says so in entries.
    const fewer: RunRecord = { ...makeRunRecord(), globalPruned: { count: 59838, zeros: 53853, sparsity: 53853 / 59838 } };
    expect(check('global_sparsity_min', 0.9, fewer)).toMatchObject({
      passed: false,
      message: 'global sparsity of the pruned parameters 90.00% is below the minimum 90.00% by 0.0020 points (1 entry short, of 59838)',
    });
    const more: RunRecord = { ...makeRunRecord(), globalPruned: { count: 59838, zeros: 53855, sparsity: 53855 / 59838 } };
    expect(check('global_sparsity_max', 0.9, more).passed).toBe(false);
  });

  it('does not fail a gate set exactly at what was reached because a difference of fractions rounds up', () => {
    // 0.95 − 0.945 is 0.0050000000000000044 in binary floating point.
    const record = makeRunRecord({ accuracy: [0.95, 0.9, 0.945] });
    expect(0.95 - 0.945).toBeGreaterThan(0.005);
    expect(check('accuracy_drop_max', 0.005, record).passed).toBe(true);
    // One image in 200 more is a real miss.
    expect(check('accuracy_drop_max', 0.005, makeRunRecord({ accuracy: [0.95, 0.9, 0.94] })).passed).toBe(false);
  });

  it('global_sparsity_min and global_sparsity_max: over the pruned parameters', () => {
    expect(check('global_sparsity_min', 0.2)).toMatchObject({ passed: true, actual: 0.2 });
    expect(check('global_sparsity_min', 0.9)).toMatchObject({
      passed: false,
      message: 'global sparsity of the pruned parameters 20.00% is below the minimum 90.00% by 70.00 points (280 entries short, of 400)',
    });
    expect(check('global_sparsity_max', 0.25)).toMatchObject({ passed: true, message: 'global sparsity of the pruned parameters 20.00%, which is within the maximum 25.00%' });
    const over = check('global_sparsity_max', 0.15);
    expect(over).toMatchObject({ passed: false, message: 'global sparsity of the pruned parameters 20.00% is above the maximum 15.00% by 5.00 points (20 entries over, of 400)' });
    expect(over.shortfall).toBeCloseTo(0.05, 12);
  });

  it('model_sparsity_min: over every trainable parameter (80 of 410)', () => {
    const result = check('model_sparsity_min', 0.2);
    expect(result.actual).toBe(80 / 410);
    expect(result).toMatchObject({ passed: false, message: 'sparsity over all trainable parameters 19.51% is below the minimum 20.00% by 0.49 points (2 entries short, of 410)' });
    expect(check('model_sparsity_min', 0.19).passed).toBe(true);
  });

  it('compact_parameters_max: a count, compared exactly', () => {
    expect(check('compact_parameters_max', 300, withCompact(300))).toMatchObject({ passed: true, actual: 300, message: 'the compact model has 300 parameters, which is within the maximum 300' });
    expect(check('compact_parameters_max', 299, withCompact(300))).toMatchObject({
      passed: false,
      shortfall: 1,
      message: 'the compact model has 300 parameters, more than the maximum 299 by 1',
    });
  });

  it('fails what the run did not measure, saying why, with no value', () => {
    const none: RunRecord = { ...makeRunRecord(), evaluations: [], globalPruned: null, globalModel: null };
    expect(check('final_accuracy_min', 0.5, none)).toEqual({
      name: 'final_accuracy_min',
      limit: 0.5,
      actual: null,
      passed: false,
      shortfall: null,
      message: 'final accuracy was not measured: the run has no evaluation',
    });
    const onlyFinal: RunRecord = { ...makeRunRecord(), evaluations: makeRunRecord().evaluations.slice(1) };
    expect(check('accuracy_drop_max', 0.1, onlyFinal)).toMatchObject({ passed: false, actual: null, message: 'accuracy drop was not measured: the run has no evaluation before pruning' });
    expect(check('global_sparsity_min', 0.1, none).message).toBe('global sparsity of the pruned parameters was not measured: no parameter carries a mask at the end');
    expect(check('model_sparsity_min', 0.1, none).message).toBe('sparsity over all trainable parameters was not measured: the run did not export its model');
    expect(check('compact_parameters_max', 10).message).toBe('compact model parameters was not measured: the run wrote no compact model');
  });

  it('fails a NaN accuracy instead of comparing it, and keeps JSON free of NaN', () => {
    const record = makeRunRecord({ accuracy: [0.9, 0.8, Number.NaN] });
    const result = check('final_accuracy_min', 0.1, record);
    expect(result).toEqual({
      name: 'final_accuracy_min',
      limit: 0.1,
      actual: null,
      passed: false,
      shortfall: null,
      message: 'final accuracy is not a number (NaN), so it cannot meet the minimum 10.00%',
    });
    expect(check('accuracy_drop_max', 1, record)).toMatchObject({ passed: false, actual: null, message: expect.stringMatching(/^accuracy drop is not a number \(NaN\)/) });
  });

  it('keeps the given order and shows small misses with enough digits', () => {
    const results = checkExpectations(
      [
        { name: 'final_accuracy_min', limit: 0.85001 },
        { name: 'global_sparsity_min', limit: 0.1 },
      ],
      makeRunRecord(),
    );
    expect(results.map((r) => [r.name, r.passed])).toEqual([
      ['final_accuracy_min', false],
      ['global_sparsity_min', true],
    ]);
    expect(results[0]!.message).toBe('final accuracy 85.00% is below the minimum 85.00% by 0.0010 points');
    expect(failedExpectations(results).map((r) => r.name)).toEqual(['final_accuracy_min']);
    expect(failedExpectations(undefined)).toEqual([]);
  });
});

describe('formatExpectationValue', () => {
  it('shows fractions as percentages, the drop in points, counts as they are', () => {
    expect(formatExpectationValue('final_accuracy_min', 0.9512)).toBe('95.12%');
    expect(formatExpectationValue('accuracy_drop_max', 0.005)).toBe('0.50 points');
    expect(formatExpectationValue('compact_parameters_max', 1234)).toBe('1234');
    expect(formatExpectationValue('global_sparsity_min', null)).toBe('not measured');
  });
});
