/**
 * Where a model.json's modelTopology keeps its layers: Keras-saved models nest the topology under
 * model_config, TF.js-saved ones do not, and very old Keras Sequential models list the layers as
 * the config itself. A topology without a layer list is no LayersModel (a graph model's is a
 * GraphDef of nodes).
 */

export interface LayerJson {
  class_name?: unknown;
  config?: { name?: unknown } & Record<string, unknown>;
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function modelConfigOf(topology: Record<string, unknown>): Record<string, unknown> {
  return isRecord(topology.model_config) ? topology.model_config : topology;
}

/** The layers' JSON, or null when the topology has no layer list. */
export function topologyLayers(topology: Record<string, unknown>): LayerJson[] | null {
  const modelConfig = modelConfigOf(topology);
  const config = modelConfig.config;
  if (Array.isArray(config)) return config as LayerJson[]; // very old Keras Sequential
  if (isRecord(config) && Array.isArray(config.layers)) return config.layers as LayerJson[];
  return null;
}
