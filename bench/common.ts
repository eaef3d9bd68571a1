/**
 * What the benchmark driver (run.ts) and its child processes (node_side.ts, torch_side.py) share:
 * the parameters a child gets, the files the driver prepares, how a child reports its result,
 * and how peak memory is measured.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** Case 5's models (bench/cases/models.ts). */
export const BENCH_MODELS = ['vgg', 'resnet', 'mobilenet'] as const;
export type BenchModel = (typeof BENCH_MODELS)[number];

/** Everything a child needs, passed as one JSON argument (torch_side.py reads the same object). */
export interface BenchParams {
  /** Temporary directory holding the files listed in FILES. */
  readonly dir: string;
  readonly dataSeed: number;
  readonly modelSeed: number;
  /** Seed given to trainEpochs for shuffling; the exported orders reproduce its permutations. */
  readonly shuffleSeed: number;
  readonly trainSize: number;
  readonly testSize: number;
  readonly batchSize: number;
  readonly learningRate: number;
  /** Epochs of training (case 1) and of each fine-tuning run (case 2). */
  readonly epochs: number;
  /** Untimed optimizer steps on a throwaway model before anything is timed. */
  readonly warmupSteps: number;
  /** Timed passes over the test split for case 4 (after one untimed pass). */
  readonly evalPasses: number;
  /** Case 2: global L1 amount over the five kernels. */
  readonly finetuneAmount: number;
  /** Case 2: the fine-tuning runs of this child, in order (ABBA, alternated by repeat). */
  readonly finetuneOrder: readonly ('masked' | 'unmasked')[];
  /** Case 3: shapes of the big dense kernels, and the two global amounts. */
  readonly bigCount: number;
  readonly bigSide: number;
  readonly bigAmounts: readonly [number, number];
  /** Case 3: write the masks after each pass (first repeat only), for the cross-check. */
  readonly dumpMasks: boolean;
  /** Torch threads (nproc by default). */
  readonly torchThreads: number;
  /** Case 5: the model this child runs, and the case's own sizes (Fashion-MNIST, batch 128). */
  readonly model: BenchModel;
  readonly modelTrainSize: number;
  readonly modelTestSize: number;
  readonly modelBatchSize: number;
  readonly modelEpochs: number;
  readonly modelFinetuneEpochs: number;
  /** Case 5: global L1 amount over every kernel before the masked fine-tuning. */
  readonly modelFinetuneAmount: number;
  readonly modelWarmupSteps: number;
}

/** Files in BenchParams.dir. Raw little-endian arrays; shapes are implied by the params. */
export const FILES = {
  trainImages: 'train_images.f32', // trainSize·28·28 (N, H, W, C=1)
  trainLabels: 'train_labels.u8',
  testImages: 'test_images.f32',
  testLabels: 'test_labels.u8',
  /** epochs × trainSize uint32: trainEpochs' permutation for each epoch. */
  orders: 'orders.u32',
  /** The initial LeNet weights in TF.js layout, concatenated in LENET_WEIGHTS order. */
  lenetInit: 'lenet_init.f32',
  /** Logits of the initial LeNet on the first PORT_CHECK_IMAGES test images (TF.js). */
  lenetInitLogits: 'lenet_init_logits.f32',
  /** bigCount·bigSide² float32: the case-3 weights, concatenated. */
  bigWeights: 'big_weights.f32',
  /** Case-3 masks after pass 1 and 2 (uint8, concatenated), per side. */
  masks: (side: 'node' | 'torch', pass: 1 | 2) => `masks_${side}_pass${pass}.u8`,
} as const;

export const PORT_CHECK_IMAGES = 16;

/** The initial LeNet weights as exported, TF.js names and layouts. */
export const LENET_WEIGHTS: readonly { name: string; shape: number[] }[] = [
  { name: 'conv1/kernel', shape: [3, 3, 1, 6] },
  { name: 'conv1/bias', shape: [6] },
  { name: 'conv2/kernel', shape: [3, 3, 6, 16] },
  { name: 'conv2/bias', shape: [16] },
  { name: 'fc1/kernel', shape: [400, 120] },
  { name: 'fc1/bias', shape: [120] },
  { name: 'fc2/kernel', shape: [120, 84] },
  { name: 'fc2/bias', shape: [84] },
  { name: 'fc3/kernel', shape: [84, 10] },
  { name: 'fc3/bias', shape: [10] },
];

export const LENET_KERNELS = ['conv1/kernel', 'conv2/kernel', 'fc1/kernel', 'fc2/kernel', 'fc3/kernel'] as const;

/** A child's stdout line carrying its result; everything else it prints is diagnostics. */
export const RESULT_PREFIX = 'BENCH_RESULT ';

export function emit(result: unknown): void {
  process.stdout.write(`\n${RESULT_PREFIX}${JSON.stringify(result)}\n`);
}

export function readF32(dir: string, file: string): Float32Array {
  const bytes = readFileSync(join(dir, file));
  // A fresh Buffer this large is not pooled, so its offset is 0; copy if it ever is not aligned.
  if (bytes.byteOffset % 4 === 0) return new Float32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4);
  return new Float32Array(Uint8Array.from(bytes).buffer);
}

export function writeArray(dir: string, file: string, array: ArrayBufferView): void {
  writeFileSync(join(dir, file), new Uint8Array(array.buffer, array.byteOffset, array.byteLength));
}

export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const s = [...values].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

// ---- memory ---------------------------------------------------------------------------------

/**
 * Peak RSS of a phase: Linux lets a process reset its own high-water mark (VmHWM) by writing 5
 * to /proc/self/clear_refs, so each phase gets its own peak. Where that is not possible the
 * process-lifetime maxRSS is used, which only shows a phase's peak if it is the highest so far.
 */
export class PeakMeter {
  readonly method: string;
  private constructor(private readonly resettable: boolean) {
    this.method = resettable ? 'VmHWM reset via /proc/self/clear_refs' : 'getrusage maxRSS (not resettable)';
  }

  static create(): PeakMeter {
    try {
      writeFileSync('/proc/self/clear_refs', '5');
      return new PeakMeter(statusKb('VmHWM') !== null);
    } catch {
      return new PeakMeter(false);
    }
  }

  /** Starts a phase: returns the current RSS in bytes, the baseline the phase's peak is measured from. */
  start(): number {
    if (this.resettable) writeFileSync('/proc/self/clear_refs', '5');
    return process.memoryUsage.rss();
  }

  /** Peak RSS in bytes since start(). */
  peak(): number {
    if (this.resettable) {
      const kb = statusKb('VmHWM');
      if (kb !== null) return kb * 1024;
    }
    return process.resourceUsage().maxRSS * 1024;
  }
}

function statusKb(field: string): number | null {
  try {
    const match = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync('/proc/self/status', 'utf8'));
    return match === null ? null : Number(match[1]);
  } catch {
    return null;
  }
}

export const MB = 1024 * 1024;
