#!/usr/bin/env node
/**
 * The ceiling of training ResNet-8 on this machine's wasm: how fast TF.js's wasm backend
 * (XNNPACK, SIMD) runs the convolutions of one training step at best, on 1 thread and on 2 threads
 * in parallel (two worker threads, each its own backend and its 64-image shard, as training runs
 * them), against torch 1.13 on the same convolutions (bench/gemm_ceiling.py, 1 and 2 threads,
 * batch 128, allocator thresholds raised as bench/run.ts's warm torch).
 *
 * Per conv layer of builtin ResNet-8 (28×28×1 input), three products:
 *   forward          tf.conv2d, the filter packed once (XNNPACK's cached operator)
 *   input gradient   the better of tf.conv2d of dy with the flipped filter (stride 1: what
 *                    backend/wasmKernels/conv2dBackpropInput.ts runs) and the GEMM dy·Wᵀ
 *                    [M, co]·[co, k²ci] alone (no col2im: generous)
 *   filter gradient  the GEMM P·dy [k²ci, M]·[M, co] with a new dy each call (packed each call, as
 *                    every training step must), P given (no im2col: generous)
 * Every time is the best of 5 means, warm. The GEMM-only time of a step bounds its images/s from
 * above: nothing but these products, at these speeds, with batch norm, ReLU, adds, pooling, loss,
 * Adam and the thread handoff free. Also checks whether this Node validates relaxed SIMD (FMA).
 *
 *   npm run build && node scripts/gemm-ceiling.mjs [--python /usr/bin/python3] [--no-torch] [--repeats N]
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { isMainThread, Worker, workerData, parentPort } from 'node:worker_threads';
import * as tf from '@tensorflow/tfjs';
import { selectBackend } from '../dist/engine/backend/select.js';

const SHARD = 64;
const TORCH_BATCH = 128;
/** Builtin ResNet-8's convolutions at 28×28×1 ('same' padding). */
const LAYERS = [
  { name: 'conv1_conv', h: 28, w: 28, ci: 1, co: 16, k: 3, stride: 1, first: true },
  { name: 'conv2_block1_1_conv', h: 28, w: 28, ci: 16, co: 16, k: 3, stride: 1 },
  { name: 'conv2_block1_2_conv', h: 28, w: 28, ci: 16, co: 16, k: 3, stride: 1 },
  { name: 'conv3_block1_1_conv', h: 28, w: 28, ci: 16, co: 32, k: 3, stride: 2 },
  { name: 'conv3_block1_0_conv', h: 28, w: 28, ci: 16, co: 32, k: 1, stride: 2 },
  { name: 'conv3_block1_2_conv', h: 14, w: 14, ci: 32, co: 32, k: 3, stride: 1 },
  { name: 'conv4_block1_1_conv', h: 14, w: 14, ci: 32, co: 64, k: 3, stride: 2 },
  { name: 'conv4_block1_0_conv', h: 14, w: 14, ci: 32, co: 64, k: 1, stride: 2 },
  { name: 'conv4_block1_2_conv', h: 7, w: 7, ci: 64, co: 64, k: 3, stride: 1 },
];
const outSize = (l) => Math.ceil(l.h / l.stride) * Math.ceil(l.w / l.stride);
/** Multiply-adds of one product of the layer for one image (forward, input and filter gradient alike). */
const macsPerImage = (l) => outSize(l) * l.k * l.k * l.ci * l.co;

/** Mean ms per call of `run`, best of `repeats` rounds of enough calls for ~40 ms; `barrier` before each round. */
function bestMs(run, repeats, barrier) {
  for (let i = 0; i < 2; i++) tf.dispose(run());
  let t = performance.now();
  tf.dispose(run());
  const calls = Math.max(1, Math.round(40 / Math.max(0.01, performance.now() - t)));
  let best = Infinity;
  for (let r = 0; r < repeats; r++) {
    barrier();
    t = performance.now();
    for (let c = 0; c < calls; c++) tf.dispose(run());
    best = Math.min(best, (performance.now() - t) / calls);
  }
  return best;
}

