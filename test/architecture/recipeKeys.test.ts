/**
 * Following any recipe key to the code that acts on it takes at most 3 files (issue 13). For every
 * key of schemas/recipe.schema.json, file 1 declares its resolved form (a property of
 * recipe/types.ts, of a method descriptor's spec in src/methods/, or of the lower-layer type the
 * resolved recipe holds it in); find references on that property, followed through every copy
 * into another holder (keyChains.ts says what counts as a hop), must reach every use within 3
 * distinct files.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { KeyFollower, type KeyChains } from './keyChains.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const MOST_FILES = 3;

/**
 * Keys that only hold other keys (an object or a list of them): their leaves are checked instead.
 * `rewind` is not here: `rewind: init` is a value.
 */
const STRUCTURE = new Set([
  'data',
  'data.idx',
  'data.idx.train',
  'data.idx.test',
  'model',
  'train',
  'stages',
  'stages[].finetune',
  'stages[].filters',
  'stages[].filters.target',
  'stages[].filters.select',
  'stages[].global',
  'stages[].global.select',
  'stages[].global.allocate',
  'stages[].global.schedule',
  'stages[].global.importance_scores',
  'stages[].remove',
  'stages[].targets',
  'stages[].targets[].select',
  'stages[].targets[].schedule',
  'stages[].targets[].importance_scores',
  'stages[].targets[].mask',
  'report',
  'export',
  'expect',
]);

type Where = readonly [file: string, type: string, property: string] | { readonly spec: string };
const RECIPE = 'src/recipe/types.ts';
const selector = (key: string): Where => [RECIPE, 'Selector', key];
const schedule = (key: string): Where => ['src/schedules/index.ts', 'ScheduleSpec', key];
const maskFile = (key: string): Where => ['src/prune/spec.ts', 'MaskReference', key];
const train = (key: string): Where => [RECIPE, 'TrainConfig', key];

