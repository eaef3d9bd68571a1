/**
 * Task checkpoints as bytes and back: every array bit for bit (−0 and NaN payloads included),
 * histories, record entries and metrics lines as JSON; a file of another format or one missing a
 * tensor is refused, not half-read.
 */
import { describe, expect, it } from 'vitest';
import { canonicalJson, TaskKeys } from '../../src/cache/keys.js';
import { decodeCheckpoint, encodeCheckpoint, type TaskCheckpoint } from '../../src/cache/state.js';
import { PruneRunError } from '../../src/errors.js';
import { prepareRunFromText } from '../../src/runner/prepare.js';
import type { LoadDataTask, PlanTask } from '../../src/plan/types.js';
import { encodeSafetensors } from '../../src/formats/safetensors.js';

const KEY = 'a'.repeat(64);

function checkpoint(): TaskCheckpoint {
  return {
    taskId: 'prune:s',
    key: KEY,
    state: {
      weights: new Map([
        ['fc/kernel', { shape: [2, 2], values: Float32Array.from([1, -0, Number.NaN, 3.5]) }],
        ['fc/bias', { shape: [2], values: Float32Array.from([0.25, -1]) }],
      ]),
      pruning: [{ name: 'fc/kernel', shape: [2, 2], mask: Uint8Array.from([1, 0, 0, 1]), history: [{ method: 'l1_unstructured', amount: 0.5 }] }],
      snapshots: new Map([['init', new Map([['fc/kernel', Float32Array.from([9, 8, 7, 6])], ['fc/bias', Float32Array.from([0, 0])]])]]),
    },
    record: { training: [], pruning: [{ taskId: 'prune:s', stage: 's' }], evaluations: [] },
    metrics: [{ stage: 's', phase: 'prune', sparsity: 0.5, time: '2026-12-01T00:00:00.000Z' }],
  };
}

const bits = (a: Float32Array) => [...new Uint32Array(a.buffer, a.byteOffset, a.length)];

describe('task checkpoints', () => {
  it('round-trip every array bit for bit and the JSON parts as they were', () => {
    const original = checkpoint();
    const back = decodeCheckpoint(encodeCheckpoint(original));
    expect(back.taskId).toBe('prune:s');
    expect(back.key).toBe(KEY);
    for (const [name, w] of original.state.weights) {
      expect(back.state.weights.get(name)!.shape).toEqual(w.shape);
      expect(bits(back.state.weights.get(name)!.values)).toEqual(bits(w.values));
    }
    expect(back.state.pruning).toHaveLength(1);
    const p = back.state.pruning[0]!;
    expect([p.name, p.shape, [...p.mask], p.history]).toEqual(['fc/kernel', [2, 2], [1, 0, 0, 1], [{ method: 'l1_unstructured', amount: 0.5 }]]);
    expect([...back.state.snapshots.get('init')!.get('fc/kernel')!]).toEqual([9, 8, 7, 6]);
    expect(back.record).toEqual(original.record);
    expect(back.metrics).toEqual(original.metrics);
  });

  it('refuses another file, and one missing a tensor', () => {
    expect(() => decodeCheckpoint(encodeSafetensors([], { format: 'prune-run-masks' }))).toThrow(PruneRunError);
    const bytes = encodeCheckpoint(checkpoint());
    const text = new TextDecoder().decode(bytes);
    // The same metadata, without the tensors it names.
    const meta = JSON.parse(text.slice(8, 8 + Number(new DataView(bytes.buffer).getBigUint64(0, true))).trim()) as { __metadata__: Record<string, string> };
    expect(() => decodeCheckpoint(encodeSafetensors([], meta.__metadata__))).toThrow(/checkpoint tensor weight:fc\/kernel is missing/);
  });
});

