/**
 * What code threw, as one piece of text. JavaScript can throw anything — a number, null, an object
 * whose toString itself throws — and code that is not ours (a plugin, a JavaScript config) does;
 * reporting it must not fail in turn.
 */
export function thrownText(thrown: unknown): string {
  try {
    return thrown instanceof Error ? thrown.message : String(thrown);
  } catch {
    return `a thrown ${typeof thrown} that cannot be shown as text`;
  }
}
