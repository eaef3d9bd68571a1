/**
 * The command reaches TF.js only through `import()`: every prune-run process that does not run
 * (--help, --version, --dry-run, compare, bad input) would otherwise spend ~1 s of CPU loading
 * @tensorflow/* and its wasm backend. This walks the STATIC import graph of src/cli/main.ts — the
 * `import`/`export … from` declarations that load a module when the importer loads, not `import()`
 * and not type-only imports, which the compiler erases — and checks no @tensorflow/* module is on it.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const SRC = fileURLToPath(new URL('../../src/', import.meta.url));

/**
 * Whether the compiler keeps this declaration in the JavaScript. Conservative: a value import used
 * only as a type is erased too, but counting it can only make the test stricter, never pass wrongly.
 */
function loadsAtRuntime(statement: ts.ImportDeclaration | ts.ExportDeclaration): boolean {
  if (ts.isExportDeclaration(statement)) {
    if (statement.isTypeOnly) return false;
    const clause = statement.exportClause;
    return clause === undefined || !ts.isNamedExports(clause) || clause.elements.length === 0 || clause.elements.some((e) => !e.isTypeOnly);
  }
  const clause = statement.importClause;
  if (clause === undefined) return true; // `import './x.js'`: for its side effects
  if (clause.isTypeOnly) return false;
  if (clause.name !== undefined) return true;
  const bindings = clause.namedBindings;
  if (bindings === undefined || ts.isNamespaceImport(bindings)) return true;
  // `import { type A, type B }` is erased (no verbatimModuleSyntax in tsconfig.json); `import {}` is kept.
  return bindings.elements.length === 0 || bindings.elements.some((e) => !e.isTypeOnly);
}

/** The specifiers a src/ file loads statically. */
function staticImports(file: string): string[] {
  const source = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.ES2022, false);
  return source.statements
    .filter((s): s is ts.ImportDeclaration | ts.ExportDeclaration => ts.isImportDeclaration(s) || ts.isExportDeclaration(s))
    .filter(loadsAtRuntime)
    .flatMap((s) => (s.moduleSpecifier !== undefined && ts.isStringLiteral(s.moduleSpecifier) ? [s.moduleSpecifier.text] : []));
}

/** Every @tensorflow/* specifier reached statically from `entry` (relative to src/), each with the chain of files that reaches it. */
function tensorflowReachedFrom(entry: string): string[] {
  const start = path.join(SRC, entry);
  const parent = new Map<string, string | null>([[start, null]]);
  const queue = [start];
  const reached: string[] = [];
  const chainOf = (file: string): string => {
    const chain: string[] = [];
    for (let at: string | null | undefined = file; at != null; at = parent.get(at)) chain.unshift(path.relative(SRC, at));
    return chain.join(' > ');
  };
  for (let file = queue.shift(); file !== undefined; file = queue.shift()) {
    for (const specifier of staticImports(file)) {
      if (specifier.startsWith('@tensorflow/')) reached.push(`${specifier} <- ${chainOf(file)}`);
      if (!specifier.startsWith('.')) continue;
      const target = path.resolve(path.dirname(file), specifier).replace(/\.js$/, '.ts');
      if (!target.startsWith(SRC) || parent.has(target)) continue; // ../package.json and the like, or seen
      parent.set(target, file);
      queue.push(target);
    }
  }
  return reached;
}

describe('the static import graph of the command', () => {
  it('finds TF.js where it is imported statically (the walk itself works)', () => {
    expect(tensorflowReachedFrom('engine/train.ts')).toContain('@tensorflow/tfjs <- engine/train.ts');
    expect(tensorflowReachedFrom('runner/recipeRun.ts').some((hit) => hit.startsWith('@tensorflow/tfjs-backend-wasm <- '))).toBe(true);
  });

  it('reaches no @tensorflow/* module from cli/main.ts: the engine is loaded by import() where a run needs it', () => {
    expect(tensorflowReachedFrom('cli/main.ts')).toEqual([]);
  });
});
