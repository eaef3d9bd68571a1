/**
 * Following a recipe key to the code that acts on it, as a reader does with "find references":
 * from the declaration of the key's resolved form (a property of a type), through every place that
 * moves the value into another holder, to every place that uses it. The TypeScript language
 * service finds the references; this module says which of them move the value on (a hop) and
 * which use it.
 *
 * A hop, from a reference that reads the value (through parentheses, `!`, `as`, `??`, `||`, the
 * branches of `?:`, and a comparison with true, false, null or undefined, which is the value as a
 * flag):
 *  - an object-literal property (`{ q: x.key }`, `{ key }`) whose declaration — the contextual
 *    type's property, else the literal's own — is another symbol than the current holder: the
 *    value continues at that declaration (a copy into the same symbol is no hop, since find
 *    references on the declaration already lists that object's readers);
 *  - a call argument, into the callee's parameter (callees in src/ only; a library call is a use);
 *  - a variable or destructured binding (`const { key } = x`, `const v = x.key`), and an
 *    assignment `o.q = x.key` into another property.
 * Anything else that reads it is a use. A chain is the ordered list of distinct files from the
 * declaration through every hop's site and target to a use; a key's length is its longest chain.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import ts from 'typescript';

export interface Chain {
  /** Files relative to the project root, in the order the value reaches them. */
  readonly files: readonly string[];
  /** How the value travels: "file:line name" per step. */
  readonly steps: readonly string[];
}

/** The longest chain from a holder, and the count of holders explored (a guard against runaway search). */
export interface KeyChains {
  readonly longest: Chain;
  readonly all: readonly Chain[];
}

type Holder = ts.Declaration & { readonly name: ts.Node };

export class KeyFollower {
  private readonly service: ts.LanguageService;
  private readonly program: ts.Program;
  private readonly checker: ts.TypeChecker;
  private readonly referenceCache = new Map<string, ts.Node[]>();

  constructor(
    private readonly root: string,
    private readonly sourceFolder = path.join(root, 'src'),
  ) {
    const files = readdirSync(this.sourceFolder, { recursive: true, withFileTypes: true })
      .filter((e) => e.isFile() && e.name.endsWith('.ts') && !e.name.endsWith('.d.ts'))
      .map((e) => path.join(e.parentPath, e.name));
    const config = ts.readConfigFile(path.join(root, 'tsconfig.json'), (file) => ts.sys.readFile(file));
    const { options } = ts.convertCompilerOptionsFromJson(config.config.compilerOptions, root);
    const texts = new Map<string, string>();
    const host: ts.LanguageServiceHost = {
      getCompilationSettings: () => ({ ...options, noEmit: true }),
      getScriptFileNames: () => files,
      getScriptVersion: () => '1',
      getScriptSnapshot: (file) => {
        if (!texts.has(file)) {
          if (!ts.sys.fileExists(file)) return undefined;
          texts.set(file, readFileSync(file, 'utf8'));
        }
        return ts.ScriptSnapshot.fromString(texts.get(file)!);
      },
      getCurrentDirectory: () => root,
      getDefaultLibFileName: (o) => ts.getDefaultLibFilePath(o),
      fileExists: (file) => ts.sys.fileExists(file),
      readFile: (file) => ts.sys.readFile(file),
      readDirectory: (...args) => ts.sys.readDirectory(...args),
      directoryExists: (folder) => ts.sys.directoryExists(folder),
      getDirectories: (folder) => ts.sys.getDirectories(folder),
    };
    this.service = ts.createLanguageService(host, ts.createDocumentRegistry());
    this.program = this.service.getProgram()!;
    this.checker = this.program.getTypeChecker();
  }

