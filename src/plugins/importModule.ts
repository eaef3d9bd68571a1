/**
 * A plugin module's code as it will run: exactly the bytes whose hash was taken, as a data: URL
 * (TypeScript, which Node 20 cannot import, first compiled in memory with the `typescript`
 * package's transpileModule when it can be imported), with every import checked against the rule
 * (importCheck.ts) before anything of it runs. So what runs is what was hashed — the hash the plan,
 * the stage cache key and resume's plan check carry — and a plugin is one file.
 */
import type { CustomMethodSpec } from '../methods/index.js';
import { checkPluginImports } from './importCheck.js';
import type { PluginExtension } from './place.js';

export type ModuleCode = { readonly ok: true; readonly url: string } | { readonly ok: false; readonly problem: string };

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

async function compiled(file: string, source: string, spec: Pick<CustomMethodSpec, 'module'>): Promise<ModuleCode> {
  const ts = await typescript();
  if (ts === null) {
    return { ok: false, problem: `plugin module "${spec.module}" is TypeScript, which needs the typescript package to compile: npm install typescript, or write the plugin as .js` };
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
    return { ok: false, problem: `plugin module "${spec.module}" does not compile${at}: ${ts.flattenDiagnosticMessageText(first.messageText, ' ')}` };
  }
  const imports = checkPluginImports(file, spec, source, { ts, compiled: output.outputText });
  if (!imports.ok) return imports;
  return { ok: true, url: `data:text/javascript;base64,${Buffer.from(output.outputText, 'utf8').toString('base64')}` };
}

/** The module's code to import; `bytes` are the file's content as hashed (`sha256`), `spec.module` its name in the recipe. */
export async function moduleCode(file: string, extension: PluginExtension, bytes: Uint8Array, sha256: string, spec: Pick<CustomMethodSpec, 'module'>): Promise<ModuleCode> {
  const source = Buffer.from(bytes).toString('utf8');
  if (extension === '.ts') return compiled(file, source, spec);
  const imports = checkPluginImports(file, spec, source, null);
  if (!imports.ok) return imports;
  // The hash in the URL keeps Node's module cache from serving an older version of the same file.
  return { ok: true, url: `data:text/javascript;base64,${Buffer.from(bytes).toString('base64')}#${sha256}` };
}