describe('cache keys', () => {
  const task = (over: Partial<PlanTask> = {}): PlanTask =>
    ({ id: 'evaluate:x', kind: 'evaluate', stage: 'x', point: 'pruned', dependsOn: ['load-model'], ...over }) as PlanTask;
  const root: PlanTask = { id: 'load-model', kind: 'load-model', stage: null, dependsOn: [], model: { kind: 'builtin', name: 'lenet' }, seed: 1, fresh: false, snapshot: false };

  it('depend on the configuration, the inputs upstream and the engine, not on key order or the task id', () => {
    const keysOf = (engine: unknown, inputs: unknown, t: PlanTask) => {
      const keys = new TaskKeys(engine);
      keys.keyOf(root, inputs);
      return keys.keyOf(t);
    };
    const base = keysOf({ backend: 'wasm' }, { files: [1] }, task());
    expect(keysOf({ backend: 'wasm' }, { files: [1] }, task({ id: 'renamed' }))).toBe(base);
    expect(keysOf({ backend: 'wasm' }, { files: [2] }, task())).not.toBe(base);
    expect(keysOf({ backend: 'cpu' }, { files: [1] }, task())).not.toBe(base);
    expect(keysOf({ backend: 'wasm' }, { files: [1] }, task({ point: 'finetuned' }))).not.toBe(base);
    expect(canonicalJson({ b: 1, a: { d: 2, c: 3 } })).toBe('{"a":{"c":3,"d":2},"b":1}');
  });

  it('of a repeated stage\'s cycles do not depend on how many cycles there are', async () => {
    const recipe = (repeat: number) => `seed: 3
model: {builtin: lenet}
data: {builtin: mnist, train_size: 64, test_size: 16}
train: {epochs: 1, batch_size: 32}
stages:
  - name: imp
    global: {method: l1_unstructured, amount: 0.5, select: [{layer_type: dense, param: kernel}]}
    finetune: {epochs: 1}
    repeat: ${String(repeat)}
`;
    const keysOf = async (repeat: number) => {
      const { plan } = await prepareRunFromText(recipe(repeat), '/virtual/r.yaml');
      const keys = new TaskKeys({ engine: 'test' });
      return new Map(plan.tasks.map((t) => [t.id, keys.keyOf(t, t.dependsOn.length === 0 ? 'inputs' : null)]));
    };
    const three = await keysOf(3);
    const four = await keysOf(4);
    const cycles = [...three.keys()].filter((id) => /^(prune|finetune|evaluate):imp#[123](:|$)/.test(id));
    expect(cycles).toHaveLength(12); // prune, two evaluations and a fine-tune per cycle
    for (const id of cycles) expect(four.get(id), id).toBe(three.get(id));
    expect(four.has('prune:imp#4')).toBe(true);
  });

  it('of a model or data files depend on their content, not on where they are or where the recipe names them', () => {
    const fromPath = (file: string, line: number): PlanTask => ({ ...root, model: { kind: 'path', path: `${file}/model.json`, at: { file: `${file}/r.yaml`, line, col: 8 } } });
    const identity = (folder: string, weights: string) => ({ path: `${folder}/model.json`, files: [{ file: 'model.json', sha256: 'aa' }, { file: 'w.bin', sha256: weights }] });
    const trainKey = (load: PlanTask, inputs: unknown) => {
      const keys = new TaskKeys({ engine: 'test' });
      keys.keyOf(load, inputs);
      return keys.keyOf(task());
    };
    const base = trainKey(fromPath('/a', 2), identity('../a', 'bb'));
    expect(trainKey(fromPath('/elsewhere/b', 9), identity('b', 'bb'))).toBe(base);
    expect(trainKey(fromPath('/a', 2), identity('../a', 'cc'))).not.toBe(base);

    const data = (folder: string): LoadDataTask => ({
      id: 'load-data', kind: 'load-data', stage: null, dependsOn: [], seed: 1,
      data: { kind: 'idx', train: { images: `${folder}/ti`, labels: `${folder}/tl` }, test: { images: `${folder}/si`, labels: `${folder}/sl` }, trainSize: null, testSize: 10 },
    });
    const dataKey = (folder: string, hashes: string[], testSize = 10) =>
      new TaskKeys({}).keyOf({ ...data(folder), data: { ...data(folder).data, testSize } }, { source: 'idx', files: hashes.map((sha256, i) => ({ path: `${folder}/${String(i)}`, sha256 })) });
    expect(dataKey('/x', ['1', '2', '3', '4'])).toBe(dataKey('/y', ['1', '2', '3', '4']));
    expect(dataKey('/x', ['1', '2', '3', '4'])).not.toBe(dataKey('/x', ['1', '2', '4', '3']));
    expect(dataKey('/x', ['1', '2', '3', '4'])).not.toBe(dataKey('/x', ['1', '2', '3', '4'], 20));
  });

  it('need every dependency keyed first', () => {
    expect(() => new TaskKeys({}).keyOf(task())).toThrow(/depends on load-model, which has no cache key yet/);
  });

  it("of builtin fashion-mnist's load-data name the files' content and the caps, not the folder they were found in", () => {
    const pair = (folder: string, split: string) => ({ images: `${folder}/${split}-images-idx3-ubyte.gz`, labels: `${folder}/${split}-labels-idx1-ubyte.gz` });
    const load = (folder: string, trainSize: number | null): PlanTask => ({
      id: 'load-data',
      kind: 'load-data',
      stage: null,
      dependsOn: [],
      data: { kind: 'builtin', name: 'fashion-mnist', folder, train: pair(folder, 'train'), test: pair(folder, 't10k'), trainSize, testSize: null },
      seed: 1,
    });
    const keyOf = (t: PlanTask, inputs: unknown) => new TaskKeys({ backend: 'wasm' }).keyOf(t, inputs);
    const base = keyOf(load('/usr/share/datasets/fashion-mnist', null), { files: ['a'] });
    expect(keyOf(load('/home/u/.cache/prune-run/fashion-mnist', null), { files: ['a'] })).toBe(base);
    expect(keyOf(load('/usr/share/datasets/fashion-mnist', null), { files: ['b'] })).not.toBe(base);
    expect(keyOf(load('/usr/share/datasets/fashion-mnist', 1000), { files: ['a'] })).not.toBe(base);
  });
});
