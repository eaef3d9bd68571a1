/** What a compact export produced, measured in the run: record.json's `compact` entry. */

/** One Conv2D or Dense layer of a compact export. */
export interface CompactLayerEntry {
  readonly name: string;
  readonly className: string;
  readonly channelsBefore: number;
  readonly channelsAfter: number;
}

/** What export.compact produced, measured in the run. */
export interface CompactEntry {
  readonly layers: readonly CompactLayerEntry[];
  readonly parametersBefore: number;
  readonly parametersAfter: number;
  /** Multiply-adds per image of the pruned and of the compact model (models/macs.ts); absent when they cannot be told, and in records of older runs. */
  readonly macs?: { readonly before: number; readonly after: number };
  /** With export.fold_batch_norm: each layer folded away and the layer it went into; absent without it. */
  readonly folded?: readonly { readonly layer: string; readonly into: string }[];
  /** Why only exactly-zero channels were removed (the chain path could not fold through a layer); absent otherwise. */
  readonly exactZerosOnly?: string;
  /** On-disk bytes (model.json + weights.bin) of the pruned dense model, the same gzipped, and the compact model. */
  readonly bytes: { readonly dense: number; readonly denseGzipped: number; readonly compact: number };
  /** On the test split, when the run has data: accuracy and inference images/s of both models, and the largest logit difference. */
  readonly comparison: {
    readonly images: number;
    readonly maskedAccuracy: number;
    readonly compactAccuracy: number;
    readonly maskedImagesPerSecond: number;
    readonly compactImagesPerSecond: number;
    readonly maxLogitDifference: number;
  } | null;
}

/** export.fold_batch_norm's line in the reports: which layers went into which, or null without it. */
export function foldedText(entry: CompactEntry): string | null {
  if (entry.folded === undefined) return null;
  const pairs = entry.folded.map((f) => `${f.layer} → ${f.into}`);
  return `folded for inference (fold_batch_norm): ${pairs.length === 0 ? 'no layer could be' : `${pairs.length} layer(s), ${pairs.join(', ')}`}`;
}

/** The reports' note when compaction removed only exactly-zero channels, or null. */
export function exactZerosText(entry: CompactEntry): string | null {
  return entry.exactZerosOnly === undefined
    ? null
    : `only channels that are exactly zero were removed (a channel with a constant output stays): ${entry.exactZerosOnly.replace(/^compact export: /, '')}`;
}
