/**
 * export.compact: the final model rebuilt without its dead output channels (export/compact), saved
 * beside the pruned model, and measured against it in the run — parameters, bytes on disk (and
 * gzipped, the usual answer to "pruning does not shrink the file"), and on the test split the
 * accuracy, inference speed and largest logit difference of the two. Honest accounting: the numbers
 * come from the files written and from timed passes in this process.
 */
import { gzipSync } from 'node:zlib';
import * as tf from '@tensorflow/tfjs';
import type { Dataset } from '../data/index.js';
import type { ExportConfig } from '../recipe/types.js';
import type { CompactEntry } from './compactEntry.js';
import { makeBatch } from '../engine/batches.js';
import { compactModel } from './compact/index.js';
import { foldForInference, type FoldResult } from './compact/foldLayers.js';
import { describeLayersModel } from '../api/describe.js';
import { modelMacs } from '../models/macs.js';
import { evaluate } from '../engine/evaluate.js';
import { saveModel, type SerializedModel } from '../engine/modelFiles.js';

const TIMED_PASSES = 3;

/** Bytes on disk of a model's two plain files (model.json + weights.bin). */
export const bytesOf = (m: SerializedModel): number => Buffer.byteLength(m.json) + m.weights.byteLength;

/** Bytes of a model's two plain files, and of the same gzipped (each file on its own, as a server would). */
export function denseSize(m: SerializedModel): { denseBytes: number; denseGzippedBytes: number } {
  return { denseBytes: bytesOf(m), denseGzippedBytes: gzipSync(Buffer.from(m.json)).byteLength + gzipSync(m.weights).byteLength };
}

/** Largest |Δ| between the two models' logits over the split, in batches. */
function maxLogitDifference(a: tf.LayersModel, b: tf.LayersModel, data: Dataset): number {
  let worst = 0;
  const split = data.test;
  for (let start = 0; start < split.count; start += 500) {
    const difference = tf.tidy(() => {
      const batch = makeBatch(split, data.imageShape, null, start, 500);
      const delta = tf.abs(tf.sub(a.predict(batch.images) as tf.Tensor, b.predict(batch.images) as tf.Tensor));
      return tf.max(delta).dataSync()[0]!;
    });
    worst = Math.max(worst, difference);
  }
  return worst;
}

/** Best of `TIMED_PASSES` evaluations of each model, alternating, after one untimed pass each. */
async function compare(masked: tf.LayersModel, compact: tf.LayersModel, data: Dataset): Promise<NonNullable<CompactEntry['comparison']>> {
  const first = { masked: await evaluate(masked, data), compact: await evaluate(compact, data) };
  let maskedSpeed = 0;
  let compactSpeed = 0;
  for (let i = 0; i < TIMED_PASSES; i++) {
    maskedSpeed = Math.max(maskedSpeed, (await evaluate(masked, data)).imagesPerSecond);
    compactSpeed = Math.max(compactSpeed, (await evaluate(compact, data)).imagesPerSecond);
  }
  return {
    images: data.test.count,
    maskedAccuracy: first.masked.accuracy,
    compactAccuracy: first.compact.accuracy,
    maskedImagesPerSecond: maskedSpeed,
    compactImagesPerSecond: compactSpeed,
    maxLogitDifference: maxLogitDifference(masked, compact, data),
  };
}

/** Both models' multiply-adds per image, read from their own topologies, when they can be told. */
function macsOf(pruned: tf.LayersModel, compact: tf.LayersModel): Pick<CompactEntry, 'macs'> {
  const [before, after] = [pruned, compact].map((m) => modelMacs(describeLayersModel(m)).total);
  return before == null || after == null ? {} : { macs: { before, after } };
}

/** The compact model folded for inference; the unfolded one is disposed either way. */
function foldOrDispose(compact: tf.LayersModel): FoldResult {
  try {
    return foldForInference(compact);
  } finally {
    compact.dispose();
  }
}

/**
 * Writes `dir` (model.json + weights.bin) with the compact form of `model` (whose weights are the
 * pruned ones, serialised as `dense`) and measures it. `data` null: no comparison on a test split.
 * `options`: the recipe's export section (fold_batch_norm folds for inference).
 */
export async function exportCompact(
  model: tf.LayersModel,
  data: Dataset | null,
  dir: string,
  dense: SerializedModel,
  options: Pick<ExportConfig, 'foldBatchNorm'> = {},
): Promise<CompactEntry> {
  const compacted = compactModel(model);
  const fold = options.foldBatchNorm === true ? foldOrDispose(compacted.model) : null;
  const result = fold === null ? compacted : { ...compacted, model: fold.model, parametersAfter: fold.model.countParams() };
  try {
    const { denseBytes, denseGzippedBytes } = denseSize(dense);
    const written = await saveModel(result.model, dir);
    return {
      layers: result.layers.map((l) => ({
        name: l.name,
        className: l.className,
        channelsBefore: l.channelsBefore,
        channelsAfter: l.channelsBefore - l.removed.length,
      })),
      parametersBefore: result.parametersBefore,
      parametersAfter: result.parametersAfter,
      ...macsOf(model, result.model),
      ...(fold === null ? {} : { folded: fold.folded }),
      ...(compacted.exactZerosOnly === undefined ? {} : { exactZerosOnly: compacted.exactZerosOnly }),
      bytes: { dense: denseBytes, denseGzipped: denseGzippedBytes, compact: bytesOf(written) },
      comparison: data === null || data.test.count === 0 ? null : await compare(model, result.model, data),
    };
  } finally {
    result.model.dispose();
  }
}
