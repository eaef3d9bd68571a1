/** Public surface of src/runs: the run folder, its files' formats and provenance helpers. */
export { RunDirectory, formatRunTime } from './runDirectory.js';
export { RUN_STATUSES, type ManifestStatus, type RunStatus } from './runStatus.js';
export {
  encodeSafetensors,
  decodeSafetensors,
  SAFETENSORS_DTYPES,
  type SafetensorsDType,
  type SafetensorsTensor,
  type NamedTensorInput,
  type DecodedSafetensors,
} from '../formats/safetensors.js';
export { gitInfo, nodeInfo, packageVersions, type GitInfo, type NodeInfo } from './manifest.js';
export {
  MetricsWriter,
  formatMetricsLine,
  parseMetricsJsonl,
  METRICS_FILE,
  METRICS_PHASES,
  type MetricsLine,
  type MetricsEntry,
  type MetricsRecord,
  type MetricsPhase,
} from './metrics.js';
