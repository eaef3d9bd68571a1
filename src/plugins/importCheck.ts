/**
 * The static half of the import rule (importRules.ts): every import of a plugin module's source
 * — `import … from`, `export … from`, `import()` — found with a real parser before the module runs,
 * so a refusal names the plugin's own line and column. JavaScript is read with acorn. TypeScript is
 * read with the compiler that compiles it; its imports that compile to nothing (`import type`, and
 * imports used only as types, which the compiler drops) are not imports of the code that runs.
 */
import { parse } from 'acorn';
import type { CustomMethodSpec } from '../methods/index.js';
import { importProblem, ALLOWED_IMPORTS } from './importRules.js';

type TypeScript = typeof import('typescript');
type TsNode = import('typescript').Node;

/** One import of the source: its specifier (null: computed) and where it is, 1-based. */
interface ImportSite {
  readonly specifier: string | null;
  readonly line: number;
  readonly col: number;
}

export type ImportCheck = { readonly ok: true } | { readonly ok: false; readonly problem: string };

interface EstreeNode {
  readonly type: string;
  readonly loc?: { readonly start: { readonly line: number; readonly column: number } } | null;
  readonly source?: EstreeNode | null;
  readonly value?: unknown;
  readonly expressions?: readonly unknown[];
  readonly quasis?: readonly { readonly value: { readonly cooked?: string | null } }[];
}

const isNode = (value: unknown): value is EstreeNode => typeof value === 'object' && value !== null && typeof (value as { type?: unknown }).type === 'string';

/** A string literal's value, or a template literal's without substitutions; null for anything computed. */
function literalOf(node: EstreeNode | null | undefined): string | null {
  if (node === null || node === undefined) return null;
  if (node.type === 'Literal' && typeof node.value === 'string') return node.value;
  if (node.type === 'TemplateLiteral' && node.expressions?.length === 0) return node.quasis?.[0]?.value.cooked ?? null;
  return null;
}

/** Every import of an ES module's JavaScript source, in source order; throws acorn's SyntaxError (with `loc`). */
function javascriptImports(source: string): ImportSite[] {
  const program = parse(source, { ecmaVersion: 'latest', sourceType: 'module', locations: true, allowHashBang: true }) as unknown as EstreeNode;
  const sites: ImportSite[] = [];
  const visit = (node: EstreeNode) => {
    const isImport = node.type === 'ImportDeclaration' || node.type === 'ImportExpression';
    const isReexport = (node.type === 'ExportNamedDeclaration' || node.type === 'ExportAllDeclaration') && isNode(node.source);
    if (isImport || isReexport) {
      const at = node.source?.loc?.start ?? node.loc?.start ?? { line: 1, column: 0 };
      sites.push({ specifier: literalOf(node.source), line: at.line, col: at.column + 1 });
    }
    for (const value of Object.values(node)) {
      if (Array.isArray(value)) for (const item of value) if (isNode(item)) visit(item);
      if (isNode(value)) visit(value);
    }
  };
  visit(program);
  return sites.sort((a, b) => a.line - b.line || a.col - b.col);
}

/**
 * The imports of a TypeScript source that its compiled JavaScript (`compiled`) still has, with
 * their places in the TypeScript.
 */
function typescriptImports(ts: TypeScript, file: string, source: string, compiled: string): ImportSite[] {
  const sourceFile = ts.createSourceFile(file, source, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
  // The static imports the compiler kept, by specifier (a count each: the same module may be imported twice).
  const kept = new Map<string, number>();
  for (const site of javascriptImports(compiled)) {
    if (site.specifier !== null) kept.set(site.specifier, (kept.get(site.specifier) ?? 0) + 1);
  }
  const sites: ImportSite[] = [];
  const add = (node: TsNode, specifier: string | null, dynamic: boolean) => {
    if (!dynamic && specifier !== null) {
      const left = kept.get(specifier) ?? 0;
      if (left === 0) return; // compiled away: a type-only import
      kept.set(specifier, left - 1);
    }
    const at = sourceFile.getLineAndCharacterOfPosition(node.getStart(sourceFile));
    sites.push({ specifier, line: at.line + 1, col: at.character + 1 });
  };
  const visit = (node: TsNode): void => {
    if (ts.isImportDeclaration(node) && node.importClause?.isTypeOnly !== true && ts.isStringLiteral(node.moduleSpecifier)) {
      add(node.moduleSpecifier, node.moduleSpecifier.text, false);
    } else if (ts.isExportDeclaration(node) && !node.isTypeOnly && node.moduleSpecifier !== undefined && ts.isStringLiteral(node.moduleSpecifier)) {
      add(node.moduleSpecifier, node.moduleSpecifier.text, false);
    } else if (ts.isImportEqualsDeclaration(node) && ts.isExternalModuleReference(node.moduleReference)) {
      const expression = node.moduleReference.expression;
      add(expression, ts.isStringLiteral(expression) ? expression.text : null, true);
    } else if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword) {
      const argument = node.arguments[0];
      add(argument ?? node, argument !== undefined && ts.isStringLiteralLike(argument) ? argument.text : null, true);
    }
    ts.forEachChild(node, visit);
  };
  visit(sourceFile);
  return sites;
}

/**
 * Checks every import of a plugin module against the rule. `file` is the module's real path,
 * `spec.module` its name in the recipe; for TypeScript, `typescript` is the compiler and `compiled` its output.
 */
export function checkPluginImports(
  file: string,
  spec: Pick<CustomMethodSpec, 'module'>,
  source: string,
  typescript: { readonly ts: TypeScript; readonly compiled: string } | null,
): ImportCheck {
  let sites: ImportSite[];
  try {
    sites = typescript === null ? javascriptImports(source) : typescriptImports(typescript.ts, file, source, typescript.compiled);
  } catch (error) {
    const loc = (error as { loc?: { line: number; column: number } }).loc;
    const message = error instanceof Error ? error.message.replace(/ \(\d+:\d+\)$/, '') : String(error);
    const at = loc === undefined ? '' : ` at ${file}:${String(loc.line)}:${String(loc.column + 1)}`;
    return { ok: false, problem: `plugin module "${spec.module}" is not a valid ES module${at}: ${message}` };
  }
  const refused = sites.flatMap((site) => {
    const problem = importProblem(site.specifier);
    return problem === null ? [] : [`${file}:${String(site.line)}:${String(site.col)}: ${problem}`];
  });
  if (refused.length === 0) return { ok: true };
  return { ok: false, problem: `plugin module "${spec.module}" imports what a plugin may not (it can import ${ALLOWED_IMPORTS}): ${refused.join('; ')}` };
}
