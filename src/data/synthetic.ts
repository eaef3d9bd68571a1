/**
 * A small learnable data set for fast tests: each class is a bright blob at its own place on a
 * circle around the image centre, with seeded jitter, brightness and background noise. A small
 * network learns it in a few steps, so tests can check that training and fine-tuning improve
 * accuracy without loading MNIST. Same options → same bytes.
 */
import { DataError } from '../errors.js';
import { SeededRandom } from '../util/random.js';
import type { Dataset, Split } from './types.js';

export interface SyntheticOptions {
  readonly trainCount: number;
  readonly testCount: number;
  readonly seed: number;
  /** [height, width, channels]; default [28, 28, 1], the shape of MNIST. */
  readonly imageShape?: readonly [number, number, number];
  /** Default 10, like MNIST. At most 256 (labels are bytes). */
  readonly numClasses?: number;
}

function checkPositiveInteger(name: string, value: number, max = Number.MAX_SAFE_INTEGER): void {
  if (!Number.isInteger(value) || value < 1 || value > max) {
    throw new DataError('SYNTHETIC_INVALID', `synthetic data: ${name} must be an integer in 1..${max}, got ${value}`);
  }
}

function makeSplit(
  count: number,
  [height, width, channels]: readonly [number, number, number],
  numClasses: number,
  random: SeededRandom,
): Split {
  const imageSize = height * width * channels;
  const images = new Float32Array(count * imageSize);
  // Balanced classes in a seeded order, so small splits still contain every class.
  const labels = new Uint8Array(count);
  for (let i = 0; i < count; i++) labels[i] = i % numClasses;
  random.shuffle(labels);

  const side = Math.min(height, width);
  const radius = 0.28 * side;
  const sigma = Math.max(1, 0.12 * side);
  const jitter = 0.06 * side;
  for (let i = 0; i < count; i++) {
    const label = labels[i] as number;
    const angle = (2 * Math.PI * label) / numClasses;
    const cy = (height - 1) / 2 + radius * Math.sin(angle) + (random.nextFloat() * 2 - 1) * jitter;
    const cx = (width - 1) / 2 + radius * Math.cos(angle) + (random.nextFloat() * 2 - 1) * jitter;
    const brightness = 0.7 + 0.3 * random.nextFloat();
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) {
        const blob = brightness * Math.exp(-((y - cy) ** 2 + (x - cx) ** 2) / (2 * sigma * sigma));
        for (let c = 0; c < channels; c++) {
          // Channels differ by class too, so multi-channel data carries colour information.
          const gain = channels === 1 ? 1 : 0.6 + (0.4 * ((label + c) % channels)) / (channels - 1);
          const value = blob * gain + 0.15 * random.nextFloat();
          images[i * imageSize + (y * width + x) * channels + c] = Math.min(1, value);
        }
      }
    }
  }
  return { images, levels: null, labels, count };
}

export function syntheticDataset(options: SyntheticOptions): Dataset {
  const imageShape = options.imageShape ?? ([28, 28, 1] as const);
  const numClasses = options.numClasses ?? 10;
  checkPositiveInteger('trainCount', options.trainCount);
  checkPositiveInteger('testCount', options.testCount);
  checkPositiveInteger('numClasses', numClasses, 256);
  imageShape.forEach((size, i) => checkPositiveInteger(`imageShape[${i}]`, size));
  if (!Number.isInteger(options.seed)) {
    throw new DataError('SYNTHETIC_INVALID', `synthetic data: seed must be an integer, got ${options.seed}`);
  }
  const shape: readonly [number, number, number] = [imageShape[0], imageShape[1], imageShape[2]];
  return {
    train: makeSplit(options.trainCount, shape, numClasses, SeededRandom.derive(options.seed, 'synthetic-train')),
    test: makeSplit(options.testCount, shape, numClasses, SeededRandom.derive(options.seed, 'synthetic-test')),
    imageShape: shape,
    numClasses,
    identity: {
      source:
        `synthetic:seed=${options.seed},train=${options.trainCount},test=${options.testCount},` +
        `shape=${shape.join('x')},classes=${numClasses}`,
      files: [],
    },
  };
}
