import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { DATA_ERROR_CODES, DataError, ENGINE_ERROR_CODES, EngineError, PruneRunError } from '../src/errors.js';

const SRC = fileURLToPath(new URL('../src/', import.meta.url));

/** Every src/ file but errors.ts itself, where the lists are written. */
function sourceTexts(): string[] {
  return readdirSync(SRC, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile() && entry.name.endsWith('.ts'))
    .map((entry) => path.join(entry.parentPath, entry.name))
    .filter((file) => path.relative(SRC, file) !== 'errors.ts')
    .map((file) => readFileSync(file, 'utf8'));
}

describe('error code lists', () => {
  const sources = sourceTexts();

  // A misspelt code fails the typecheck; this catches the other way round, a code nothing throws any more.
  for (const [name, codes] of [['ENGINE_ERROR_CODES', ENGINE_ERROR_CODES], ['DATA_ERROR_CODES', DATA_ERROR_CODES]] as const) {
    it(`every code of ${name} is thrown somewhere in src/`, () => {
      const unused = codes.filter((code) => !sources.some((text) => text.includes(`'${code}'`)));
      expect(unused).toEqual([]);
    });

    it(`${name} lists each code once`, () => {
      expect(new Set(codes).size).toBe(codes.length);
    });
  }

  it('the errors keep the code and message they were made with', () => {
    const engine = new EngineError('NO_MODEL', 'no model is loaded');
    expect(engine).toBeInstanceOf(PruneRunError);
    expect([engine.name, engine.code, engine.message]).toEqual(['EngineError', 'NO_MODEL', 'no model is loaded']);
    const cause = new Error('disk');
    const data = new DataError('DATA_READ', 'cannot read', { cause });
    expect([data.name, data.code, data.cause]).toEqual(['DataError', 'DATA_READ', cause]);
  });
});