/** The wasm side, in a worker thread: ms per call of each product of each layer at a shard of SHARD images. */
async function measureWasm({ repeats, sync, parties }) {
  await selectBackend('wasm');
  const shared = new Int32Array(sync);
  const barrier = () => {
    const generation = Atomics.load(shared, 1);
    if (Atomics.add(shared, 0, 1) + 1 === parties) {
      Atomics.store(shared, 0, 0);
      Atomics.add(shared, 1, 1);
      Atomics.notify(shared, 1);
    } else {
      while (Atomics.load(shared, 1) === generation) Atomics.wait(shared, 1, generation, 50);
    }
  };
  const results = {};
  for (const l of LAYERS) {
    const oh = Math.ceil(l.h / l.stride);
    const ow = Math.ceil(l.w / l.stride);
    const m = SHARD * oh * ow;
    const kk = l.k * l.k * l.ci;
    const x = tf.randomNormal([SHARD, l.h, l.w, l.ci]);
    const w = tf.randomNormal([l.k, l.k, l.ci, l.co]);
    const dy = tf.randomNormal([SHARD, oh, ow, l.co]);
    const flipped = tf.randomNormal([l.k, l.k, l.co, l.ci]);
    const dyRows = dy.reshape([m, l.co]);
    const wT = tf.randomNormal([l.co, kk]);
    const patches = tf.randomNormal([kk, m]);
    // A new dy for every call of the filter-gradient GEMM: XNNPACK packs it into its operator each time.
    const fresh = Array.from({ length: 4 }, () => tf.randomNormal([m, l.co]));
    let next = 0;
    const forward = bestMs(() => tf.conv2d(x, w, l.stride, 'same'), repeats, barrier);
    const inputConv = l.stride === 1 ? bestMs(() => tf.conv2d(dy, flipped, 1, 'same'), repeats, barrier) : Infinity;
    const inputGemm = bestMs(() => tf.matMul(dyRows, wT), repeats, barrier);
    const filter = bestMs(() => tf.matMul(patches, fresh[next++ % fresh.length]), repeats, barrier);
    const filterPacked = bestMs(() => tf.matMul(patches, dyRows), repeats, barrier);
    results[l.name] = { forward, input: Math.min(inputConv, inputGemm), inputConv, inputGemm, filter, filterPacked };
    tf.dispose([x, w, dy, flipped, dyRows, wT, patches, ...fresh]);
  }
  return results;
}

if (!isMainThread) {
  parentPort.postMessage(await measureWasm(workerData));
} else {
  await main();
}

/** Whether this Node validates a module using f32x4.relaxed_madd, without and with V8's flag. */
function relaxedSimd() {
  // (func (param v128 v128 v128) (result v128) local.get 0 local.get 1 local.get 2 f32x4.relaxed_madd)
  const bytes = [0, 0x61, 0x73, 0x6d, 1, 0, 0, 0, 1, 8, 1, 0x60, 3, 0x7b, 0x7b, 0x7b, 1, 0x7b, 3, 2, 1, 0, 10, 13, 1, 11, 0, 0x20, 0, 0x20, 1, 0x20, 2, 0xfd, 0x85, 2, 0x0b];
  const check = `process.stdout.write(String(WebAssembly.validate(new Uint8Array(${JSON.stringify(bytes)}))))`;
  const run = (flags) => spawnSync(process.execPath, [...flags, '-e', check], { encoding: 'utf8' }).stdout.trim();
  return { plain: run([]), flagged: run(['--experimental-wasm-relaxed-simd']) };
}

async function wasmRun(threads, repeats) {
  const sync = new SharedArrayBuffer(8);
  const runs = Array.from(
    { length: threads },
    () =>
      new Promise((resolve, reject) => {
        const worker = new Worker(fileURLToPath(import.meta.url), { workerData: { repeats, sync, parties: threads } });
        worker.once('message', resolve);
        worker.once('error', reject);
        worker.once('exit', (code) => code !== 0 && reject(new Error(`worker exited with ${code}`)));
      }),
  );
  const all = await Promise.all(runs);
  // Per layer and product, the slower thread's time: both threads' shards are done only then.
  const merged = {};
  for (const l of LAYERS) {
    merged[l.name] = {};
    for (const key of Object.keys(all[0][l.name])) merged[l.name][key] = Math.max(...all.map((r) => r[l.name][key]));
  }
  return merged;
}

function torchRun(python, repeats) {
  const env = { ...process.env, MALLOC_MMAP_THRESHOLD_: String(32 * 1024 * 1024), MALLOC_TRIM_THRESHOLD_: String(1024 * 1024 * 1024) };
  const script = fileURLToPath(new URL('../bench/gemm_ceiling.py', import.meta.url));
  const input = JSON.stringify({ batch: TORCH_BATCH, layers: LAYERS, repeats });
  const result = spawnSync(python, [script], { input, env, encoding: 'utf8', maxBuffer: 1 << 24 });
  if (result.status !== 0) {
    console.error(`torch side skipped: ${python} ${script} failed (${result.error?.message ?? result.stderr.trim().split('\n').at(-1)})`);
    return null;
  }
  return JSON.parse(result.stdout.trim().split('\n').at(-1));
}

