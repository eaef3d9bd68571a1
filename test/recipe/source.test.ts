import { describe, expect, it } from 'vitest';
import { RecipeError } from '../../src/errors.js';
import { decodeRecipe, firstInvalidUtf8, locateByte } from '../../src/recipe/source.js';
import { SeededRandom } from '../../src/util/random.js';

const bytes = (...values: number[]) => Uint8Array.from(values);

describe('firstInvalidUtf8', () => {
  it.each([
    ['ASCII', bytes(0x61, 0x62), -1],
    ['é, two bytes', bytes(0x61, 0xc3, 0xa9), -1],
    ['€, three bytes', bytes(0xe2, 0x82, 0xac), -1],
    ['😀, four bytes', bytes(0xf0, 0x9f, 0x98, 0x80), -1],
    ['U+10FFFF, the last code point', bytes(0xf4, 0x8f, 0xbf, 0xbf), -1],
    ['a lone continuation byte', bytes(0x61, 0x80), 1],
    ['Latin-1 é before a space', bytes(0x61, 0xe9, 0x20), 1],
    ['an overlong "/" (C0 AF)', bytes(0xc0, 0xaf), 0],
    ['an overlong three-byte form (E0 80 80)', bytes(0xe0, 0x80, 0x80), 0],
    ['a surrogate (ED A0 80)', bytes(0x61, 0xed, 0xa0, 0x80), 1],
    ['above U+10FFFF (F4 90 80 80)', bytes(0xf4, 0x90, 0x80, 0x80), 0],
    ['F5, never a lead byte', bytes(0xf5, 0x80, 0x80, 0x80), 0],
    ['a sequence cut by the end of the file', bytes(0x61, 0xe2, 0x82), 1],
    ['a sequence cut by ASCII', bytes(0xe2, 0x41, 0x41), 0],
  ])('%s', (_name, input, expected) => {
    expect(firstInvalidUtf8(input)).toBe(expected);
  });

  it("agrees with the platform's strict decoder on random bytes", () => {
    const random = new SeededRandom(7);
    const strict = new TextDecoder('utf-8', { fatal: true });
    for (let n = 0; n < 3000; n++) {
      // Mostly high bytes, so that sequences of every length and their errors turn up.
      const input = Uint8Array.from({ length: 1 + random.nextInt(8) }, () => (random.nextFloat() < 0.2 ? random.nextInt(128) : 128 + random.nextInt(128)));
      let valid = true;
      try {
        strict.decode(input);
      } catch {
        valid = false;
      }
      const at = firstInvalidUtf8(input);
      expect(at === -1, Array.from(input, (b) => b.toString(16)).join(' ')).toBe(valid);
      if (!valid) {
        // The prefix before the blamed byte is itself valid.
        expect(() => strict.decode(input.subarray(0, at))).not.toThrow();
      }
    }
  });
});

describe('decodeRecipe', () => {
  it('keeps a byte-order mark, so the text encodes back to the same bytes', () => {
    const input = new TextEncoder().encode('\uFEFFseed: 1\r\n');
    const text = decodeRecipe(input, 'r.yaml');
    expect(text.charCodeAt(0)).toBe(0xfeff);
    expect(Buffer.compare(Buffer.from(text, 'utf8'), Buffer.from(input))).toBe(0);
  });

  it('refuses bytes that are not UTF-8 with their location', () => {
    const input = Uint8Array.from([...new TextEncoder().encode('a: 1\nb: "ü'), 0xff, 0x22]);
    try {
      decodeRecipe(input, 'r.yaml');
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(RecipeError);
      expect((error as RecipeError).problems[0]?.at).toEqual({ file: 'r.yaml', line: 2, col: 6 });
      expect((error as RecipeError).message).toMatch(/byte 0xFF/);
    }
  });

  it('locates a byte in UTF-16 units of its line, as the YAML parser counts columns', () => {
    expect(locateByte(new TextEncoder().encode('x\n😀é!'), 8, 'f')).toEqual({ file: 'f', line: 2, col: 4 });
  });
});
