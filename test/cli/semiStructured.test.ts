/**
 * 2:4 sparsity through the real command on a small synthetic recipe (no training): each selected
 * dense kernel loses exactly half its entries, and in masks.safetensors every group of 4
 * consecutive inputs of every output unit has exactly 2 zeros.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { decodeSafetensors, type SafetensorsTensor } from '../../src/formats/safetensors.js';
import { runRecipeOnce } from '../helpers/recipeRunOnce.js';

const RECIPE = `seed: 5
model: {builtin: lenet}
stages:
  - name: nm
    targets:
      - select: {layer: fc1, param: kernel}
        method: l1_unstructured
        amount: 0.1
      - select: {layer: "fc*", param: kernel}
        method: semi_structured
        pattern: 2:4
`;

const run = runRecipeOnce({ file: 'nm.yaml', text: RECIPE });
let masks: ReadonlyMap<string, SafetensorsTensor>;
beforeAll(async () => {
  masks = decodeSafetensors(new Uint8Array(await readFile(path.join(run.runDir, 'masks.safetensors')))).tensors;
});

/** Zeros in each group of `m` along axis 0 of a dense [in, out] mask. */
function groupZeros({ shape, data }: SafetensorsTensor, m: number): number[] {
  const [inputs, units] = shape as [number, number];
  const counts: number[] = [];
  for (let o = 0; o < units; o++) {
    for (let g = 0; g < inputs; g += m) {
      let z = 0;
      for (let j = 0; j < m; j++) z += data[(g + j) * units + o] === 0 ? 1 : 0;
      counts.push(z);
    }
  }
  return counts;
}

describe('semi_structured 2:4 end to end', () => {
  it('prunes exactly half of fc2 and fc3, two of every four inputs', () => {
    for (const name of ['fc2/kernel', 'fc3/kernel']) {
      const mask = masks.get(name)!;
      const zeros = groupZeros(mask, 4);
      expect(new Set(zeros)).toEqual(new Set([2]));
      expect(zeros.reduce((a, b) => a + b, 0)).toBe(mask.data.length / 2);
    }
  });

  it('composes on fc1 after its L1 10%: at least two zeros per group, none revived', () => {
    const zeros = groupZeros(masks.get('fc1/kernel')!, 4);
    expect(Math.min(...zeros)).toBe(2);
    expect(Math.max(...zeros)).toBeGreaterThan(2); // some groups had more than 2 pruned before
  });
});