/** Where each value key's resolved form is declared: the property find references starts from. */
const RESOLVED: Readonly<Record<string, readonly Where[]>> = {
  seed: [[RECIPE, 'ResolvedRecipe', 'seed']],
  'model.builtin': [['src/models/builtin.ts', 'BuiltinModel', 'name']],
  'model.classes': [['src/models/architecture.ts', 'ModelShape', 'classes']],
  'model.input_shape': [['src/models/architecture.ts', 'ModelShape', 'inputShape']],
  'model.depth': [['src/models/resnet.ts', 'ResnetOptions', 'depth']],
  'model.width': [['src/models/resnet.ts', 'ResnetOptions', 'width'], ['src/models/mobilenet.ts', 'MobilenetOptions', 'width']],
  // Declared with the model description (ModelFile), which the readers in models/ take whole.
  'model.path': [['src/models/description.ts', 'ModelFile', 'path']],
  'model.onnx': [['src/models/description.ts', 'ModelFile', 'path']],
  'data.builtin': [['src/data/types.ts', 'DataSource', 'name']],
  'data.train_size': [['src/data/types.ts', 'DataSource', 'trainSize']],
  'data.test_size': [['src/data/types.ts', 'DataSource', 'testSize']],
  'data.idx.train.images': [['src/data/types.ts', 'IdxFilePair', 'images']],
  'data.idx.train.labels': [['src/data/types.ts', 'IdxFilePair', 'labels']],
  'data.idx.test.images': [['src/data/types.ts', 'IdxFilePair', 'images']],
  'data.idx.test.labels': [['src/data/types.ts', 'IdxFilePair', 'labels']],
  'train.epochs': [train('epochs')],
  'train.batch_size': [train('batchSize')],
  'train.learning_rate': [train('learningRate')],
  'train.optimizer': [train('optimizer')],
  'stages[].finetune.epochs': [train('epochs')],
  'stages[].finetune.batch_size': [train('batchSize')],
  'stages[].finetune.learning_rate': [train('learningRate')],
  'stages[].finetune.optimizer': [train('optimizer')],
  'stages[].name': [[RECIPE, 'Stage', 'name']],
  'stages[].fresh': [[RECIPE, 'Stage', 'fresh']],
  'stages[].repeat': [[RECIPE, 'Stage', 'repeat']],
  'stages[].rewind': [[RECIPE, 'LocatedRewind', 'point']],
  'stages[].rewind.epoch': [[RECIPE, 'RewindPoint', 'epoch']],
  // Declared where they act, in the core's GroupTarget; the recipe's FilterStep, the API and the plan reuse them.
  'stages[].filters.min_channels': [['src/prune/groupTarget.ts', 'GroupTarget', 'minChannels']],
  'stages[].filters.target.macs': [['src/prune/groupTarget.ts', 'GroupTarget', 'fraction']],
  'stages[].filters.target.params': [['src/prune/groupTarget.ts', 'GroupTarget', 'fraction']],
  'stages[].global.method': [{ spec: 'method' }],
  'stages[].global.amount': [{ spec: 'amount' }],
  'stages[].global.count': [{ spec: 'amount' }],
  // Declared once where it acts, in the core; the recipe, the plan and the API reuse the declaration.
  'stages[].global.max_sparsity_per_layer': [['src/prune/global.ts', 'GlobalOptions', 'maxSparsityPerLayer']],
  'stages[].global.allocate.by': [[RECIPE, 'PruningStep', 'allocate']],
  'stages[].global.allocate.amounts': [[RECIPE, 'PruningStep', 'amounts']],
  'stages[].global.importance_scores.*.param': [[RECIPE, 'ImportanceReference', 'param']],
  'stages[].global.importance_scores.*.file': [maskFile('file')],
  'stages[].global.importance_scores.*.tensor': [maskFile('tensor')],
  'stages[].global.importance_scores.*.layout': [maskFile('layout')],
  'stages[].targets[].method': [{ spec: 'method' }],
  'stages[].targets[].amount': [{ spec: 'amount' }],
  'stages[].targets[].count': [{ spec: 'amount' }],
  'stages[].targets[].axis': [{ spec: 'axis' }],
  'stages[].targets[].dim': [{ spec: 'axis' }],
  // Declared where it is read, in the core's NormOption; ln_structured's spec and the API's GroupNormOptions reuse it.
  'stages[].targets[].n': [['src/prune/norm.ts', 'NormOption', 'n']],
  'stages[].targets[].groups': [{ spec: 'groups' }],
  'stages[].targets[].pattern': [{ spec: 'pattern' }],
  'stages[].targets[].module': [{ spec: 'module' }],
  'stages[].targets[].options': [{ spec: 'options' }],
  'stages[].targets[].mask.file': [maskFile('file')],
  'stages[].targets[].mask.tensor': [maskFile('tensor')],
  'stages[].targets[].mask.layout': [maskFile('layout')],
  'stages[].targets[].importance_scores.param': [[RECIPE, 'ImportanceReference', 'param']],
  'stages[].targets[].importance_scores.file': [maskFile('file')],
  'stages[].targets[].importance_scores.tensor': [maskFile('tensor')],
  'stages[].targets[].importance_scores.layout': [maskFile('layout')],
  'report.evaluate': [[RECIPE, 'ReportConfig', 'evaluate']],
  'report.save_model': [[RECIPE, 'ReportConfig', 'saveModel']],
  'export.compact': [[RECIPE, 'ExportConfig', 'compact']],
  'export.fold_batch_norm': [[RECIPE, 'ExportConfig', 'foldBatchNorm']],
  'export.sparse': [[RECIPE, 'ExportConfig', 'sparse']],
  'export.onnx': [[RECIPE, 'ExportConfig', 'onnx']],
  ...Object.fromEntries(
    ['final_accuracy_min', 'accuracy_drop_max', 'global_sparsity_min', 'global_sparsity_max', 'model_sparsity_min', 'compact_parameters_max'].map((k) => [
      `expect.${k}`,
      [[RECIPE, 'Expectation', 'limit']],
    ]),
  ),
  ...Object.fromEntries(
    ['filters.select[]', 'global.select[]', 'remove[]', 'targets[].select'].flatMap((at) =>
      [
        ['layer', 'layer'],
        ['layer_type', 'layerType'],
        ['param', 'param'],
      ].map(([key, property]) => [`stages[].${at}.${key}`, [selector(property!)]]),
    ),
  ),
  ...Object.fromEntries(
    ['global', 'targets[]'].flatMap((at) =>
      ['kind', 'initial', 'final', 'start', 'end', 'unit', 'every'].map((key) => [`stages[].${at}.schedule.${key}`, [schedule(key)]]),
    ),
  ),
};