  /**
   * The property declarations named `property` inside the type `typeName` of `file` (relative to
   * the root), at any depth of its type literals: `Stage.name`, or `FilterStep.fraction` for the
   * fraction inside its `target`. Throws when there is none, so a renamed type fails loudly.
   */
  declarations(file: string, typeName: string, property: string): Holder[] {
    const source = this.program.getSourceFile(path.join(this.root, file));
    if (source === undefined) throw new Error(`${file}: no such source file`);
    const found: Holder[] = [];
    const inside = (node: ts.Node): void => {
      if ((ts.isPropertySignature(node) || ts.isPropertyDeclaration(node)) && node.name.getText(source) === property) found.push(node);
      ts.forEachChild(node, inside);
    };
    const top = (node: ts.Node): void => {
      if ((ts.isInterfaceDeclaration(node) || ts.isTypeAliasDeclaration(node)) && node.name.text === typeName) inside(node);
      else ts.forEachChild(node, top);
    };
    top(source);
    if (found.length === 0) throw new Error(`${file}: no property ${property} in a type ${typeName}`);
    return found;
  }

  /** Every `*Spec` interface of a method descriptor in src/methods/ that has `property`. */
  specDeclarations(property: string): Holder[] {
    const found: Holder[] = [];
    for (const source of this.program.getSourceFiles()) {
      if (!this.relative(source.fileName).startsWith('src/methods/')) continue;
      source.forEachChild((node) => {
        if (!ts.isInterfaceDeclaration(node) || !node.name.text.endsWith('Spec')) return;
        for (const member of node.members) if (ts.isPropertySignature(member) && member.name.getText(source) === property) found.push(member);
      });
    }
    if (found.length === 0) throw new Error(`no method spec in src/methods/ has a property ${property}`);
    return found;
  }

  /** Every chain from the holders to a use, and the longest. */
  follow(holders: readonly Holder[]): KeyChains {
    const all: Chain[] = [];
    for (const holder of holders) {
      const file = this.relative(holder.getSourceFile().fileName);
      this.walk(holder, { files: [file], steps: [this.where(holder.name, 'declared')] }, new Set([this.keyOf(holder)]), all);
    }
    const longest = all.reduce<Chain>((a, b) => (b.files.length > a.files.length ? b : a), all[0] ?? { files: [], steps: [] });
    return { longest, all };
  }

  private walk(holder: Holder, chain: Chain, onPath: Set<string>, out: Chain[]): void {
    let used = false;
    for (const reference of this.references(holder)) {
      const move = this.classify(reference, holder);
      if (move === null) continue;
      used = true;
      const site = this.relative(reference.getSourceFile().fileName);
      const here = extend(chain, site, this.where(reference, move.kind === 'use' ? 'used' : `${move.kind} →`));
      if (move.kind === 'use') {
        out.push(here);
        continue;
      }
      for (const target of move.targets) {
        const key = this.keyOf(target);
        if (onPath.has(key)) continue;
        const next = extend(here, this.relative(target.getSourceFile().fileName), this.where(target.name, 'as'));
        onPath.add(key);
        this.walk(target, next, onPath, out);
        onPath.delete(key);
      }
    }
    if (!used) out.push(chain);
  }

  /** What a reference does with the holder's value: nothing (a write, a type, the declaration), a use, or a hop. */
  private classify(
    node: ts.Node,
    holder: Holder,
  ): { kind: 'use' } | { kind: 'copied' | 'passed' | 'bound'; targets: Holder[] } | null {
    if (node === holder.name) return null;
    const parent = node.parent;
    const holderIsVariable = isVariable(holder);
    let value: ts.Expression;
    if (ts.isPropertyAccessExpression(parent) && parent.name === node) value = parent;
    else if (ts.isElementAccessExpression(parent) && parent.argumentExpression === node) value = parent;
    else if (ts.isBindingElement(parent) && (parent.propertyName === node || (parent.propertyName === undefined && parent.name === node))) {
      if (holderIsVariable) return null;
      return ts.isIdentifier(parent.name) ? { kind: 'bound', targets: [parent] as Holder[] } : { kind: 'use' };
    } else if (ts.isShorthandPropertyAssignment(parent) && parent.name === node) {
      if (!holderIsVariable) return null; // `{ key }` writes the property
      value = node as ts.Identifier;
    } else if (
      ts.isPropertyAssignment(parent) ||
      ts.isPropertySignature(parent) ||
      ts.isPropertyDeclaration(parent) ||
      ts.isParameter(parent) ||
      ts.isVariableDeclaration(parent) ||
      ts.isBindingElement(parent)
    ) {
      if ((parent as ts.NamedDeclaration).name === node) return null; // a declaration or a write
      if (ts.isIdentifier(node)) value = node;
      else return null;
    } else if (ts.isIdentifier(node) && holderIsVariable && isExpressionPosition(node)) value = node;
    else return null; // types, imports, string keys of Pick<> and the like
    if (isAssignedTo(value)) return null;
    const carried = carrier(value);
    const at = carried.parent;
    if (ts.isPropertyAssignment(at) && at.initializer === carried) return this.copy(at, holder);
    if (ts.isShorthandPropertyAssignment(at)) return this.copy(at, holder);
    if ((ts.isCallExpression(at) || ts.isNewExpression(at)) && at.arguments?.includes(carried)) return this.pass(at, carried);
    if (ts.isVariableDeclaration(at) && at.initializer === carried) return ts.isIdentifier(at.name) ? { kind: 'bound', targets: [at] } : { kind: 'use' };
    if (ts.isBinaryExpression(at) && at.operatorToken.kind === ts.SyntaxKind.EqualsToken && at.right === carried) {
      const targets = this.declarationsOf(ts.isPropertyAccessExpression(at.left) ? at.left.name : at.left).filter((d) => d !== holder);
      return targets.length === 0 ? { kind: 'use' } : { kind: 'copied', targets };
    }
    return { kind: 'use' };
  }

