/**
 * Selectors take brace and class globs (`fc{1,2}`, `conv[12]`, picomatch's syntax), and a
 * selector that matches nothing says which name it probably meant. Through the real command.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCliChild } from '../helpers/child.js';
import { makeTempDir, removeDir, writeRecipe } from '../helpers/cli.js';

let cwd: string;
beforeAll(async () => {
  cwd = await makeTempDir();
});
afterAll(async () => {
  await removeDir(cwd);
});

const recipe = (select: string) => `model: {builtin: lenet}
stages:
  - name: s
    targets:
      - select: ${select}
        method: l1_unstructured
        amount: 0.2
`;

async function planned(select: string): Promise<string[]> {
  await writeRecipe(cwd, 'r.yaml', recipe(select));
  const result = await runCliChild(cwd, ['--dry-run', '--json', 'r.yaml']);
  expect(result.status, result.stderr).toBe(0);
  const plan = JSON.parse(result.stdout) as { tasks: { id: string; groups?: { parameters: string[] }[] }[] };
  return plan.tasks.find((t) => t.id === 'prune:s')?.groups?.flatMap((g) => g.parameters) ?? [];
}

async function refused(select: string, expected: RegExp): Promise<void> {
  await writeRecipe(cwd, 'r.yaml', recipe(select));
  const result = await runCliChild(cwd, ['--dry-run', 'r.yaml']);
  expect(result.status).toBe(2);
  expect(result.stderr).toMatch(expected);
}

describe('selector globs', () => {
  it('braces pick each alternative', async () => {
    expect(await planned('{layer: "fc{1,2}", param: kernel}')).toEqual(['fc1/kernel', 'fc2/kernel']);
  });

  it('classes pick one character of a set', async () => {
    expect(await planned('{layer: "conv[12]", param: "{kernel,bias}"}')).toEqual(['conv1/kernel', 'conv1/bias', 'conv2/kernel', 'conv2/bias']);
  });

  it('a layer name that matches nothing gets a did-you-mean, at the selector', async () => {
    await refused('{layer: conv9, param: kernel}', /^r\.yaml:5:17: selector \{layer: "conv9", param: "kernel"\} matches no parameter of builtin:lenet: no layer is called "conv9" \(did you mean "conv1"\?\); its parameters are: conv1 /m);
  });

  it('a parameter name that matches nothing gets a did-you-mean', async () => {
    await refused('{layer: fc1, param: kernal}', /matches no parameter of builtin:lenet: no parameter in the layers it selects is called "kernal" \(did you mean "kernel"\?\)/);
  });

  it('a brace bomb is refused at the selector, not expanded', async () => {
    await refused(`{layer: "${'{a,b}'.repeat(20)}"}`, /^r\.yaml:5:17: selector layer: ".*": its braces expand to more than 256 alternatives/m);
  });
});
