/**
 * Imports a plugin module's default export from exactly the bytes whose hash was taken: the
 * module is imported as a data: URL of those bytes (TypeScript, which Node 20 cannot import, first
 * compiled in memory with the `typescript` package's transpileModule when it can be imported). So
 * what runs is what was hashed — the hash the plan, the stage cache key and resume's plan check
 * carry — and a plugin is one file: a data: URL can import node: built-ins but no relative files,
 * which would be code outside the hash (and possibly outside the recipe's folder).
 */
import type { PluginExtension } from './place.js';

export type Imported = { readonly ok: true; readonly exported: unknown } | { readonly ok: false; readonly problem: string };

type TypeScript = typeof import('typescript');

async function typescript(): Promise<TypeScript | null> {
  try {
    const loaded = (await import('typescript')) as TypeScript & { default?: TypeScript };
    return loaded.default ?? loaded;
  } catch {
    // Not installed (it is a devDependency of prune-run): the caller says what to do instead.
    return null;
  }
}

async function compiled(file: string, source: string, given: string): Promise<{ url: string } | { problem: string }> {
  const ts = await typescript();
  if (ts === null) {
    return { problem: `plugin module "${given}" is TypeScript, which needs the typescript package to compile: npm install typescript, or write the plugin as .js` };
  }
  const output = ts.transpileModule(source, {
    fileName: file,
    reportDiagnostics: true,
    compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022, sourceMap: false, inlineSourceMap: false },
  });
  const first = output.diagnostics?.[0];
  if (first !== undefined) {
    const where = first.file !== undefined && first.start !== undefined ? first.file.getLineAndCharacterOfPosition(first.start) : null;
    const at = where === null ? '' : ` at ${String(where.line + 1)}:${String(where.character + 1)}`;
    return { problem: `plugin module "${given}" does not compile${at}: ${ts.flattenDiagnosticMessageText(first.messageText, ' ')}` };
  }
  return { url: `data:text/javascript;base64,${Buffer.from(output.outputText, 'utf8').toString('base64')}` };
}

/** The module's default export; `bytes` are the file's content as hashed (`sha256`). */
export async function importPlugin(file: string, extension: PluginExtension, bytes: Uint8Array, sha256: string, given: string): Promise<Imported> {
  let url: string;
  if (extension === '.ts') {
    const result = await compiled(file, Buffer.from(bytes).toString('utf8'), given);
    if ('problem' in result) return { ok: false, problem: result.problem };
    url = result.url;
  } else {
    // The hash in the URL keeps Node's module cache from serving an older version of the same file.
    url = `data:text/javascript;base64,${Buffer.from(bytes).toString('base64')}#${sha256}`;
  }
  let namespace: Record<string, unknown>;
  try {
    namespace = (await import(url)) as Record<string, unknown>;
  } catch (error) {
    // A compiled module's URL is its whole source in base64: name the file instead.
    const message = (error instanceof Error ? error.message : String(error)).replaceAll(url, file);
    const hint = /relative|resolve|ERR_UNSUPPORTED/i.test(message) ? ' (a plugin is loaded from its own bytes and can import only node: built-ins; put its helpers in the same file)' : '';
    return { ok: false, problem: `cannot import plugin module "${given}": ${message}${hint}` };
  }
  if (!('default' in namespace)) {
    return { ok: false, problem: `plugin module "${given}" has no default export; export default { name, kind, computeMask } (type PruningPlugin)` };
  }
  return { ok: true, exported: namespace['default'] };
}
