/**
 * One small real run through the command: LeNet on a few hundred real MNIST digits, trained,
 * pruned globally then locally (iterative), fine-tuned, exported and reported.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { loadModel } from '../../src/engine/modelFiles.js';
import { pythonRound } from '../../src/prune/index.js';
import { parseMetricsJsonl } from '../../src/runs/metrics.js';
import { decodeSafetensors } from '../../src/formats/safetensors.js';
import { FAILING_PLUGIN_MESSAGE, listTree, makeTempDir, removeDir, runCli, writeFailingRecipe, writeRecipe } from '../helpers/cli.js';
import { runRecipeOnce } from '../helpers/recipeRunOnce.js';

const RECIPE = `# a small end-to-end recipe
seed: 3
model: {builtin: lenet}
data: {builtin: mnist, train_size: 800, test_size: 200}
train: {epochs: 2, batch_size: 32, optimizer: adam, learning_rate: 0.002}
stages:
  - name: global-20
    global:
      method: l1_unstructured
      amount: 0.2
      select:
        - {layer_type: conv2d, param: kernel}
        - {layer_type: dense, param: kernel}
    finetune: {epochs: 1}
  - name: dense-more
    targets:
      - select: {layer_type: dense, param: kernel}
        method: l1_unstructured
        amount: 0.5
    finetune: {epochs: 1, optimizer: sgd, learning_rate: 0.01}
`;

const KERNEL_SIZES: Record<string, number> = {
  'conv1/kernel': 54,
  'conv2/kernel': 864,
  'fc1/kernel': 48000,
  'fc2/kernel': 10080,
  'fc3/kernel': 840,
};

const run = runRecipeOnce({ file: 'small.yaml', text: RECIPE });

describe('a small end-to-end run', () => {
  it('writes a finished run folder runs/<UTC time>-<recipe hash> with every output', async () => {
    expect(path.dirname(run.runDir)).toBe(path.join(run.cwd, 'runs'));
    expect(path.basename(run.runDir)).toMatch(/^\d{8}-\d{6}Z-[0-9a-f]{8}$/);
    // The event file's name carries the start time and host: matched by its prefix.
    expect((await listTree(path.join(run.cwd, 'runs'))).map((f) => f.replace(/tfevents\..*$/, 'tfevents.*'))).toEqual(
      [
        path.basename(run.runDir),
        ...['manifest.json', 'masks.safetensors', 'masks.torch.safetensors', 'metrics.jsonl', 'model', 'model/model.json', 'model/weights.bin', 'plan.json', 'recipe.yaml', 'record.json', 'report.html', 'report.md', 'resolved.json', 'tb', 'tb/events.out.tfevents.*'].map(
          (f) => `${path.basename(run.runDir)}/${f}`,
        ),
      ].sort(),
    );
    expect(await readFile(path.join(run.runDir, 'recipe.yaml'), 'utf8')).toBe(RECIPE);
  });

  it('prints plain progress lines with per-epoch figures', () => {
    expect(run.result.stderr).toMatch(/\[COMPLETED\] load-data: 800 train \/ 200 test images/);
    expect(run.result.stderr).toMatch(/epoch 2\/2: loss \d+\.\d+, accuracy \d+\.\d+%/);
  });

  it('records the run in manifest.json', async () => {
    const manifest = JSON.parse(await readFile(path.join(run.runDir, 'manifest.json'), 'utf8'));
    expect(manifest.status).toBe('succeeded');
    expect(manifest.seed).toBe(3);
    expect(manifest.backend.name).toBe('wasm');
    expect(manifest.backend.backendVersion).toBe(tf.version_core);
    // Trained on wasm: the batch gradient in 2 fixed shards, on as many threads as cores allow.
    expect(manifest.training).toMatchObject({ loop: 'sharded', gradientShards: 2, optimizer: 'flat (prune-run)', gradient: 'direct' });
    expect([1, 2]).toContain(manifest.training.threads);
    expect(manifest.node.node).toBe(process.version);
    expect(manifest.recipe.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(path.basename(run.runDir).endsWith(manifest.recipe.sha256.slice(0, 8))).toBe(true);
    expect(Date.parse(manifest.endedAt)).toBeGreaterThanOrEqual(Date.parse(manifest.startedAt));
    const resolved = JSON.parse(await readFile(path.join(run.runDir, 'resolved.json'), 'utf8'));
    expect(resolved.stages[0].finetune).toEqual({ epochs: 1, batchSize: 32, optimizer: 'adam', learningRate: 0.002 });
  });

  it('masks.safetensors holds exact torch counts: global 20%, then 50% of what is left of each dense kernel', async () => {
    const { tensors } = decodeSafetensors(new Uint8Array(await readFile(path.join(run.runDir, 'masks.safetensors'))));
    expect([...tensors.keys()].sort()).toEqual(Object.keys(KERNEL_SIZES).sort());
    const zeros = (name: string) => {
      const data = tensors.get(name)!.data;
      let kept = 0;
      for (const v of data) kept += v;
      return data.length - kept;
    };
    const total = Object.values(KERNEL_SIZES).reduce((a, b) => a + b, 0);
    const convZeros = zeros('conv1/kernel') + zeros('conv2/kernel');
    const afterGlobal: Record<string, number> = {};
    // Stage 1 pruned round(0.2·N) over all kernels; stage 2 took 50% of each dense kernel's unpruned entries.
    const report = await readFile(path.join(run.runDir, 'report.md'), 'utf8');
    // 20% then 50% of the dense kernels, trained: no layer near collapse, so no warning.
    expect(report).not.toMatch(/layer collapse/);
    expect(report).toMatch(/## Size/);
    for (const name of ['fc1/kernel', 'fc2/kernel', 'fc3/kernel']) {
      const match = new RegExp(`\\| \`${name}\` \\| (\\d+) \\| ${KERNEL_SIZES[name]} \\|`).exec(report.split('### dense-more')[0]!);
      afterGlobal[name] = Number(match![1]);
      const left = KERNEL_SIZES[name]! - afterGlobal[name];
      expect(zeros(name)).toBe(afterGlobal[name] + pythonRound(0.5 * left));
    }
    const globalZeros = convZeros + Object.values(afterGlobal).reduce((a, b) => a + b, 0);
    expect(globalZeros).toBe(pythonRound(0.2 * total));
    expect(tensors.get('fc1/kernel')!.shape).toEqual([400, 120]);
    expect(tensors.get('conv2/kernel')!.shape).toEqual([3, 3, 6, 16]);
  });

  it('saves the pruned model as a TF.js LayersModel whose weights are zero where the masks are', async () => {
    const { tensors } = decodeSafetensors(new Uint8Array(await readFile(path.join(run.runDir, 'masks.safetensors'))));
    const model = await loadModel(path.join(run.runDir, 'model', 'model.json'));
    for (const weight of model.weights) {
      const mask = tensors.get(weight.originalName);
      if (mask === undefined) continue;
      const values = weight.read().dataSync();
      for (let i = 0; i < values.length; i++) {
        if (mask.data[i] === 0) expect(values[i] === 0, `${weight.originalName}[${i}]`).toBe(true);
      }
    }
    model.dispose();
  });

  it('logs metrics.jsonl lines with stage, epoch, loss, accuracy and sparsity', async () => {
    const lines = parseMetricsJsonl(await readFile(path.join(run.runDir, 'metrics.jsonl'), 'utf8'));
    const train = lines.filter((l) => l.phase === 'train');
    expect(train.map((l) => l.epoch)).toEqual([1, 2]);
    const prunes = lines.filter((l) => l.phase === 'prune');
    expect(prunes.map((l) => l.stage)).toEqual(['global-20', 'dense-more']);
    expect(prunes[0]!.sparsity).toBeCloseTo(0.2, 4);
    expect(prunes[1]!.sparsity).toBeGreaterThan(0.55);
    const finetuned = lines.filter((l) => l.phase === 'evaluate' && l.stage === 'dense-more');
    expect(finetuned.length).toBe(2);
    for (const line of lines) expect(typeof line.time).toBe('string');
  });

  it('reports accuracy before pruning and after each stage, and per-parameter sparsity', async () => {
    const report = await readFile(path.join(run.runDir, 'report.md'), 'utf8');
    expect(report).toMatch(/\| before pruning \| \d+\.\d+% \|/);
    expect(report).toMatch(/\| after pruning \(global-20\) \| \d+\.\d+% \|/);
    expect(report).toMatch(/\| after fine-tuning \(dense-more\) \| \d+\.\d+% \|/);
    expect(report).toMatch(/\| `conv1\/bias` \| \[6\] \| 6 \| 0 \| not pruned \|/);
    expect(report).toMatch(/global sparsity over the pruned parameters: \*\*\d+\.\d+%\*\*/);
    // Real learning happened: accuracy well above chance on real digits.
    const accuracy = Number(/\| after fine-tuning \(dense-more\) \| (\d+\.\d+)% \|/.exec(report)![1]);
    expect(accuracy).toBeGreaterThan(50);
  });
});