/** ms of the GEMM-only work of one step over `images` images, from per-layer times at that batch. */
function stepMs(times) {
  let ms = 0;
  for (const l of LAYERS) ms += times[l.name].forward + times[l.name].filter + (l.first ? 0 : times[l.name].input);
  return ms;
}

async function main() {
  const args = process.argv.slice(2);
  const at = args.indexOf('--python');
  const python = at < 0 ? '/usr/bin/python3' : args[at + 1];
  const rAt = args.indexOf('--repeats');
  const repeats = rAt < 0 ? 5 : Number(args[rAt + 1]);
  await selectBackend('wasm');
  const simd = await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT');
  const relaxed = relaxedSimd();
  console.log(`Node ${process.version} (V8 ${process.versions.v8}); TF.js wasm ${tf.version_core}, SIMD binary: ${simd}`);
  console.log(`relaxed SIMD (f32x4.relaxed_madd) validates: ${relaxed.plain} by default, ${relaxed.flagged} with --experimental-wasm-relaxed-simd`);

  const wasm1 = await wasmRun(1, repeats);
  const wasm2 = await wasmRun(2, repeats);
  const torch = args.includes('--no-torch') ? null : torchRun(python, repeats);

  const gflops = (macs, ms) => (ms === Infinity ? '—' : ((2 * macs) / (ms * 1e6)).toFixed(1));
  console.log(`\nGFLOP/s per product (2·MACs / time); wasm: ${SHARD} images per thread, 2 threads = the sum of two such shards in parallel; torch: batch ${TORCH_BATCH}\n`);
  console.log('| layer | MACs/image | product | wasm 1 thread | wasm 2 threads | torch 1 thread | torch 2 threads |');
  console.log('|---|---:|---|---:|---:|---:|---:|');
  for (const l of LAYERS) {
    const macs = macsPerImage(l);
    const products = [
      ['forward', 'forward'],
      ['input gradient', 'input'],
      ['filter gradient', 'filter'],
    ];
    for (const [label, key] of products) {
      if (key === 'input' && l.first) continue;
      const row = [
        gflops(macs * SHARD, wasm1[l.name][key]),
        gflops(2 * macs * SHARD, wasm2[l.name][key]),
        torch === null ? '—' : gflops(macs * TORCH_BATCH, torch.threads['1'][l.name][key]),
        torch === null ? '—' : gflops(macs * TORCH_BATCH, torch.threads['2'][l.name][key]),
      ];
      console.log(`| ${l.name} | ${macs.toLocaleString('en')} | ${label} | ${row.join(' | ')} |`);
    }
  }
  const totalMacs = LAYERS.reduce((n, l) => n + macsPerImage(l) * (l.first ? 2 : 3), 0);
  console.log(`\nResNet-8 training, MACs per image (forward + input and filter gradients): ${totalMacs.toLocaleString('en')}`);
  const packing = LAYERS.reduce((n, l) => n + wasm1[l.name].filter - wasm1[l.name].filterPacked, 0);
  console.log(`wasm filter gradients: packing a new dy each call costs ${packing.toFixed(2)} ms of a shard step (1 thread)`);
  const bound = (ms, images) => (images / ms) * 1000;
  const lines = [
    ['wasm, 1 thread', bound(stepMs(wasm1), SHARD)],
    ['wasm, 2 threads', bound(stepMs(wasm2), 2 * SHARD)],
  ];
  if (torch !== null) {
    lines.push(['torch, 1 thread', bound(stepMs(torch.threads['1']), TORCH_BATCH)], ['torch, 2 threads', bound(stepMs(torch.threads['2']), TORCH_BATCH)]);
  }
  console.log('\nGEMM-only bound on images/s (every other cost taken as zero):\n');
  console.log('| side | images/s | effective GFLOP/s |');
  console.log('|---|---:|---:|');
  for (const [side, rate] of lines) console.log(`| ${side} | ${rate.toFixed(0)} | ${((rate * 2 * totalMacs) / 1e9).toFixed(1)} |`);
  if (torch !== null) console.log(`\n(torch ${torch.torch})`);
}
