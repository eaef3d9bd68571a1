import { describe, expect, it } from 'vitest';
import { permute, tfjsToTorch, torchDimToTfjsAxis, torchToTfjs } from '../../src/prune/index.js';
import { errorOf } from './helpers.js';

const iota = (n: number) => Float32Array.from({ length: n }, (_, i) => i);

describe('layout conversion', () => {
  it('conv2d: torch [out, in, kh, kw] entry lands at TF.js [kh, kw, in, out]', () => {
    const [O, I, H, W] = [4, 3, 2, 5];
    const { values, shape } = torchToTfjs('conv2d', iota(O * I * H * W), [O, I, H, W]);
    expect(shape).toEqual([H, W, I, O]);
    for (let o = 0; o < O; o++)
      for (let i = 0; i < I; i++)
        for (let h = 0; h < H; h++)
          for (let w = 0; w < W; w++) {
            const torchFlat = ((o * I + i) * H + h) * W + w;
            const tfjsFlat = ((h * W + w) * I + i) * O + o;
            expect(values[tfjsFlat]).toBe(torchFlat);
          }
  });

  it('dense: torch [out, in] is the transpose of TF.js [in, out]', () => {
    const { values, shape } = torchToTfjs('dense', iota(6), [2, 3]);
    expect(shape).toEqual([3, 2]);
    expect([...values]).toEqual([0, 3, 1, 4, 2, 5]);
  });

  it('round-trips values and masks', () => {
    const w = iota(120);
    const there = torchToTfjs('conv2d', w, [5, 4, 3, 2]);
    const back = tfjsToTorch('conv2d', there.values, there.shape);
    expect(back.shape).toEqual([5, 4, 3, 2]);
    expect(back.values).toEqual(w);
    const mask = Uint8Array.from({ length: 12 }, (_, i) => i % 2);
    const m = tfjsToTorch('dense', torchToTfjs('dense', mask, [3, 4]).values, [4, 3]);
    expect(m.values).toBeInstanceOf(Uint8Array);
    expect(m.values).toEqual(mask);
  });

  it('maps torch dims to TF.js axes', () => {
    expect(torchDimToTfjsAxis('conv2d', 0)).toBe(3);
    expect(torchDimToTfjsAxis('conv2d', 1)).toBe(2);
    expect(torchDimToTfjsAxis('conv2d', 2)).toBe(0);
    expect(torchDimToTfjsAxis('conv2d', -1)).toBe(1);
    expect(torchDimToTfjsAxis('dense', 0)).toBe(1);
    expect(torchDimToTfjsAxis('dense', -1)).toBe(0);
    expect(errorOf(() => torchDimToTfjsAxis('dense', 2)).code).toBe('PRUNE_AXIS_INVALID');
  });

  it('refuses wrong ranks, sizes and permutations', () => {
    expect(errorOf(() => torchToTfjs('conv2d', iota(6), [2, 3])).code).toBe('PRUNE_SHAPE_MISMATCH');
    expect(errorOf(() => torchToTfjs('dense', iota(5), [2, 3])).code).toBe('PRUNE_SHAPE_MISMATCH');
    expect(errorOf(() => permute(iota(6), [2, 3], [0, 0])).code).toBe('PRUNE_SHAPE_MISMATCH');
  });

  it('permute handles size-1 and empty axes', () => {
    expect(permute(iota(3), [1, 3, 1], [2, 1, 0])).toEqual({ values: iota(3), shape: [1, 3, 1] });
    expect(permute(new Float32Array(0), [0, 3], [1, 0]).shape).toEqual([3, 0]);
  });
});