interface SchemaNode {
  readonly $ref?: string;
  readonly properties?: Readonly<Record<string, SchemaNode>>;
  readonly items?: SchemaNode;
  readonly additionalProperties?: SchemaNode | boolean;
  readonly allOf?: readonly SchemaNode[];
  readonly anyOf?: readonly SchemaNode[];
  readonly oneOf?: readonly SchemaNode[];
  readonly if?: SchemaNode;
  readonly then?: SchemaNode;
  readonly else?: SchemaNode;
}

/** Every key path of the schema: `stages[].targets[].amount`, `*` for a mapping's keys. */
function schemaKeys(): string[] {
  const schema = JSON.parse(readFileSync(new URL('../../schemas/recipe.schema.json', import.meta.url), 'utf8')) as SchemaNode & {
    $defs: Record<string, SchemaNode>;
  };
  const keys = new Set<string>();
  const walk = (node: SchemaNode | boolean | undefined, at: string, seen: readonly string[]): void => {
    if (node === undefined || typeof node === 'boolean') return;
    if (node.$ref !== undefined) {
      const name = node.$ref.replace('#/$defs/', '');
      if (!seen.includes(name)) walk(schema.$defs[name], at, [...seen, name]);
    }
    for (const list of [node.allOf, node.anyOf, node.oneOf]) for (const item of list ?? []) walk(item, at, seen);
    for (const branch of [node.if, node.then, node.else]) walk(branch, at, seen);
    for (const [key, value] of Object.entries(node.properties ?? {})) {
      const child = at === '' ? key : `${at}.${key}`;
      keys.add(child);
      walk(value, child, seen);
    }
    walk(node.items, `${at}[]`, seen);
    walk(node.additionalProperties, `${at}.*`, seen);
  };
  walk(schema, '', []);
  return [...keys].sort();
}

describe('recipe keys', () => {
  const keys = schemaKeys();
  let chains: Map<string, KeyChains>;

  beforeAll(() => {
    const follower = new KeyFollower(ROOT);
    const byDeclaration = new Map<string, KeyChains>();
    chains = new Map();
    for (const [key, places] of Object.entries(RESOLVED)) {
      const holders = places.flatMap((w) => ('spec' in w ? follower.specDeclarations(w.spec) : follower.declarations(...(w as [string, string, string]))));
      const id = places.map((w) => JSON.stringify(w)).join();
      if (!byDeclaration.has(id)) byDeclaration.set(id, follower.follow(holders));
      chains.set(key, byDeclaration.get(id)!);
    }
    const rows = [...chains].sort(([, a], [, b]) => b.longest.files.length - a.longest.files.length);
    console.log(rows.map(([key, c]) => `${c.longest.files.length}  ${key}: ${c.longest.files.join(' → ')}`).join('\n'));
  }, 300_000);

  it('knows every key of the schema, as a value key or as structure, and no other', () => {
    const known = new Set([...STRUCTURE, ...Object.keys(RESOLVED)]);
    expect(keys.filter((k) => !known.has(k)), 'schema keys with no resolved declaration here').toEqual([]);
    expect([...known].filter((k) => !keys.includes(k)), 'keys here the schema does not have').toEqual([]);
  });

  it(`reaches every use of every value key within ${MOST_FILES} files`, () => {
    const long = [...chains]
      .filter(([, c]) => c.longest.files.length > MOST_FILES)
      .map(([key, c]) => `${key}: ${c.longest.steps.join(' | ')}`);
    expect(long).toEqual([]);
  });

  it('counts a copy into another name as a hop (the check can fail)', () => {
    // max_sparsity_per_layer was copied through five files before it had one declaration; the
    // export keys through the plan's ExportTask fields. Both are now 2 files from their declaration.
    expect(chains.get('stages[].global.max_sparsity_per_layer')!.longest.files.length).toBeLessThanOrEqual(2);
    const fold = chains.get('export.fold_batch_norm')!;
    expect(fold.longest.files.length).toBe(2);
    expect(fold.all.map((c) => c.files.at(-1))).toContain('src/export/compactExport.ts');
    // A stage's name is copied into its tasks' `stage` beside that field's declaration (plan/taskBase.ts),
    // and the load-data task's seed goes to data/ as the streams it draws from: the copies are
    // followed to their readers, not cut off where they are made.
    expect(chains.get('stages[].name')!.all.map((c) => c.files.at(-1))).toEqual(expect.arrayContaining(['src/runs/summary.ts', 'src/cache/keys.ts']));
    const seed = chains.get('seed')!.all.map((c) => c.files.join(' → '));
    expect(seed).toContain('src/recipe/types.ts → src/engine/session.ts → src/util/random.ts');
  });
});
