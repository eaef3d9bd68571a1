/**
 * The glob language of recipe selectors: `*` matches any run of characters (also none), `?`
 * exactly one; every other character matches itself, case-sensitively, over the whole text.
 * Layer and parameter names never contain `*` or `?`, so there is no escape syntax.
 *
 * Written as a linear scan with one backtrack point instead of a RegExp built from the pattern,
 * so that regex metacharacters in names (`.`, `+`, `/` in TF.js weight names) need no escaping
 * and a pattern cannot cause catastrophic backtracking.
 */
export function matchGlob(pattern: string, text: string): boolean {
  let p = 0;
  let t = 0;
  // Where the last `*` was in the pattern, and the text position it is currently matched up to.
  let starP = -1;
  let starT = 0;
  while (t < text.length) {
    const c = pattern[p];
    if (c === '*') {
      starP = p++;
      starT = t;
    } else if (c !== undefined && (c === '?' || c === text[t])) {
      p++;
      t++;
    } else if (starP >= 0) {
      // Let the last `*` swallow one more character and retry from there.
      p = starP + 1;
      t = ++starT;
    } else {
      return false;
    }
  }
  while (pattern[p] === '*') p++;
  return p === pattern.length;
}
