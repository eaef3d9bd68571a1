/**
 * The artifacts TF.js saves for a model (topology, weight specs, weight bytes), caught in memory
 * with a save handler, as modelFiles.ts's serializeModel does; here the parts are kept apart
 * because the weights are re-encoded.
 */
import * as tf from '@tensorflow/tfjs';
import { EngineError } from '../../errors.js';

export async function captureArtifacts(model: tf.LayersModel): Promise<tf.io.ModelArtifacts> {
  let captured: tf.io.ModelArtifacts | null = null;
  await model.save(
    tf.io.withSaveHandler(async (artifacts) => {
      captured = artifacts;
      return Promise.resolve({ modelArtifactsInfo: tf.io.getModelArtifactsInfoForJSON(artifacts) });
    }),
  );
  if (captured === null) throw new EngineError('MODEL_SAVE', 'TF.js did not hand over the model to save');
  return captured;
}