  /** `{ q: value }`: the declaration of q the literal is typed by, else the literal's own. */
  private copy(property: ts.PropertyAssignment | ts.ShorthandPropertyAssignment, holder: Holder) {
    const literal = property.parent;
    const name = property.name.getText();
    const contextual = this.checker.getContextualType(literal);
    const targets: Holder[] = [];
    if (contextual !== undefined) {
      const types = contextual.isUnion() ? contextual.types : [contextual];
      for (const type of types) {
        for (const declaration of type.getProperty(name)?.declarations ?? []) {
          if (!targets.includes(declaration as Holder) && isInSource(declaration, this.sourceFolder)) targets.push(declaration as Holder);
        }
      }
    }
    if (targets.length === 0) targets.push(property);
    if (targets.some((t) => this.keyOf(t) === this.keyOf(holder))) return null; // the same symbol: its readers are the holder's
    return { kind: 'copied' as const, targets };
  }

  /** `f(value)`: the callee's parameter, when the callee is code of src/ with a named parameter there. */
  private pass(call: ts.CallExpression | ts.NewExpression, argument: ts.Expression) {
    const declaration = this.checker.getResolvedSignature(call)?.declaration;
    if (declaration === undefined || ts.isJSDocSignature(declaration) || !isInSource(declaration, this.sourceFolder)) return { kind: 'use' as const };
    const index = call.arguments!.indexOf(argument);
    const parameters = declaration.parameters;
    const parameter = parameters[Math.min(index, parameters.length - 1)];
    if (parameter === undefined) return { kind: 'use' as const };
    return { kind: 'passed' as const, targets: [parameter as Holder] };
  }

  private declarationsOf(node: ts.Node): Holder[] {
    const symbol = this.checker.getSymbolAtLocation(node);
    return (symbol?.declarations ?? []).filter((d) => isInSource(d, this.sourceFolder)) as Holder[];
  }

  private references(holder: Holder): ts.Node[] {
    const key = this.keyOf(holder);
    const cached = this.referenceCache.get(key);
    if (cached !== undefined) return cached;
    const source = holder.getSourceFile();
    const found: ts.Node[] = [];
    // A variable's own references only: `const { file } = x` also names the property file, whose
    // other readers are not this variable's.
    const variable = isVariable(holder) ? this.checker.getSymbolAtLocation(holder.name) : undefined;
    for (const symbol of this.service.findReferences(source.fileName, holder.name.getStart(source)) ?? []) {
      for (const reference of symbol.references) {
        const file = this.program.getSourceFile(reference.fileName);
        if (file === undefined || !file.fileName.startsWith(this.sourceFolder)) continue;
        const node = nodeAt(file, reference.textSpan.start);
        if (node === undefined || found.includes(node)) continue;
        if (variable !== undefined && this.variableAt(node) !== variable) continue;
        found.push(node);
      }
    }
    this.referenceCache.set(key, found);
    return found;
  }

