/**
 * Whether TF.js can build a model.json's model with the weights its manifest lists, found out
 * before a run starts (runner/prepare.ts) rather than when the run loads it. The folder's own
 * checks (models/modelFolder.ts) say the files hold the bytes the manifest's specs need; this says
 * the specs are the model's: TF.js knows every layer class, and every weight a layer makes must
 * be listed under its name at the shape the layer makes it, and every listed weight made by a
 * layer. A topology is not trusted to be small: each weight is compared with the manifest before
 * it is allocated (a Dense layer of 50,000,000 units whose manifest lists 40 bytes would otherwise
 * take 800 MB to find out), so building costs no more than the weights the manifest lists, which
 * the folder check bounds.
 */
import * as tf from '@tensorflow/tfjs';
import { RecipeError } from '../errors.js';
import type { ModelFile } from '../models/description.js';
import type { CheckedModelFolder, WeightSpecJson } from '../models/modelFolder.js';
import { thrownText } from '../util/thrown.js';

type AddWeight = (this: { readonly name: string }, name: string, shape: readonly number[], dtype?: unknown, initializer?: unknown, ...rest: unknown[]) => unknown;

/** Thrown from inside a build by the guard below; its message is the problem. */
class WeightNotListed extends Error {}

/** The check of the build under way, if any: called with each weight a layer makes. */
let guard: ((layer: string, weight: string, shape: readonly number[]) => void) | null = null;
let installed = false;

/** Puts the guard in front of every layer's addWeight (once; inactive outside a check). */
function install(): void {
  if (installed) return;
  installed = true;
  const prototype = tf.layers.Layer.prototype as unknown as { addWeight: AddWeight };
  const addWeight = prototype.addWeight;
  prototype.addWeight = function (this: { readonly name: string }, name, shape, dtype, initializer, ...rest) {
    if (guard === null) return addWeight.call(this, name, shape, dtype, initializer, ...rest);
    guard(this.name, name, shape);
    // Zeros: the values are not looked at, only the shapes.
    return addWeight.call(this, name, shape, dtype, tf.initializers.zeros(), ...rest);
  };
}

/** Runs `action` without TF.js's console.warn notices (the cpu backend greets Node users with a banner on first use). */
async function quietly<T>(action: () => Promise<T>): Promise<T> {
  const warn = console.warn;
  console.warn = () => undefined;
  try {
    return await action();
  } finally {
    console.warn = warn;
  }
}

const shapeText = (shape: readonly number[]) => `[${shape.join(', ')}]`;

/**
 * Why TF.js cannot build the model `topology` describes with the weights `specs` list, in words
 * (to follow `model file "…" `), or null when it can. Builds on the cpu backend, and disposes.
 */
export async function modelBuildProblem(topology: Record<string, unknown>, specs: readonly WeightSpecJson[]): Promise<string | null> {
  install();
  const listed = new Map(specs.map((spec) => [spec.name, spec.shape] as const));
  const made = new Set<string>();
  // Layers of a nested model name their weights after the outer one too.
  const nameOf = (layer: string, weight: string) => {
    const plain = `${layer}/${weight}`;
    return listed.has(plain) ? plain : [...listed.keys()].find((name) => name.endsWith(`/${plain}`));
  };
  await quietly(() => tf.setBackend('cpu'));
  guard = (layer, weight, shape) => {
    const name = nameOf(layer, weight);
    if (name === undefined) throw new WeightNotListed(`has a layer "${layer}" that makes a weight "${weight}" of shape ${shapeText(shape)}, which its weightsManifest does not list`);
    const expected = listed.get(name)!;
    if (expected.length !== shape.length || expected.some((size, i) => size !== shape[i])) {
      throw new WeightNotListed(`lists weight "${name}" as ${shapeText(expected)}, but its layer "${layer}" makes it ${shapeText(shape)}`);
    }
    made.add(name);
  };
  let model: tf.LayersModel;
  try {
    model = await tf.models.modelFromJSON({ modelTopology: topology } as unknown as tf.io.ModelJSON);
  } catch (error) {
    if (error instanceof WeightNotListed) return error.message;
    return `cannot be built by TF.js: ${thrownText(error).split('\n')[0]}`;
  } finally {
    guard = null;
  }
  model.dispose();
  const unused = specs.find((spec) => !made.has(spec.name));
  return unused === undefined ? null : `lists weight "${unused.name}", which no layer of the model has`;
}

/**
 * The check of the model.json a recipe names, from its folder as checkModelFolder read it: a
 * RecipeError at the recipe's model.path when TF.js cannot build it with its weights.
 */
export async function checkModelJsonBuilds(model: ModelFile, folder: CheckedModelFolder): Promise<void> {
  const problem = await modelBuildProblem(folder.topology, folder.specs);
  if (problem !== null) throw new RecipeError([{ at: model.at, message: `model ${model.path} ${problem}` }]);
}
