/** A recipe folder of the test's own, with plugin modules written into it. */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';

/** A recipe with one local target on `select` using the plugin `module` (and extra target fields). */
export function pluginRecipe(module: string, select = '{layer: fc3, param: bias}', extra = ''): string {
  return `model: {builtin: lenet}
stages:
  - name: p
    targets:
      - select: ${select}
        method: custom
        module: ${module}${extra}
`;
}

export async function writeModule(dir: string, relative: string, text: string): Promise<string> {
  const file = path.join(dir, relative);
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(file, text);
  return file;
}

/** torch's documented example (prune every other entry), as a plain ES module. */
export const EVERY_OTHER_JS = `export default {
  name: 'every_other_js',
  kind: 'unstructured',
  computeMask(importance, defaultMask) {
    const mask = Uint8Array.from(defaultMask);
    for (let i = 0; i < mask.length; i += 2) mask[i] = 0;
    return mask;
  },
};
`;

/** Every other entry of the still-unpruned ones pruned, as torch's container + FooBarPruningMethod. */
export function everyOtherOfAlive(mask: Uint8Array): Uint8Array {
  const out = Uint8Array.from(mask);
  let seen = 0;
  for (let i = 0; i < out.length; i++) {
    if (mask[i] === 0) continue;
    if (seen % 2 === 0) out[i] = 0;
    seen++;
  }
  return out;
}
