/**
 * Describes a TF.js LayersModel from its model.json alone (topology + weights manifest), so that
 * selectors can be checked against the real layers before anything is run or written.
 */
import { RecipeError, type SourceLocation } from '../errors.js';
import {
  describeParameter,
  isTrainableParam,
  layerTypeOf,
  type LayerDescription,
  type ModelDescription,
  type ModelFile,
} from './description.js';
import { inputShapeOf, windowOf, zeroPaddingOf } from './modelJsonWindow.js';
import { inboundOf, outputLayersOf } from './inbound.js';
import { checkModelFolder, type CheckedModelFolder } from './modelFolder.js';
import { modelConfigOf, topologyLayers } from './topology.js';

/**
 * The model.json a recipe names and its weight files after checkModelFolder's checks; what fails
 * them is a RecipeError at the recipe's model.path.
 */
export async function checkedModelJson(model: ModelFile): Promise<CheckedModelFolder> {
  const checked = await checkModelFolder(model);
  if (!checked.ok) throw new RecipeError([{ at: model.at, message: `model ${model.path} ${checked.problem}` }]);
  return checked.folder;
}

/** The description of the model a checked model.json holds; what does not fit is a RecipeError at the recipe's model.path. */
export function describeCheckedModelJson(model: ModelFile, folder: CheckedModelFolder): ModelDescription {
  const layers = describeTopology(folder.topology, folder.specs, (message) => {
    throw new RecipeError([{ at: model.at, message: `model ${model.path}: ${message}` }]);
  });
  return { source: model.path, ...layers };
}

/** The description of the model at `file`, after checkModelFolder's checks of it and its weight files. */
export async function describeModelJson(file: string, at: SourceLocation): Promise<ModelDescription> {
  const model: ModelFile = { kind: 'path', path: file, at };
  return describeCheckedModelJson(model, await checkedModelJson(model));
}

/**
 * A model's layers (all of its description but the source, which the caller names) from its
 * topology (model.json's modelTopology, or a LayersModel's toJSON) and its weights' names and
 * shapes; `fail` reports what does not fit.
 */
export function describeTopology(
  topology: Record<string, unknown>,
  weights: readonly { readonly name: string; readonly shape: readonly number[] }[],
  fail: (message: string) => never,
): Omit<ModelDescription, 'source'> {
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
  return { layers, ...(outputs === undefined ? {} : { outputs }), ...(inputShape === null ? {} : { inputShape }) };
}
