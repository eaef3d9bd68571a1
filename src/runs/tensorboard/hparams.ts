/**
 * The HParams plugin's summaries (tensorboard/plugins/hparams/summary.py writes the same): a run
 * says which hyperparameters it ran with when it starts (session_start_info) and how it ended
 * (session_end_info); a sweep says which hyperparameters and metrics its runs share (experiment),
 * with every value each took, so TensorBoard's HParams dashboard tables and filters the points.
 * The hyperparameters are the recipe values a run's --set overrides changed, by path, and its seed.
 */
import { encodeHParamsPluginData, type HParamValue, type SummaryValue } from './proto.js';

const PLUGIN_NAME = 'hparams';
/** The plugin data's version (hparams/metadata.py's PLUGIN_DATA_VERSION). */
const PLUGIN_DATA_VERSION = 0;
const DATA_CLASS_TENSOR = 2;
const STATUS = { succeeded: 1, failed: 2, interrupted: 2 } as const;
const DATA_TYPE = { string: 1, bool: 2, number: 3 } as const;

export type HParams = ReadonlyMap<string, unknown>;

/** A recipe value as an hyperparameter: numbers, strings and booleans as they are, anything else as its JSON. */
export function hparamValue(value: unknown): HParamValue {
  if (typeof value === 'number') return { number_value: value };
  if (typeof value === 'boolean') return { bool_value: value };
  if (typeof value === 'string') return { string_value: value };
  return { string_value: JSON.stringify(value) };
}

function summary(tag: string, data: Record<string, unknown>): SummaryValue {
  const content = encodeHParamsPluginData({ version: PLUGIN_DATA_VERSION, ...data });
  return { tag, metadata: { plugin_data: { plugin_name: PLUGIN_NAME, content }, data_class: DATA_CLASS_TENSOR } };
}

export function sessionStartSummary(hparams: HParams, startTime: Date): SummaryValue {
  return summary('_hparams_/session_start_info', {
    session_start_info: { hparams: Object.fromEntries([...hparams].map(([name, v]) => [name, hparamValue(v)])), start_time_secs: startTime.getTime() / 1000 },
  });
}

export function sessionEndSummary(status: keyof typeof STATUS, endTime: Date): SummaryValue {
  return summary('_hparams_/session_end_info', { session_end_info: { status: STATUS[status], end_time_secs: endTime.getTime() / 1000 } });
}

export interface ExperimentMetric {
  readonly tag: string;
  readonly displayName: string;
}

/** The experiment: every hyperparameter with the values the runs took, and the metrics to compare. */
export function experimentSummary(name: string, runs: readonly HParams[], metrics: readonly ExperimentMetric[], created: Date): SummaryValue {
  const domains = new Map<string, HParamValue[]>();
  for (const hparams of runs) {
    for (const [key, raw] of hparams) {
      const values = domains.get(key) ?? [];
      const v = hparamValue(raw);
      if (!values.some((seen) => JSON.stringify(seen) === JSON.stringify(v))) values.push(v);
      domains.set(key, values);
    }
  }
  // Sorted (numbers by value), so the experiment is the same whatever order the runs come in.
  const order = (v: HParamValue) => Object.values(v)[0] as unknown;
  for (const values of domains.values()) {
    values.sort((a, b) => {
      const [x, y] = [order(a), order(b)];
      if (typeof x === 'number' && typeof y === 'number') return x - y;
      return String(x) < String(y) ? -1 : String(x) > String(y) ? 1 : 0;
    });
  }
  const hparam_infos = [...domains].map(([key, values]) => {
    const kinds = new Set(values.map((v) => Object.keys(v)[0]));
    const type = kinds.size !== 1 ? 0 : kinds.has('number_value') ? DATA_TYPE.number : kinds.has('bool_value') ? DATA_TYPE.bool : DATA_TYPE.string;
    return { name: key, type, domain_discrete: { values } };
  });
  const metric_infos = metrics.map((m) => ({ name: { group: '', tag: m.tag }, display_name: m.displayName }));
  return summary('_hparams_/experiment', { experiment: { name, time_created_secs: created.getTime() / 1000, hparam_infos, metric_infos } });
}