describe('a run that fails', () => {
  it('exits 3 and leaves runs/<id>.partial with a manifest that says why', async () => {
    const dir = await makeTempDir();
    try {
      // The stage's plugin throws once the run is under way: a failure only running finds.
      const file = await writeFailingRecipe(dir);
      const result = await runCli(['--progress', 'plain', file], dir);
      expect(result.status).toBe(3);
      expect(result.stderr).toMatch(/^prune-run failed: plugin "fails" .*computeMask threw: this plugin fails on purpose/m);
      const entries = await listTree(path.join(dir, 'runs'));
      const partial = entries.find((e) => e.endsWith('.partial'));
      expect(partial).toBeDefined();
      expect(entries.filter((e) => !e.includes('/') && !e.endsWith('.partial'))).toEqual([]);
      const manifest = JSON.parse(await readFile(path.join(dir, 'runs', partial!, 'manifest.json'), 'utf8'));
      expect(manifest.status).toBe('failed');
      expect(manifest.exitReason).toContain(FAILING_PLUGIN_MESSAGE);
    } finally {
      await removeDir(dir);
    }
  });
});

describe('a run interrupted with Ctrl-C', () => {
  it('stops between steps, exits 130 and leaves runs/<id>.partial saying where it stopped', async () => {
    const dir = await makeTempDir();
    try {
      const file = await writeRecipe(
        dir,
        'long.yaml',
        `model: {builtin: lenet}
data: {builtin: mnist, train_size: 2000, test_size: 100}
train: {epochs: 50, batch_size: 16}
stages:
  - name: s
    global: {method: l1_unstructured, amount: 0.2, select: [{param: kernel}]}
`,
      );
      // Ctrl-C arrives once training is under way (the run folder exists by then), and only once:
      // polls overlap when listing is slow, and a second Ctrl-C would exit the test's process.
      let interrupted = false;
      const interruptOnceTraining = async () => {
        if ((await listTree(path.join(dir, 'runs'))).some((e) => e.endsWith('metrics.jsonl')) && !interrupted) {
          interrupted = true;
          clearInterval(timer);
          process.emit('SIGINT');
        }
      };
      // Not awaited: a poll that fails rejects unhandled, and vitest fails the test on that.
      const timer = setInterval(() => void interruptOnceTraining(), 50);
      const result = await runCli(['--progress', 'plain', file], dir);
      clearInterval(timer);
      expect(result.status).toBe(130);
      expect(result.stderr).toMatch(/run interrupted; its files are in runs\/\d{8}-\d{6}Z-[0-9a-f]{8}\.partial/);
      const entries = await listTree(path.join(dir, 'runs'));
      const partial = entries.find((e) => e.endsWith('.partial'))!;
      const manifest = JSON.parse(await readFile(path.join(dir, 'runs', partial, 'manifest.json'), 'utf8'));
      expect(manifest.status).toBe('interrupted');
      expect(manifest.stoppedInTask).toBe('train');
      expect(manifest.completedTasks).toEqual(['load-model', 'load-data']);
      // The epochs that finished before Ctrl-C are in metrics.jsonl; far fewer than 50.
      const lines = parseMetricsJsonl(await readFile(path.join(dir, 'runs', partial, 'metrics.jsonl'), 'utf8'));
      expect(lines.length).toBeGreaterThanOrEqual(1);
      expect(lines.length).toBeLessThan(50);
    } finally {
      await removeDir(dir);
    }
  });
});
