/**
 * Whether TF.js can build a model.json's model with the weights its manifest lists, found out
 * before a run starts (runner/prepare.ts) rather than when the run loads it. The folder's own
 * checks (models/modelFolder.ts) say the files hold the bytes the manifest's specs need; this says
 * the specs are the model's: TF.js knows every layer class, and every weight a layer makes must
 * be listed under its name at the shape the layer makes it, and every listed weight made by a
 * layer. A topology is not trusted to be small: each weight is compared with the manifest before
 * it is allocated (a Dense layer of 50,000,000 units whose manifest lists 40 bytes would otherwise
 * take 800 MB to find out), so building costs no more than the weights the manifest lists, which
 * the folder check bounds. The check leaves nothing behind: TF.js's backend is as it was (the cpu
 * backend is borrowed, backend/withCpu.ts), Layer.prototype.addWeight is TF.js's own again, and
 * every tensor it made is disposed.
 */
import * as tf from '@tensorflow/tfjs';
import { RecipeError } from '../errors.js';
import type { ModelFile } from '../models/description.js';
import type { CheckedModelFolder, WeightSpecJson } from '../models/modelFolder.js';
import { thrownText } from '../util/thrown.js';
import { withCpuBackend } from './backend/withCpu.js';

type AddWeight = (this: { readonly name: string }, name: string, shape: readonly number[], dtype?: unknown, initializer?: unknown, ...rest: unknown[]) => unknown;

/** What addWeight returns (a LayerVariable), as far as this check disposes it. */
interface MadeWeight {
  readonly val: { readonly isDisposed: boolean };
  dispose(): void;
}

/** Thrown from inside a build by the guard below; its message is the problem. */
class WeightNotListed extends Error {}

/**
 * Builds with `guard` in front of every layer's addWeight, called with each weight a layer makes
 * before it is allocated; the patch is on TF.js's Layer prototype only while `build` runs (checks
 * run one at a time: withCpuBackend queues them), and every weight made is disposed after, the
 * model or not, also those of a build the guard stopped halfway.
 */
async function buildGuarded<T>(guard: (layer: string, weight: string, shape: readonly number[]) => void, build: () => Promise<T>): Promise<T> {
  const prototype = tf.layers.Layer.prototype as unknown as { addWeight: AddWeight };
  const addWeight = prototype.addWeight;
  const weights: MadeWeight[] = [];
  prototype.addWeight = function (this: { readonly name: string }, name, shape, dtype, _initializer, ...rest) {
    guard(this.name, name, shape);
    // Zeros in place of the layer's initializer: the values are not looked at, only the shapes.
    const weight = addWeight.call(this, name, shape, dtype, tf.initializers.zeros(), ...rest) as MadeWeight;
    weights.push(weight);
    return weight;
  };
  try {
    return await build();
  } finally {
    prototype.addWeight = addWeight;
    for (const weight of weights) if (!weight.val.isDisposed) weight.dispose();
  }
}

const shapeText = (shape: readonly number[]) => `[${shape.join(', ')}]`;

/**
 * Why TF.js cannot build the model `topology` describes with the weights `specs` list, in words
 * (to follow `model file "…" `), or null when it can. Builds on the cpu backend (borrowed: the
 * backend active before, or none, is active again after), and disposes what it built.
 */
export async function modelBuildProblem(topology: Record<string, unknown>, specs: readonly WeightSpecJson[]): Promise<string | null> {
  const listed = new Map(specs.map((spec) => [spec.name, spec.shape] as const));
  const made = new Set<string>();
  // Layers of a nested model name their weights after the outer one too.
  const nameOf = (layer: string, weight: string) => {
    const plain = `${layer}/${weight}`;
    return listed.has(plain) ? plain : [...listed.keys()].find((name) => name.endsWith(`/${plain}`));
  };
  const guard = (layer: string, weight: string, shape: readonly number[]) => {
    const name = nameOf(layer, weight);
    if (name === undefined) throw new WeightNotListed(`has a layer "${layer}" that makes a weight "${weight}" of shape ${shapeText(shape)}, which its weightsManifest does not list`);
    const expected = listed.get(name)!;
    if (expected.length !== shape.length || expected.some((size, i) => size !== shape[i])) {
      throw new WeightNotListed(`lists weight "${name}" as ${shapeText(expected)}, but its layer "${layer}" makes it ${shapeText(shape)}`);
    }
    made.add(name);
  };
  const built = await withCpuBackend(() =>
    buildGuarded(guard, async () => {
      // Only whether it built is kept.
      (await tf.models.modelFromJSON({ modelTopology: topology } as unknown as tf.io.ModelJSON)).dispose();
      return null;
    }).catch((error: unknown) => {
      if (error instanceof WeightNotListed) return error.message;
      return `cannot be built by TF.js: ${thrownText(error).split('\n')[0]}`;
    }),
  );
  if (built !== null) return built;
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
