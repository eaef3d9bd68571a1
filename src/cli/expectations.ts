/** What the command says about a finished run's `expect:` gates, and the exit status they give. */
import { failedExpectations } from '../runs/expectations.js';
import type { RunRecord } from '../runs/record.js';
import { EXPECTATIONS_FAILED_STATUS, SUCCESS_STATUS } from './exitStatus.js';

/**
 * Lists each failed gate on stderr with its numbers and returns 1 if any failed, else 0. A run
 * without gates (or one that stopped before its report checked them) passes.
 */
export function reportExpectations(record: RunRecord, stderr: (text: string) => void): number {
  const results = record.expectations ?? [];
  const failed = failedExpectations(results);
  if (failed.length === 0) {
    if (results.length > 0) stderr(`expectations: all ${results.length} passed`);
    return SUCCESS_STATUS;
  }
  for (const r of failed) stderr(`expectation failed: ${r.name}: ${r.message}`);
  stderr(`${failed.length} of ${results.length} expectation${results.length === 1 ? '' : 's'} failed (exit status ${EXPECTATIONS_FAILED_STATUS}); the run itself completed`);
  return EXPECTATIONS_FAILED_STATUS;
}
