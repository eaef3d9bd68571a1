import { describe, expect, it } from 'vitest';
import { syntheticDataset, type Split } from '../../src/data/index.js';
import { DataError } from '../../src/errors.js';

/** Accuracy of a nearest-class-mean classifier trained on `train`: a cheap learnability check. */
function nearestMeanAccuracy(train: Split, test: Split, numClasses: number): number {
  const size = train.images.length / train.count;
  const means = Array.from({ length: numClasses }, () => new Float64Array(size));
  const counts = new Array<number>(numClasses).fill(0);
  for (let i = 0; i < train.count; i++) {
    const label = train.labels[i] as number;
    counts[label] = (counts[label] ?? 0) + 1;
    const mean = means[label] as Float64Array;
    for (let p = 0; p < size; p++) mean[p] = (mean[p] as number) + (train.images[i * size + p] as number);
  }
  means.forEach((mean, c) => mean.forEach((v, p) => (mean[p] = v / (counts[c] as number))));
  let correct = 0;
  for (let i = 0; i < test.count; i++) {
    let best = -1;
    let bestDistance = Infinity;
    means.forEach((mean, c) => {
      let distance = 0;
      for (let p = 0; p < size; p++) distance += ((test.images[i * size + p] as number) - (mean[p] as number)) ** 2;
      if (distance < bestDistance) [best, bestDistance] = [c, distance];
    });
    if (best === test.labels[i]) correct++;
  }
  return correct / test.count;
}

describe('syntheticDataset', () => {
  it('has the requested sizes and MNIST-like defaults', () => {
    const data = syntheticDataset({ trainCount: 50, testCount: 20, seed: 1 });
    expect(data.imageShape).toEqual([28, 28, 1]);
    expect(data.numClasses).toBe(10);
    expect(data.train.count).toBe(50);
    expect(data.train.images.length).toBe(50 * 784);
    expect(data.test.labels.length).toBe(20);
    expect(data.identity).toEqual({ source: 'synthetic:seed=1,train=50,test=20,shape=28x28x1,classes=10', files: [] });
  });

  it('is the same for the same seed and differs for another', () => {
    const options = { trainCount: 30, testCount: 10, seed: 5, imageShape: [8, 8, 3] as [number, number, number], numClasses: 4 };
    expect(syntheticDataset(options)).toEqual(syntheticDataset(options));
    expect(syntheticDataset({ ...options, seed: 6 }).train.images).not.toEqual(syntheticDataset(options).train.images);
  });

  it('keeps pixels in [0, 1] and classes balanced', () => {
    const data = syntheticDataset({ trainCount: 40, testCount: 8, seed: 2, imageShape: [10, 12, 2], numClasses: 4 });
    expect(data.train.images.every((v) => v >= 0 && v <= 1)).toBe(true);
    const counts = [0, 0, 0, 0];
    for (const label of data.train.labels) counts[label] = (counts[label] ?? 0) + 1;
    expect(counts).toEqual([10, 10, 10, 10]);
  });

  it('is learnable: nearest class mean classifies the test split well', () => {
    const data = syntheticDataset({ trainCount: 200, testCount: 100, seed: 3 });
    expect(nearestMeanAccuracy(data.train, data.test, data.numClasses)).toBeGreaterThan(0.9);
  });

  it('rejects sizes that make no data set', () => {
    expect(() => syntheticDataset({ trainCount: 0, testCount: 1, seed: 1 })).toThrow(DataError);
    expect(() => syntheticDataset({ trainCount: 1, testCount: 1, seed: 1, numClasses: 300 })).toThrow(/numClasses must be an integer in 1..256/);
    expect(() => syntheticDataset({ trainCount: 1, testCount: 1, seed: 1, imageShape: [28, 0, 1] })).toThrow(/imageShape\[1\]/);
  });
});
