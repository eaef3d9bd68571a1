/**
 * Describes a TF.js LayersModel from its model.json alone (topology + weights manifest), so that
 * selectors can be checked against the real layers before anything is run or written.
 */
import { readFile } from 'node:fs/promises';
import { RecipeError, type SourceLocation } from '../errors.js';
import {
  describeParameter,
  isTrainableParam,
  layerTypeOf,
  type LayerDescription,
  type ModelDescription,
} from './description.js';
import { inputShapeOf, windowOf, zeroPaddingOf } from './modelJsonWindow.js';
import { inboundOf, outputLayersOf } from './inbound.js';

interface LayerJson {
  class_name?: unknown;
  config?: { name?: unknown } & Record<string, unknown>;
}

interface WeightJson {
  name?: unknown;
  shape?: unknown;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Keras-saved models nest the topology under model_config; TF.js-saved ones do not. */
function modelConfigOf(topology: Record<string, unknown>): Record<string, unknown> {
  return isRecord(topology.model_config) ? topology.model_config : topology;
}

function topologyLayers(topology: Record<string, unknown>): LayerJson[] | null {
  const modelConfig = modelConfigOf(topology);
  const config = modelConfig.config;
  if (Array.isArray(config)) return config as LayerJson[]; // very old Keras Sequential
  if (isRecord(config) && Array.isArray(config.layers)) return config.layers as LayerJson[];
  return null;
}

export async function describeModelJson(file: string, at: SourceLocation): Promise<ModelDescription> {
  const fail = (message: string): never => {
    throw new RecipeError([{ at, message: `model ${file}: ${message}` }]);
  };
  let parsed: unknown;
  try {
    parsed = JSON.parse(await readFile(file, 'utf8'));
  } catch (error) {
    return fail(`cannot read it as JSON (${(error as Error).message})`);
  }
  if (!isRecord(parsed) || !isRecord(parsed.modelTopology)) {
    return fail('not a TF.js LayersModel (no modelTopology); convert it with tensorflowjs_converter');
  }
  const manifest = Array.isArray(parsed.weightsManifest) ? parsed.weightsManifest : [];
  const weights: { name: string; shape: number[] }[] = [];
  for (const group of manifest) {
    if (!isRecord(group) || !Array.isArray(group.weights)) return fail('weightsManifest entry has no weights list');
    for (const w of group.weights as WeightJson[]) {
      if (typeof w.name !== 'string' || !Array.isArray(w.shape)) return fail('a weight has no name or shape');
      weights.push({ name: w.name, shape: w.shape as number[] });
    }
  }

  return describeTopology(file, parsed.modelTopology, weights, fail);
}

/**
 * The description of a model from its topology (model.json's modelTopology, or a LayersModel's
 * toJSON) and its weights' names and shapes; `fail` reports what does not fit.
 */
export function describeTopology(
  source: string,
  topology: Record<string, unknown>,
  weights: readonly { readonly name: string; readonly shape: readonly number[] }[],
  fail: (message: string) => never,
): ModelDescription {
  const layersJson = topologyLayers(topology);
  if (layersJson === null) return fail('modelTopology has no layer list');
  const layers: LayerDescription[] = layersJson.map((layerJson) => {
    const className = typeof layerJson.class_name === 'string' ? layerJson.class_name : 'Unknown';
    const name = typeof layerJson.config?.name === 'string' ? layerJson.config.name : fail('a layer has no name');
    const prefix = `${name}/`;
    const params = weights
      .filter((w) => w.name.startsWith(prefix))
      .map((w) => ({ ...w, param: w.name.slice(prefix.length) }))
      .filter((w) => isTrainableParam(w.param))
      .map((w) => describeParameter(name, className, w.param, w.shape));
    const inbound = inboundOf(layerJson as Record<string, unknown>);
    const window = windowOf(className, layerJson.config ?? {});
    const zeroPadding = zeroPaddingOf(className, layerJson.config ?? {});
    return {
      name,
      type: layerTypeOf(className),
      className,
      params,
      ...(inbound === undefined ? {} : { inbound }),
      ...(window === null ? {} : { window }),
      ...(zeroPadding === null ? {} : { zeroPadding }),
    };
  });
  const outputs = outputLayersOf(modelConfigOf(topology));
  const inputShape = inputShapeOf(layersJson.map((l) => l.config ?? {}));
  return { source, layers, ...(outputs === undefined ? {} : { outputs }), ...(inputShape === null ? {} : { inputShape }) };
}
