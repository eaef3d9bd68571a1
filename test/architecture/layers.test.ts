/**
 * The layers of src/ run one way: every import, type-only ones included, goes from a folder to one
 * listed before it in LAYERS (or stays inside its folder), and no file reaches itself through its
 * imports. Imports are read with the TypeScript compiler's own pre-processor, which sees `import`,
 * `import type`, `export … from` and `import()` alike.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const SRC = fileURLToPath(new URL('../../src/', import.meta.url));

/**
 * The layers, lowest first: a folder of src/ (or a file directly in it) may import only from
 * itself and from layers before it. A new folder must be placed here before its first import counts.
 */
const LAYERS = [
  'util', // seeded randomness, content hashes, the event loop: plain Node, nothing of the project
  'errors', // the error types and their code lists, which every layer throws
  'version', // the package's version, read from package.json
  'formats', // file formats (safetensors): bytes in, tensors out; knows no model, run or recipe
  'schedules', // sparsity-at-step functions, pure maths
  'prune', // the pruning core: tensors and masks only, no TF.js models, no YAML, no files
  'data', // data sets as typed arrays, and the description of where they come from
  'layers', // one descriptor per TF.js layer kind, pure data the engine and export consult
  'models', // what a model is made of (layers, parameters, merges), read from model.json or LeNet
  'methods', // one descriptor per pruning method: recipe fields, spec, plan checks, core method, API entry
  'api', // the layer-level prune.* library on TF.js layers; the engine prunes through it as a user would
  'recipe', // YAML → validated, resolved recipe; describes data and methods with the types above
  'plan', // resolved recipe → plain, serialisable tasks
  'plugins', // loading a recipe's plugin modules (needs the recipe) and handing them to the engine
  'engine', // executes a plan's tasks on TF.js: backend, training, pruning, evaluation, session state
  'export', // what a pruned model is written as (compact, sparse), from the engine's model
  'runs', // a run's folder and files: manifest, metrics, record, report (of plans, engine results, exports)
  'cache', // checkpoints of the engine's session state by cache key (keys name plan tasks)
  'runner', // runs a recipe end to end: plan, engine, cache and runs together
  'compare', // compares finished runs' folders
  'sweep', // a sweep file's points, run as processes of the command, sharded, merged into a report
  'cli', // the command line: arguments, config, progress, exit statuses over runner and compare
  'index', // the package's public entry, re-exporting from every layer
] as const;

/** Paths relative to src/, with forward slashes, so edges read the same on every system. */
const relative = (file: string) => path.relative(SRC, file).split(path.sep).join('/');

/** Every relative import of every src/ file, as "from → to" edges between src/ files. */
function importGraph(): Map<string, Set<string>> {
  const files = readdirSync(SRC, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile() && entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts'))
    .map((entry) => path.join(entry.parentPath, entry.name));
  const known = new Set(files.map(relative));
  const graph = new Map<string, Set<string>>();
  for (const file of files) {
    const targets = new Set<string>();
    for (const { fileName } of ts.preProcessFile(readFileSync(file, 'utf8'), true, true).importedFiles) {
      if (!fileName.startsWith('.')) continue;
      const target = relative(path.resolve(path.dirname(file), fileName)).replace(/\.js$/, '.ts');
      if (target.startsWith('../')) continue; // package.json and the like, outside src/
      if (!known.has(target)) throw new Error(`${relative(file)} imports ${fileName}, which is no file of src/`);
      targets.add(target);
    }
    graph.set(relative(file), targets);
  }
  return graph;
}

/** The layer of a src/ file: its top folder, or its own name for a file directly in src/. */
function layerOf(file: string): string {
  const [top, ...rest] = file.split('/');
  return rest.length === 0 ? top!.replace(/\.ts$/, '') : top!;
}

/** The groups of files that import each other round (Tarjan's strongly connected components). */
function cycles(graph: ReadonlyMap<string, ReadonlySet<string>>): string[][] {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const found: string[][] = [];
  const visit = (file: string): void => {
    index.set(file, index.size);
    low.set(file, index.get(file)!);
    stack.push(file);
    onStack.add(file);
    for (const next of graph.get(file) ?? []) {
      if (!index.has(next)) {
        visit(next);
        low.set(file, Math.min(low.get(file)!, low.get(next)!));
      } else if (onStack.has(next)) {
        low.set(file, Math.min(low.get(file)!, index.get(next)!));
      }
    }
    if (low.get(file) !== index.get(file)) return;
    const group: string[] = [];
    let member: string;
    do {
      member = stack.pop()!;
      onStack.delete(member);
      group.push(member);
    } while (member !== file);
    if (group.length > 1 || graph.get(file)?.has(file)) found.push(group.sort());
  };
  for (const file of graph.keys()) if (!index.has(file)) visit(file);
  return found;
}

const edgesOf = (graph: ReadonlyMap<string, ReadonlySet<string>>) =>
  [...graph].flatMap(([from, targets]) => [...targets].map((to) => `${from} → ${to}`));

describe('layers of src/', () => {
  const graph = importGraph();
  const rank = new Map<string, number>(LAYERS.map((layer, i) => [layer, i]));

  it('places every folder and top-level file of src/ in LAYERS', () => {
    const unplaced = [...new Set([...graph.keys()].map(layerOf))].filter((layer) => !rank.has(layer));
    expect(unplaced, 'add these to LAYERS, where their imports put them').toEqual([]);
  });

  it('imports only from the same layer or a lower one', () => {
    const upward = edgesOf(graph).filter((edge) => {
      const [from, to] = edge.split(' → ') as [string, string];
      return rank.get(layerOf(to))! > rank.get(layerOf(from))!;
    });
    expect(upward).toEqual([]);
  });

  it('has no import cycle between files, type-only imports included', () => {
    expect(cycles(graph)).toEqual([]);
  });

  it('reads type-only imports and finds cycles', () => {
    // The checks above would pass vacuously if the reader or the search missed edges.
    expect(graph.get('formats/safetensors.ts')).toEqual(new Set(['errors.ts']));
    expect(graph.get('engine/backend/wasmKernels/conv2dFilterIm2col.ts')).toContain('engine/backend/wasmKernels/filterGradientGeometry.ts');
    const looped = new Map([
      ['a.ts', new Set(['b.ts'])],
      ['b.ts', new Set(['c.ts'])],
      ['c.ts', new Set(['a.ts', 'd.ts'])],
      ['d.ts', new Set<string>()],
      ['e.ts', new Set(['e.ts'])],
    ]);
    expect(cycles(looped)).toEqual([['a.ts', 'b.ts', 'c.ts'], ['e.ts']]);
  });
});