  /** The variable an identifier names (in `{ v }`, the variable, not the property). */
  private variableAt(node: ts.Node): ts.Symbol | undefined {
    if (ts.isShorthandPropertyAssignment(node.parent) && node.parent.name === node) return this.checker.getShorthandAssignmentValueSymbol(node.parent);
    return this.checker.getSymbolAtLocation(node);
  }

  private keyOf(node: ts.Node): string {
    return `${node.getSourceFile().fileName}:${node.getStart()}`;
  }

  private where(node: ts.Node, what: string): string {
    const source = node.getSourceFile();
    const { line } = source.getLineAndCharacterOfPosition(node.getStart(source));
    return `${what} ${this.relative(source.fileName)}:${line + 1} ${node.getText(source).slice(0, 60)}`;
  }

  private relative(file: string): string {
    return path.relative(this.root, file).split(path.sep).join('/');
  }
}

function isVariable(node: ts.Node): boolean {
  return ts.isVariableDeclaration(node) || ts.isParameter(node) || ts.isBindingElement(node);
}

function extend(chain: Chain, file: string, step: string): Chain {
  return { files: chain.files.includes(file) ? chain.files : [...chain.files, file], steps: [...chain.steps, step] };
}

function isInSource(node: ts.Node, folder: string): boolean {
  return node.getSourceFile().fileName.startsWith(folder);
}

/** The expression that carries the value on (see the hops above). */
function carrier(value: ts.Expression): ts.Expression {
  let node: ts.Expression = value;
  for (;;) {
    const parent = node.parent;
    if (ts.isParenthesizedExpression(parent) || ts.isNonNullExpression(parent) || ts.isAsExpression(parent) || ts.isSatisfiesExpression(parent)) node = parent;
    else if (ts.isBinaryExpression(parent) && [ts.SyntaxKind.QuestionQuestionToken, ts.SyntaxKind.BarBarToken].includes(parent.operatorToken.kind)) node = parent;
    else if (ts.isConditionalExpression(parent) && parent.condition !== node) node = parent;
    else if (ts.isPrefixUnaryExpression(parent) && parent.operator === ts.SyntaxKind.ExclamationToken) node = parent;
    else if (ts.isBinaryExpression(parent) && EQUALITY.includes(parent.operatorToken.kind) && isConstant(parent.left === node ? parent.right : parent.left)) node = parent;
    else return node;
  }
}

const EQUALITY = [ts.SyntaxKind.EqualsEqualsEqualsToken, ts.SyntaxKind.ExclamationEqualsEqualsToken, ts.SyntaxKind.EqualsEqualsToken, ts.SyntaxKind.ExclamationEqualsToken];

/** true, false, null, undefined: a comparison with one of them is the value itself as a flag. */
function isConstant(node: ts.Expression): boolean {
  return (
    node.kind === ts.SyntaxKind.TrueKeyword ||
    node.kind === ts.SyntaxKind.FalseKeyword ||
    node.kind === ts.SyntaxKind.NullKeyword ||
    (ts.isIdentifier(node) && node.text === 'undefined')
  );
}

function isAssignedTo(value: ts.Expression): boolean {
  const parent = value.parent;
  return ts.isBinaryExpression(parent) && parent.left === value && parent.operatorToken.kind >= ts.SyntaxKind.FirstAssignment && parent.operatorToken.kind <= ts.SyntaxKind.LastAssignment;
}

function isExpressionPosition(node: ts.Identifier): boolean {
  const parent = node.parent;
  if (ts.isPropertyAccessExpression(parent) && parent.name === node) return false;
  if (ts.isTypeReferenceNode(parent) || ts.isTypeQueryNode(parent) || ts.isImportSpecifier(parent) || ts.isExportSpecifier(parent)) return false;
  if (ts.isQualifiedName(parent)) return false;
  return true;
}

/** The innermost node that starts at `position` (the reference's name). */
function nodeAt(source: ts.SourceFile, position: number): ts.Node | undefined {
  let found: ts.Node | undefined;
  const visit = (node: ts.Node): void => {
    if (node.getStart(source) <= position && position < node.getEnd()) {
      if (node.getStart(source) === position) found = node;
      ts.forEachChild(node, visit);
    }
  };
  visit(source);
  return found;
}
