// Lint for bugs, not for looks: a promise nobody awaits, `any` leaking past the types, unused code,
// assertions that hide a type. Formatting is left to the author; no style rule belongs here.
import js from '@eslint/js';
import { defineConfig } from 'eslint/config';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default defineConfig(
  { ignores: ['dist/', 'runs/', '.exp/', '.vitest-tmp/'] },
  js.configs.recommended,
  tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      // Each file is checked with the tsconfig that owns it: tsconfig.json for src/ and test/,
      // bench/tsconfig.json for bench/.
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      // `x == null` stays allowed: it is the one deliberate loose comparison (null or undefined).
      eqeqeq: ['error', 'always', { null: 'ignore' }],
      '@typescript-eslint/no-unused-vars': [
        'error',
        {
          args: 'after-used',
          argsIgnorePattern: '^_',
          varsIgnorePattern: '^_',
          caughtErrorsIgnorePattern: '^_',
          destructuredArrayIgnorePattern: '^_',
          ignoreRestSiblings: true,
        },
      ],
      // Off: they flag values turned into text on purpose (String(x) of a layer's config value in
      // an error message, a shape array in a test's name): 13 places here, none of them a bug.
      '@typescript-eslint/no-base-to-string': 'off',
      '@typescript-eslint/restrict-template-expressions': 'off',
      // Off: it asks to drop `async` where a function is async on purpose, so that a throw
      // becomes a rejected promise (src/engine/sparse/handler.ts); it finds no bug here.
      '@typescript-eslint/require-await': 'off',
    },
  },
  {
    // Tests and the benchmark read back JSON they wrote (JSON.parse gives `any`) and hand it to
    // expect() or a report table; flagging every such read is noise. src/ keeps these rules.
    files: ['test/**', 'bench/**'],
    rules: {
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
    },
  },
  {
    // Node scripts, the bin launcher and the example plugin belong to no tsconfig: linted
    // without type information.
    files: ['**/*.js', '**/*.mjs', 'recipes/**/*.ts'],
    extends: [tseslint.configs.disableTypeChecked],
    languageOptions: { globals: globals.node },
  },
);
