/** A run's metrics.jsonl read back for the HTML report. */
import { readFile } from 'node:fs/promises';
import { METRICS_FILE, parseMetricsJsonl, type MetricsRecord } from '../metrics.js';
import type { RunDirectory } from '../runDirectory.js';

/**
 * Every metrics line of the run so far. Call it after awaiting a write to the folder: the folder
 * runs its operations in call order, so every line appended before is on disk. A run that wrote
 * no metrics line has no file, which is no metrics, not an error.
 */
export async function readRunMetrics(dir: RunDirectory): Promise<MetricsRecord[]> {
  let text: string;
  try {
    text = await readFile(dir.path(METRICS_FILE), 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
  return parseMetricsJsonl(text);
}
