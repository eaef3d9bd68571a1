/**
 * Case 4's second half, prune-run's side: what compact export buys at inference. The trained
 * LeNet gets half of the output channels of conv1, conv2, fc1 and fc2 pruned (L2 structured, as
 * recipes/lenet-compact.yaml), then the pruned (masked, dense) model and its compact form
 * (engine/compact) are evaluated in alternation, and both are serialised for their bytes. torch has
 * no compact form: its pruned model is as large and as slow as the dense one (case 4's PyTorch
 * column), which is what the rows compare against.
 */
import type * as tf from '@tensorflow/tfjs';
import { prune } from '../../src/api/index.js';
import type { Dataset } from '../../src/data/index.js';
import { compactModel } from '../../src/export/compact/index.js';
import { bytesOf } from '../../src/export/compactExport.js';
import { evaluate } from '../../src/engine/evaluate.js';
import { serializeModel } from '../../src/engine/modelFiles.js';

const HALVED = ['conv1', 'conv2', 'fc1', 'fc2'];

/** Seconds of `passes` evaluations of each model over the test split, alternating (warm-up is the caller's). */
export async function timeAlternating(models: readonly tf.LayersModel[], data: Dataset, passes: number): Promise<number[]> {
  const seconds = models.map(() => 0);
  for (let i = 0; i < passes; i++) {
    for (const [k, model] of models.entries()) {
      const t = performance.now();
      await evaluate(model, data);
      seconds[k]! += (performance.now() - t) / 1000;
    }
  }
  return seconds;
}

export async function measureCompact(model: tf.LayersModel, data: Dataset, passes: number): Promise<Record<string, unknown>> {
  for (const name of HALVED) prune.lnStructured(model.getLayer(name), 'kernel', { amount: 0.5, n: 2, axis: 'out' });
  const compact = compactModel(model);
  try {
    const masked = { accuracy: (await evaluate(model, data)).accuracy, seconds: 0 };
    const small = { accuracy: (await evaluate(compact.model, data)).accuracy, seconds: 0 };
    [masked.seconds, small.seconds] = (await timeAlternating([model, compact.model], data, passes)) as [number, number];
    const bytes = async (m: tf.LayersModel) => bytesOf(await serializeModel(m));
    const images = passes * data.test.count;
    return {
      parametersBefore: compact.parametersBefore,
      parametersAfter: compact.parametersAfter,
      maskedAccuracy: masked.accuracy,
      compactAccuracy: small.accuracy,
      maskedEvalImagesPerSecond: images / masked.seconds,
      compactEvalImagesPerSecond: images / small.seconds,
      maskedBytes: await bytes(model),
      compactBytes: await bytes(compact.model),
    };
  } finally {
    compact.model.dispose();
  }
}
