/**
 * `npm run bench`: prune-run against PyTorch (Debian's python3-torch) on the same machine.
 *
 * Each case runs as child processes, one per side and repeat, alternating which side goes first;
 * the table shows medians over the repeats and the ratio prune-run ÷ PyTorch. Raw numbers,
 * machine and versions go to bench/results.json. Timing lives here, never in the unit tests.
 *
 *   npm run bench -- --repeats 5 --epochs 2 --cases 1,3
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

import { BENCH_MODELS, FILES, median, RESULT_PREFIX, type BenchModel, type BenchParams } from './common.js';

// ---- options ---------------------------------------------------------------------------------

interface Options {
  repeats: number;
  bigRepeats: number;
  epochs: number;
  cases: Set<number>;
  /** Case 5's models. */
  models: BenchModel[];
  /** Case 5's training images (Fashion-MNIST, after prune-run's seeded shuffle). */
  modelTrainSize: number;
  python: string;
  torchThreads: number;
  torch: boolean;
  keepTmp: boolean;
  /** Wait for a quiet machine before each run and rerun runs other processes disturbed. */
  guard: boolean;
  out: string | null;
}

const HELP = `usage: npm run bench -- [options]
  --repeats N       repeats of every case, each side alternating first (default 3)
  --big-repeats N   repeats of case 3, the 25M-parameter pruning (default: --repeats)
  --epochs N        epochs of training (case 1) and of each fine-tuning run (case 2) (default 2)
  --cases LIST      comma-separated subset of 1,2,3,4,5 (default all; 5 needs Fashion-MNIST)
  --models LIST     case 5's models, a subset of vgg,resnet,mobilenet (default all)
  --model-train N   case 5's training images per epoch (default 8000)
  --python PATH     interpreter with torch (default /usr/bin/python3, Debian's python3-torch)
  --torch-threads N torch.set_num_threads (default: the machine's cores)
  --no-torch        run prune-run's side only
  --keep-tmp        keep the temporary directory with the exported data
  --no-guard        do not wait for other processes to go quiet, nor rerun runs they disturbed
  --out PATH        results file (default bench/results.json; --out - writes none)`;

function parseOptions(argv: readonly string[], root: string): Options {
  const o: Options = {
    repeats: 3,
    bigRepeats: -1,
    epochs: 2,
    cases: new Set([1, 2, 3, 4, 5]),
    models: [...BENCH_MODELS],
    modelTrainSize: 8000,
    python: '/usr/bin/python3',
    torchThreads: os.availableParallelism(),
    torch: true,
    keepTmp: false,
    guard: true,
    out: join(root, 'bench', 'results.json'),
  };
  const positive = (flag: string, value: string | undefined): number => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < 1) throw new Error(`${flag} needs a positive integer, got '${String(value)}'`);
    return n;
  };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i]!;
    const value = (): string | undefined => argv[++i];
    switch (flag) {
      case '--repeats':
        o.repeats = positive(flag, value());
        break;
      case '--big-repeats':
        o.bigRepeats = positive(flag, value());
        break;
      case '--epochs':
        o.epochs = positive(flag, value());
        break;
      case '--cases': {
        const list = (value() ?? '').split(',').map((s) => Number(s.trim()));
        if (list.length === 0 || list.some((c) => ![1, 2, 3, 4, 5].includes(c))) throw new Error('--cases takes a list of 1, 2, 3, 4, 5');
        o.cases = new Set(list);
        break;
      }
      case '--models': {
        const list = (value() ?? '').split(',').map((s) => s.trim());
        const known = (m: string): m is BenchModel => (BENCH_MODELS as readonly string[]).includes(m);
        if (list.length === 0 || !list.every(known)) throw new Error(`--models takes a list of ${BENCH_MODELS.join(', ')}`);
        o.models = list.filter(known);
        break;
      }
      case '--model-train':
        o.modelTrainSize = positive(flag, value());
        break;
      case '--torch-threads':
        o.torchThreads = positive(flag, value());
        break;
      case '--python':
        o.python = value() ?? '';
        break;
      case '--no-torch':
        o.torch = false;
        break;
      case '--no-guard':
        o.guard = false;
        break;
      case '--keep-tmp':
        o.keepTmp = true;
        break;
      case '--out': {
        const out = value() ?? '';
        o.out = out === '-' ? null : resolve(out);
        break;
      }
      case '--help':
      case '-h':
        console.log(HELP);
        process.exit(0);
      // falls through (never reached)
      default:
        throw new Error(`unknown option '${flag}'\n${HELP}`);
    }
  }
  if (o.bigRepeats < 0) o.bigRepeats = o.repeats;
  return o;
}

/** The repository root: the nearest ancestor holding bench/torch_side.py (this file is compiled elsewhere). */
function findRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (existsSync(join(dir, 'bench', 'torch_side.py')) && existsSync(join(dir, 'package.json'))) return dir;
    const parent = dirname(dir);
    if (parent === dir) return process.cwd();
    dir = parent;
  }
}

// ---- children --------------------------------------------------------------------------------

/** prune-run; PyTorch with glibc's allocator as users have it; PyTorch with WARM_ALLOCATOR. */
type Side = 'node' | 'torch' | 'torchWarm';
/**
 * A kind of child run. Case 3 runs twice per side and repeat: 'global' for time (the allocator as
 * users have it) and 'global-memory' for peak memory (FIXED_MMAP_THRESHOLD), same work. Case 5
 * runs once per model.
 */
type Group = 'lenet' | 'finetune' | 'global' | 'global-memory' | `model-${BenchModel}`;
type Mode = 'lenet' | 'finetune' | 'global' | 'model';

const modeOf = (group: Group): Mode => (group === 'global-memory' ? 'global' : group.startsWith('model-') ? 'model' : (group as Mode));
const envOf = (group: Group) => (group === 'global-memory' ? FIXED_MMAP_THRESHOLD : undefined);
/** Training cases compare against warm PyTorch too (WARM_ALLOCATOR); case 3 prunes, it does not train. */
const sidesOf = (group: Group): readonly Side[] => (modeOf(group) === 'global' ? ['node', 'torch'] : ['node', 'torch', 'torchWarm']);
type Result = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- a child's JSON result, whose fields differ by group and side

const CHILD_TIMEOUT_MS = 20 * 60 * 1000;

/**
 * glibc raises its mmap threshold as large blocks are freed (up to 32 MB), after which freed
 * buffers stay resident and are reused without raising RSS: a second pass's peak would then
 * depend on what the first left behind. A fixed threshold (glibc's default value, 128 KiB) keeps
 * every large buffer its own mapping, so RSS follows live memory. Used for case 3's memory runs,
 * both sides; not for its timed runs, where it would add page faults users do not have.
 */
const FIXED_MMAP_THRESHOLD = { MALLOC_MMAP_THRESHOLD_: '131072' };

/**
 * With glibc's default thresholds torch trains 3–5× slower here until a large forward pass has
 * run: its per-step buffers are returned to the system and mapped again every step. Raising the
 * mmap threshold (to glibc's maximum, 32 MiB) and the trim threshold keeps them in the heap: the
 * speed torch users get once their process is warm, or who set these. Both are reported; the
 * ratios compare with this one.
 */
const WARM_ALLOCATOR = { MALLOC_MMAP_THRESHOLD_: String(32 * 1024 * 1024), MALLOC_TRIM_THRESHOLD_: String(1024 * 1024 * 1024) };

/**
 * CPU time on the whole machine versus this process and its children, in clock ticks (Linux).
 * Their difference over a child's run is CPU that other processes took while it was measured:
 * other work on a 2-core machine skews timings, torch's two threads most of all.
 */
interface CpuSnapshot {
  readonly busy: number;
  readonly steal: number;
  readonly own: number;
}

const TICKS_PER_SECOND = 100; // USER_HZ, 100 on Linux

function cpuSnapshot(): CpuSnapshot | null {
  try {
    const cpu = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0]!.trim().split(/\s+/).slice(1).map(Number);
    const [user = 0, nice = 0, system = 0, , , irq = 0, softirq = 0, steal = 0] = cpu;
    // /proc/self/stat: fields after the ")" of the command name; utime, stime, cutime, cstime are 14–17.
    const self = readFileSync('/proc/self/stat', 'utf8');
    const fields = self.slice(self.lastIndexOf(')') + 2).split(' ').map(Number);
    const own = fields.slice(11, 15).reduce((a, b) => a + b, 0);
    return { busy: user + nice + system + irq + softirq, steal, own };
  } catch {
    return null;
  }
}

/** CPU-seconds other processes used, and steal, between two snapshots; null where unknown. */
function foreignCpu(before: CpuSnapshot | null, after: CpuSnapshot | null): { other: number; steal: number } | null {
  if (before === null || after === null) return null;
  const other = (after.busy - before.busy - (after.own - before.own)) / TICKS_PER_SECOND;
  return { other: Math.max(0, other), steal: (after.steal - before.steal) / TICKS_PER_SECOND };
}

/** A run is disturbed when other processes took more than this share of its wall time in CPU. */
const DISTURBED_SHARE = 0.1;
const MAX_RERUNS = 2;
const QUIET_WAIT_LIMIT_S = 60;

function disturbed(run: { wallSeconds: number; otherProcessesCpuSeconds: number | null }): boolean {
  return run.otherProcessesCpuSeconds !== null && run.otherProcessesCpuSeconds > DISTURBED_SHARE * run.wallSeconds;
}

/**
 * Waits (at most QUIET_WAIT_LIMIT_S) until other processes use less than 10% of one core over a
 * second, so that a run does not start in the middle of someone else's test suite.
 */
async function waitForQuiet(): Promise<void> {
  const started = performance.now();
  let announced = false;
  for (;;) {
    const before = cpuSnapshot();
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const foreign = foreignCpu(before, cpuSnapshot());
    if (foreign === null || foreign.other < 0.1) break;
    const waited = (performance.now() - started) / 1000;
    if (waited > QUIET_WAIT_LIMIT_S) {
      log(`  other processes still busy after ${QUIET_WAIT_LIMIT_S} s; measuring anyway`);
      break;
    }
    if (!announced) log(`  waiting for other processes to go quiet (${foreign.other.toFixed(1)} CPU-s/s) …`);
    announced = true;
  }
}

function runChild(command: string, args: readonly string[], label: string, env?: Record<string, string>): Promise<Result> {
  return new Promise((resolvePromise, reject) => {
    const before = cpuSnapshot();
    const started = performance.now();
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), CHILD_TIMEOUT_MS);
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      const line = stdout.split('\n').find((l) => l.startsWith(RESULT_PREFIX));
      if (code === 0 && line !== undefined) {
        const result = JSON.parse(line.slice(RESULT_PREFIX.length)) as Result;
        const foreign = foreignCpu(before, cpuSnapshot());
        result.run = {
          wallSeconds: (performance.now() - started) / 1000,
          otherProcessesCpuSeconds: foreign?.other ?? null,
          stealSeconds: foreign?.steal ?? null,
        };
        resolvePromise(result);
        return;
      }
      const tail = (text: string) => text.trim().split('\n').slice(-30).join('\n');
      reject(new Error(`${label} failed (${signal ?? `exit ${String(code)}`})\n--- stdout\n${tail(stdout)}\n--- stderr\n${tail(stderr)}`));
    });
  });
}

class Children {
  constructor(
    private readonly root: string,
    private readonly python: string,
  ) {}

  node(group: Group, params: BenchParams): Promise<Result> {
    const script = join(dirname(fileURLToPath(import.meta.url)), 'node_side.js');
    const args = ['--expose-gc', '--enable-source-maps', script, modeOf(group), JSON.stringify(params)];
    return runChild(process.execPath, args, `prune-run side of ${group}`, envOf(group));
  }

  torch(group: Group | 'info', params: BenchParams, warm = false): Promise<Result> {
    const mode = group === 'info' ? group : modeOf(group);
    const args = [join(this.root, 'bench', 'torch_side.py'), mode, JSON.stringify(params)];
    const env = warm ? WARM_ALLOCATOR : group === 'info' ? undefined : envOf(group);
    return runChild(this.python, args, `PyTorch side of ${group}${warm ? ' (warm allocator)' : ''}`, env);
  }
}

function torchAvailability(python: string): { ok: true; version: string } | { ok: false; reason: string } {
  const probe = spawnSync(python, ['-c', 'import torch, numpy; print(torch.__version__)'], { encoding: 'utf8' });
  if (probe.error !== undefined) return { ok: false, reason: `${python}: ${probe.error.message}` };
  if (probe.status !== 0) {
    const last = probe.stderr.trim().split('\n').at(-1) ?? '';
    return { ok: false, reason: `${python} cannot import torch/numpy (${last})` };
  }
  return { ok: true, version: probe.stdout.trim() };
}

// ---- reporting helpers -----------------------------------------------------------------------

const log = (message: string) => process.stderr.write(`${message}\n`);
const SIDE_LABEL: Record<Side, string> = { node: 'prune-run   ', torch: 'PyTorch     ', torchWarm: 'PyTorch warm' };

function fmt(value: number | null | undefined, kind: 'rate' | 'seconds' | 'mb' | 'percent' | 'ratio'): string {
  if (value === null || value === undefined || Number.isNaN(value)) return '—';
  switch (kind) {
    case 'rate':
      return Math.round(value).toLocaleString('en-US');
    case 'seconds':
      return value < 10 ? value.toFixed(3) : value.toFixed(2);
    case 'mb':
      return Math.round(value).toLocaleString('en-US');
    case 'percent':
      return `${(value * 100).toFixed(2)}%`;
    case 'ratio':
      return `${value.toFixed(2)}×`;
  }
}

interface Row {
  case: string;
  metric: string;
  node: string;
  torch: string;
  ratio: string;
  notes: string;
}

function printTable(rows: readonly Row[]): void {
  const header: Row = { case: 'case', metric: 'metric', node: 'prune-run', torch: 'PyTorch', ratio: 'prune-run/PyTorch', notes: 'notes' };
  const keys = ['case', 'metric', 'node', 'torch', 'ratio', 'notes'] as const;
  const width = Object.fromEntries(keys.map((k) => [k, Math.max(...[header, ...rows].map((r) => r[k].length))])) as Record<(typeof keys)[number], number>;
  const right = new Set(['node', 'torch', 'ratio']);
  const line = (r: Row) =>
    keys.map((k) => (k === 'notes' ? r[k] : right.has(k) ? r[k].padStart(width[k]) : r[k].padEnd(width[k]))).join(' | ');
  console.log(line(header));
  console.log(keys.map((k) => '-'.repeat(k === 'notes' ? Math.min(width[k], 40) : width[k])).join('-|-'));
  for (const r of rows) console.log(line(r));
}

/** How `node` compares with `torch` in words, for a metric where `higher` is better (or not); memory is smaller or larger, not faster. */
function verdict(node: number, torch: number, higher: boolean, memory = false): string {
  if (!(node > 0 && torch > 0)) return '';
  const speedup = higher ? node / torch : torch / node;
  const [better, worse] = memory ? ['less memory', 'more memory'] : ['faster', 'slower'];
  return speedup >= 1 ? `prune-run ${speedup.toFixed(2)}× ${better}` : `prune-run ${(1 / speedup).toFixed(2)}× ${worse}`;
}

function goal(met: boolean, text: string): string {
  return `goal ${text}: ${met ? 'met' : 'NOT met'}`;
}

// ---- case 3 cross-check: masks of both sides -------------------------------------------------

interface MaskComparison {
  pass: number;
  nodeZeros: number;
  torchZeros: number;
  differing: number;
  /** Differing entries whose |w| equals a cut value of either pass: a tie torch breaks its own way. */
  differingAtTies: number;
  identical: boolean;
}

function compareMasks(dir: string, weights: Float32Array): MaskComparison[] {
  const out: MaskComparison[] = [];
  let previous: Uint8Array | null = null;
  const cuts: number[] = [];
  for (const pass of [1, 2] as const) {
    const nodeFile = join(dir, FILES.masks('node', pass));
    const torchFile = join(dir, FILES.masks('torch', pass));
    if (!existsSync(nodeFile) || !existsSync(torchFile)) break;
    const a = new Uint8Array(readFileSync(nodeFile));
    const b = new Uint8Array(readFileSync(torchFile));
    // This pass's cut on prune-run's side: the largest |w| it pruned in this pass.
    let cut = 0;
    for (let i = 0; i < a.length; i++) {
      if (a[i] === 0 && (previous === null || previous[i] !== 0)) cut = Math.max(cut, Math.abs(weights[i]!));
    }
    cuts.push(cut);
    let nodeZeros = 0;
    let torchZeros = 0;
    let differing = 0;
    let atTies = 0;
    for (let i = 0; i < a.length; i++) {
      if (a[i] === 0) nodeZeros++;
      if (b[i] === 0) torchZeros++;
      if ((a[i] === 0) !== (b[i] === 0)) {
        differing++;
        if (cuts.includes(Math.abs(weights[i]!))) atTies++;
      }
    }
    out.push({ pass, nodeZeros, torchZeros, differing, differingAtTies: atTies, identical: differing === 0 && a.length === b.length });
    previous = a;
  }
  return out;
}

// ---- main ------------------------------------------------------------------------------------

async function main(): Promise<void> {
  const began = performance.now();
  const loadAtStart = os.loadavg().map((l) => Math.round(l * 100) / 100);
  const root = findRoot();
  const options = parseOptions(process.argv.slice(2), root);
  const torchProbe = options.torch ? torchAvailability(options.python) : ({ ok: false, reason: 'disabled with --no-torch' } as const);
  const torchSkipped = torchProbe.ok ? null : `skipped (${options.torch ? 'python3-torch not installed: ' : ''}${torchProbe.reason})`;
  const children = new Children(root, options.python);
  const wantLenet = options.cases.has(1) || options.cases.has(4);
  const wantFinetune = options.cases.has(2);
  const wantGlobal = options.cases.has(3);
  const wantModels = options.cases.has(5);

  const dir = mkdtempSync(join(os.tmpdir(), 'prune-run-bench-'));
  const base: BenchParams = {
    dir,
    dataSeed: 42,
    modelSeed: 42,
    shuffleSeed: 43,
    trainSize: 8000,
    testSize: 2000,
    batchSize: 64,
    learningRate: 1e-3,
    epochs: options.epochs,
    // prune-run's side needs ~60–100 steps before V8 has compiled TF.js's hot paths (measured:
    // 22 ms per step over the first 20 steps, 12 ms from step ~60 on, one thread); torch's none.
    warmupSteps: 100,
    evalPasses: 5,
    finetuneAmount: 0.9,
    finetuneOrder: ['unmasked', 'masked', 'masked', 'unmasked'],
    bigCount: 6,
    bigSide: 2048,
    bigAmounts: [0.9, 0.5],
    dumpMasks: false,
    torchThreads: options.torchThreads,
    model: 'vgg',
    modelTrainSize: options.modelTrainSize,
    modelTestSize: 2000,
    modelBatchSize: 128,
    modelEpochs: 1,
    modelFinetuneEpochs: 1,
    modelFinetuneAmount: 0.5,
    modelWarmupSteps: 20,
  };

  const allGroups: Group[] = ['lenet', 'finetune', 'global', 'global-memory', ...BENCH_MODELS.map((m) => `model-${m}` as const)];
  const raw = Object.fromEntries(allGroups.map((g) => [g, { node: [], torch: [], torchWarm: [] }])) as unknown as Record<Group, Record<Side, Result[]>>;
  let modelsSkipped: string | null = null;
  /** Case 5's files, or why it cannot run here (no Fashion-MNIST): then it is skipped, not failed. */
  const prepareModels = async (params: BenchParams, models: readonly BenchModel[]): Promise<Group[]> => {
    const cases = await import('./cases/models.js');
    const found = await cases.fashionMnistOrReason();
    if ('reason' in found) {
      modelsSkipped = found.reason;
      log(`case 5 skipped: ${found.reason}`);
      return [];
    }
    await cases.prepareModelFiles(params, models);
    return models.map((m) => `model-${m}` as const);
  };
  let torchInfo: Result | null = null;
  const discarded: { group: Group; side: Side; repeat: number; result: Result }[] = [];
  let masks: MaskComparison[] = [];

  try {
    log(`prune-run bench: ${options.repeats} repeat(s)${wantGlobal ? `, case 3 ${options.bigRepeats}` : ''}, ${options.epochs} epoch(s); PyTorch ${torchSkipped ?? `${(torchProbe as { version: string }).version} via ${options.python}`}`);
    log(`preparing data in ${dir} …`);
    const prepare = await import('./cases/prepare.js');
    if (wantLenet || wantFinetune) await prepare.prepareLenetFiles(base);
    const bigWeights = wantGlobal ? prepare.prepareBigWeights(base, 20261128) : null;
    if (torchSkipped === null) {
      torchInfo = await children.torch('info', base);
      const port = torchInfo.portCheckMaxAbsLogitDiff as number | null;
      log(`PyTorch ${String(torchInfo.torch)}, ${String(torchInfo.threads)} threads (its default here: ${String(torchInfo.defaultThreads)})` + (port === null ? '' : `; ported LeNet max |Δlogit| = ${port.toExponential(2)}`));
    }

    const modelGroups = wantModels ? await prepareModels(base, options.models) : [];
    const groups: Group[] = [
      ...(wantLenet ? (['lenet'] as const) : []),
      ...(wantFinetune ? (['finetune'] as const) : []),
      ...(wantGlobal ? (['global', 'global-memory'] as const) : []),
      ...modelGroups,
    ];
    const reps = Math.max(options.repeats, wantGlobal ? options.bigRepeats : 0);
    for (let rep = 0; rep < reps; rep++) {
      for (const group of groups) {
        if (rep >= (modeOf(group) === 'global' ? options.bigRepeats : options.repeats)) continue;
        const params: BenchParams = {
          ...base,
          finetuneOrder: rep % 2 === 0 ? ['unmasked', 'masked', 'masked', 'unmasked'] : ['masked', 'unmasked', 'unmasked', 'masked'],
          dumpMasks: group === 'global' && rep === 0 && torchSkipped === null,
          model: group.startsWith('model-') ? (group.slice('model-'.length) as BenchModel) : base.model,
        };
        // Who goes first changes with every repeat.
        const all = sidesOf(group);
        const sides = all.map((_, i) => all[(i + rep) % all.length]!);
        for (const side of sides) {
          if (side !== 'node' && torchSkipped !== null) continue;
          for (let attempt = 1; ; attempt++) {
            if (options.guard) await waitForQuiet();
            const result = side === 'node' ? await children.node(group, params) : await children.torch(group, params, side === 'torchWarm');
            const run = result.run as { wallSeconds: number; otherProcessesCpuSeconds: number | null };
            const other = run.otherProcessesCpuSeconds;
            const isDisturbed = disturbed(run);
            const retry = options.guard && isDisturbed && attempt <= MAX_RERUNS;
            log(
              `  [${rep + 1}] ${group.padEnd(15)} ${SIDE_LABEL[side]}  ${summary(group, result)}  ` +
                `(${run.wallSeconds.toFixed(1)} s wall${other === null ? '' : `, other processes ${other.toFixed(1)} CPU-s`})` +
                (retry ? ' — disturbed, discarded, rerun' : isDisturbed ? ' — disturbed, kept' : ''),
            );
            if (!retry) {
              raw[group][side].push(result);
              break;
            }
            discarded.push({ group, side, repeat: rep + 1, result });
          }
        }
      }
    }
    if (bigWeights !== null && torchSkipped === null) masks = compareMasks(dir, bigWeights);
  } finally {
    if (options.keepTmp) log(`kept ${dir}`);
    else rmSync(dir, { recursive: true, force: true });
  }

  // ---- medians, table, results.json ----
  const med = (group: Group, side: Side, pick: (r: Result) => number): number | null => {
    const values = raw[group][side].map(pick).filter((v) => Number.isFinite(v));
    return values.length === 0 ? null : median(values);
  };
  const rows: Row[] = [];
  const cases: Record<string, unknown>[] = [];
  const torchCell = (v: number | null, kind: Parameters<typeof fmt>[1]) => (torchSkipped !== null ? 'skipped' : fmt(v, kind));
  const addRow = (
    id: string,
    metric: string,
    group: Group,
    kind: Parameters<typeof fmt>[1],
    pickNode: (r: Result) => number,
    pickTorch: (r: Result) => number,
    opts: { higherIsBetter?: boolean; ratio?: boolean; notes?: (n: number | null, t: number | null) => string[] } = {},
  ) => {
    const warm = sidesOf(group).includes('torchWarm');
    const n = med(group, 'node', pickNode);
    const t = med(group, warm ? 'torchWarm' : 'torch', pickTorch);
    const cold = warm ? med(group, 'torch', pickTorch) : null;
    const ratio = opts.ratio !== false && n !== null && t !== null ? n / t : null;
    const notes = [
      ...(opts.higherIsBetter !== undefined && n !== null && t !== null ? [verdict(n, t, opts.higherIsBetter, kind === 'mb') + (warm ? ' than warm PyTorch' : '')] : []),
      ...(warm && cold !== null && kind === 'rate' ? [`PyTorch with the default allocator ${fmt(cold, kind)}${n !== null ? ` (prune-run ${fmt(n / cold, 'ratio')} that)` : ''}`] : []),
      ...(opts.notes?.(n, t) ?? []),
    ].filter((s) => s.length > 0);
    rows.push({ case: id, metric, node: fmt(n, kind), torch: torchCell(t, kind), ratio: ratio === null ? '—' : fmt(ratio, 'ratio'), notes: notes.join('; ') });
    cases.push({
      case: id,
      metric,
      pruneRun: { raw: raw[group].node.map(pickNode), median: n },
      pytorch: torchSkipped !== null ? { skipped: torchSkipped } : { raw: raw[group].torch.map(pickTorch), median: warm ? cold : t },
      ...(warm && torchSkipped === null ? { pytorchWarmAllocator: { raw: raw[group].torchWarm.map(pickTorch), median: t } } : {}),
      ratio,
      notes,
    });
  };

  const steps = options.epochs * Math.ceil(base.trainSize / base.batchSize);
  const nodeBackend = (raw.lenet.node[0] ?? raw.finetune.node[0])?.backend as Result | undefined;
  const backendNote = nodeBackend === undefined ? '' : `${String(nodeBackend.name)}${nodeBackend.simd === true ? ' SIMD' : ''} vs torch ${base.torchThreads} threads`;
  if (options.cases.has(1)) {
    addRow('1', 'LeNet training, img/s (higher is better)', 'lenet', 'rate', (r) => r.trainImagesPerSecond, (r) => r.trainImagesPerSecond, {
      higherIsBetter: true,
      notes: (n, t) => [
        `${steps} steps of batch 64, Adam 1e-3, same 8,000 images, order and initial weights; ${backendNote}`,
        ...(n !== null && t !== null ? [goal(n / t >= 1, '≥1.0× (stretch 1.5×)')] : []),
      ],
    });
    addRow('1', 'final test accuracy (2,000 images)', 'lenet', 'percent', (r) => r.testAccuracy, (r) => r.testAccuracy, {
      ratio: false,
      notes: (n, t) => [n !== null && t !== null ? `difference ${((n - t) * 100).toFixed(2)} points after ${options.epochs} epoch(s)` : ''],
    });
  }
  if (options.cases.has(2)) {
    const revived = (variant: string) => (r: Result) => Number(r[variant]?.prunedEntriesNonZeroAfter);
    addRow('2', 'fine-tune unmasked, img/s (higher is better)', 'finetune', 'rate', (r) => r.unmasked.imagesPerSecond, (r) => r.unmasked.imagesPerSecond, {
      higherIsBetter: true,
      notes: () => [`LeNet pruned 90% global L1 over its 5 kernels, ${steps} steps; torch: after prune.remove`],
    });
    addRow('2', 'fine-tune masked, img/s (higher is better)', 'finetune', 'rate', (r) => r.masked.imagesPerSecond, (r) => r.masked.imagesPerSecond, {
      higherIsBetter: true,
      notes: () => [
        `prune-run: MaskBinding after every step; torch: prune reparametrisation (weight_orig × weight_mask hook)`,
        `pruned weights non-zero after: masked ${String(med('finetune', 'node', revived('masked')))}/${String(med('finetune', 'torch', revived('masked')) ?? '—')}, unmasked ${String(med('finetune', 'node', revived('unmasked')))}/${String(med('finetune', 'torch', revived('unmasked')) ?? '—')} (prune-run/PyTorch)`,
      ],
    });
    addRow('2', 'masked ÷ unmasked time (lower is better)', 'finetune', 'ratio', (r) => r.masked.seconds / r.unmasked.seconds, (r) => r.masked.seconds / r.unmasked.seconds, {
      ratio: false,
      notes: (n) => [`each process runs both twice (ABBA), best of 2 each; median of per-process ratios`, ...(n !== null ? [goal(n <= 1.1, 'prune-run ≤1.10')] : [])],
    });
  }
  if (options.cases.has(3)) {
    const reduced = options.bigRepeats !== options.repeats ? `; ${options.bigRepeats} repeat(s)` : '';
    const pass = (i: number, pick: (p: Result) => number) => (r: Result) => pick(r.passes[i] as Result);
    const weightsMB = (base.bigCount * base.bigSide * base.bigSide * 4) / 2 ** 20;
    const maskNote = (i: number) => {
      const m = masks[i];
      if (m === undefined) return torchSkipped !== null ? '' : 'masks not compared';
      return m.identical
        ? 'masks identical to torch'
        : `masks differ from torch at ${m.differing.toLocaleString('en-US')} entries (${m.differingAtTies.toLocaleString('en-US')} of them ties at the cut); zeros ${m.nodeZeros.toLocaleString('en-US')} vs ${m.torchZeros.toLocaleString('en-US')}`;
    };
    addRow('3', 'global L1 90% of 25,165,824, s (lower is better)', 'global', 'seconds', pass(0, (p) => p.seconds), pass(0, (p) => p.seconds), {
      higherIsBetter: false,
      notes: (n, t) => [
        'prune-run: MaskSet.track + pruneGlobal + write-back; torch: prune.global_unstructured' + reduced,
        ...(n !== null && t !== null ? [goal(t / n >= 10, '≥10× faster')] : []),
        maskNote(0),
      ],
    });
    addRow('3', '  peak extra memory, MB (lower is better)', 'global-memory', 'mb', pass(0, (p) => p.peakExtraMB), pass(0, (p) => p.peakExtraMB), {
      notes: (n) => [
        `weights are ${Math.round(weightsMB)} MB`,
        ...(n !== null ? [goal(n <= weightsMB, `≤${Math.round(weightsMB)} MB`)] : []),
        'peak RSS over the RSS before the pass, separate runs with a fixed glibc mmap threshold',
      ],
    });
    addRow('3', 'then global L1 50% of the rest, s (lower is better)', 'global', 'seconds', pass(1, (p) => p.seconds), pass(1, (p) => p.seconds), {
      higherIsBetter: false,
      notes: () => [maskNote(1)],
    });
    addRow('3', '  peak extra memory, MB (lower is better)', 'global-memory', 'mb', pass(1, (p) => p.peakExtraMB), pass(1, (p) => p.peakExtraMB));
  }
  if (options.cases.has(4)) {
    addRow('4', 'evaluate test split, img/s (higher is better)', 'lenet', 'rate', (r) => r.evalImagesPerSecond, (r) => r.evalImagesPerSecond, {
      higherIsBetter: true,
      notes: () => [`batches of 500, loss + accuracy, ${base.evalPasses} timed passes over 2,000 images after one untimed`],
    });
    const halved = 'after 50% of the channels of conv1, conv2, fc1, fc2 pruned (L2 structured)';
    addRow('4', '  pruned LeNet, compact (prune-run) vs dense (torch), img/s', 'lenet', 'rate', (r) => r.compact.compactEvalImagesPerSecond, (r) => r.evalImagesPerSecond, {
      higherIsBetter: true,
      notes: () => {
        const c = med('lenet', 'node', (r) => r.compact.compactEvalImagesPerSecond);
        const m = med('lenet', 'node', (r) => r.compact.maskedEvalImagesPerSecond);
        const accuracy = raw.lenet.node[0]?.compact as Result | undefined;
        return [
          `${halved}; torch's pruned model keeps its dense shapes (case 4's run)`,
          ...(c !== null && m !== null ? [`prune-run masked (dense) ${fmt(m, 'rate')} img/s: compact ${fmt(c / m, 'ratio')} that`] : []),
          ...(accuracy === undefined ? [] : [`accuracy masked ${fmt(accuracy.maskedAccuracy, 'percent')}, compact ${fmt(accuracy.compactAccuracy, 'percent')}`]),
        ];
      },
    });
    const sizes = raw.lenet.node[0]?.compact as Result | undefined;
    if (sizes !== undefined) {
      rows.push({
        case: '4',
        metric: '  pruned LeNet on disk, KiB (compact vs dense)',
        node: fmt(sizes.compactBytes / 1024, 'mb'),
        torch: '—',
        ratio: '—',
        notes: `dense (masked) ${fmt(sizes.maskedBytes / 1024, 'mb')} KiB; parameters ${String(sizes.parametersAfter)} of ${String(sizes.parametersBefore)}`,
      });
    }
  }

  for (const model of options.cases.has(5) ? options.models : []) {
    const group = `model-${model}` as const;
    if (raw[group].node.length === 0) continue;
    const label = { vgg: 'VGG-style', resnet: 'ResNet-8', mobilenet: 'MobileNet' }[model];
    const params = raw[group].node[0]?.parameters as number | undefined;
    const port = med(group, 'torch', (r) => r.portCheckMaxAbsLogitDiff);
    const setting =
      `${String(params)} parameters; Fashion-MNIST ${base.modelTrainSize.toLocaleString('en-US')} images, batch ${base.modelBatchSize}, Adam, same init and order` +
      (port === null ? '' : `; torch twin's initial logits within ${port.toExponential(1)}`);
    addRow('5', `${label} training, img/s (higher is better)`, group, 'rate', (r) => r.trainImagesPerSecond, (r) => r.trainImagesPerSecond, {
      higherIsBetter: true,
      notes: (n, t) => [setting, ...(n !== null && t !== null ? [goal(n / t >= 1, '≥1.0× warm PyTorch (stretch 1.5×)')] : [])],
    });
    addRow('5', '  test accuracy after training', group, 'percent', (r) => r.testAccuracy, (r) => r.testAccuracy, {
      ratio: false,
      notes: (n, t) => [n !== null && t !== null ? `difference ${((n - t) * 100).toFixed(2)} points after ${base.modelEpochs} epoch(s)` : ''],
    });
    addRow('5', '  masked fine-tuning, img/s (higher is better)', group, 'rate', (r) => r.finetuneImagesPerSecond, (r) => r.finetuneImagesPerSecond, {
      higherIsBetter: true,
      notes: (n, t) => [
        `after global L1 ${base.modelFinetuneAmount * 100}% of every kernel; torch: prune reparametrisation`,
        ...(n !== null && t !== null ? [goal(n / t >= 1, '≥1.0× warm PyTorch')] : []),
      ],
    });
    addRow('5', '  test accuracy after fine-tuning', group, 'percent', (r) => r.finetunedAccuracy, (r) => r.finetunedAccuracy, { ratio: false });
    addRow('5', '  peak RSS, MB (lower is better)', group, 'mb', (r) => r.peakRssMB, (r) => r.peakRssMB, { higherIsBetter: false });
    // Structured pruning's payoff has no torch side: the compact model against the masked one, in the same child.
    const structured = (pick: (s: Result) => number) => med(group, 'node', (r) => pick(r.structured as Result));
    const compactRate = structured((s) => s.compactEvalImagesPerSecond);
    const maskedRate = structured((s) => s.maskedEvalImagesPerSecond);
    const first = raw[group].node[0]?.structured as Result | undefined;
    const speedup = compactRate !== null && maskedRate !== null ? compactRate / maskedRate : null;
    const notes = [
      ...(first === undefined ? [] : [`filters to 50% of MACs: ${String(first.macsBefore)} → ${String(first.macsAfter)} MACs, max logit Δ ${Number(first.maxLogitDifference).toExponential(1)}`]),
      `masked ${fmt(maskedRate, 'rate')} img/s`,
      ...(speedup === null ? [] : [goal(speedup >= 1.6, '≥1.6× the masked model')]),
    ];
    rows.push({ case: '5', metric: '  compact vs masked evaluation after filters, img/s', node: fmt(compactRate, 'rate'), torch: '—', ratio: speedup === null ? '—' : fmt(speedup, 'ratio'), notes: notes.join('; ') });
    cases.push({ case: '5', metric: 'compact vs masked evaluation after filters', pruneRun: { raw: raw[group].node.map((r) => r.structured), compactMedian: compactRate, maskedMedian: maskedRate }, ratio: speedup, notes });
    // The same compact model with export.fold_batch_norm: batch norms and activations folded into the convs.
    const foldedRate = structured((s) => s.foldedEvalImagesPerSecond);
    const foldedSpeedup = foldedRate !== null && maskedRate !== null ? foldedRate / maskedRate : null;
    const foldedNotes = [
      ...(first === undefined ? [] : [`${String(first.foldedLayers)} layers folded, max logit Δ ${Number(first.foldedMaxLogitDifference).toExponential(1)}`]),
      ...(foldedSpeedup === null ? [] : [goal(foldedSpeedup >= 1.6, '≥1.6× the masked model')]),
    ];
    rows.push({ case: '5', metric: '  compact + fold_batch_norm vs masked, img/s', node: fmt(foldedRate, 'rate'), torch: '—', ratio: foldedSpeedup === null ? '—' : fmt(foldedSpeedup, 'ratio'), notes: foldedNotes.join('; ') });
    cases.push({ case: '5', metric: 'compact + fold_batch_norm vs masked evaluation after filters', pruneRun: { foldedMedian: foldedRate, maskedMedian: maskedRate }, ratio: foldedSpeedup, notes: foldedNotes });
  }

  console.log('');
  printTable(rows);
  if (modelsSkipped !== null) console.log(`\ncase 5 skipped: ${String(modelsSkipped)}`);
  if (torchSkipped !== null) console.log(`\nPyTorch side ${torchSkipped}${options.torch ? '; install it with `apt-get install -y python3-torch` (Debian\'s /usr/bin/python3)' : ''}.`);
  const phaseNote = phaseBreakdown(raw.global.node, raw['global-memory'].node);
  if (phaseNote !== '') console.log(`\ncase 3, prune-run by phase (median time / peak extra memory): ${phaseNote}`);
  const busy = Object.values(raw).flatMap((bySide) => [...bySide.node, ...bySide.torch]).map((r) => r.run as Result);
  const otherTotal = busy.reduce((sum, r) => sum + (Number(r.otherProcessesCpuSeconds) || 0), 0);
  const disturbedKept = busy.filter((r) => disturbed(r as { wallSeconds: number; otherProcessesCpuSeconds: number | null })).length;
  if (discarded.length > 0) {
    console.log(`\n${discarded.length} run(s) disturbed by other processes were discarded and rerun (listed in results.json).`);
  }
  if (disturbedKept > 0) {
    console.log(
      `\nwarning: other processes used ${otherTotal.toFixed(1)} CPU-s during the kept measurements, more than ` +
        `${DISTURBED_SHARE * 100}% of the wall time in ${disturbedKept} of ${busy.length} runs; those numbers are skewed ` +
        `(torch's two threads most). Rerun on a quiet machine.`,
    );
  }
  const leaked = raw.lenet.node.map((r) => Number(r.tensorsLeaked)).filter((n) => n !== 0);
  if (leaked.length > 0) console.log(`\nwarning: TF.js tensors leaked by the LeNet run: ${leaked.join(', ')}`);
  if (torchInfo !== null && torchInfo.portCheckMaxAbsLogitDiff !== null && Number(torchInfo.portCheckMaxAbsLogitDiff) > 1e-4) {
    console.log(`\nwarning: the ported LeNet's logits differ from TF.js's by ${String(torchInfo.portCheckMaxAbsLogitDiff)}`);
  }
  const minutes = (performance.now() - began) / 60000;
  console.log(
    `\n${options.repeats} repeat(s)${wantGlobal && options.bigRepeats !== options.repeats ? ` (case 3: ${options.bigRepeats})` : ''}, medians; ` +
      `ratio = prune-run ÷ PyTorch. ${minutes.toFixed(1)} min in all; load average at start ${loadAtStart.join(' ')} on ${os.availableParallelism()} cores.`,
  );

  if (options.out !== null) {
    const results = {
      date: new Date().toISOString(),
      command: ['npm run bench --', ...process.argv.slice(2)].join(' '),
      minutes,
      machine: {
        cpu: os.cpus()[0]?.model ?? 'unknown',
        cores: os.availableParallelism(),
        memoryMB: Math.round(os.totalmem() / 2 ** 20),
        os: `${os.type()} ${os.release()} ${os.arch()}`,
        /** 1/5/15-minute load before the bench started: other work on the machine skews the numbers. */
        loadAverageAtStart: loadAtStart,
      },
      versions: {
        node: process.version,
        pruneRun: packageVersion(root),
        git: gitState(root),
        tfjsBackend: nodeBackend ?? null,
        pytorch: torchInfo ?? { skipped: torchSkipped },
      },
      settings: { ...base, dir: undefined, finetuneOrder: 'ABBA, alternated per repeat', repeats: options.repeats, bigRepeats: options.bigRepeats },
      cases,
      case3MaskComparison: masks,
      discardedRuns: discarded,
      raw,
    };
    writeFileSync(options.out, `${JSON.stringify(results, null, 2)}\n`);
    console.log(`wrote ${options.out}`);
  }
}

function summary(group: Group, r: Result): string {
  switch (group) {
    case 'lenet':
      return `train ${fmt(r.trainImagesPerSecond, 'rate')} img/s, acc ${fmt(r.testAccuracy, 'percent')}, eval ${fmt(r.evalImagesPerSecond, 'rate')} img/s`;
    case 'finetune':
      return `unmasked ${fmt(r.unmasked?.seconds, 'seconds')} s, masked ${fmt(r.masked?.seconds, 'seconds')} s`;
    case 'global':
    case 'global-memory':
      return (r.passes as Result[]).map((p) => `${String(p.amount)}: ${fmt(p.seconds, 'seconds')} s +${fmt(p.peakExtraMB, 'mb')} MB`).join(', ');
    default:
      return (
        `train ${fmt(r.trainImagesPerSecond, 'rate')} img/s, acc ${fmt(r.testAccuracy, 'percent')}; ` +
        `masked fine-tune ${fmt(r.finetuneImagesPerSecond, 'rate')} img/s, acc ${fmt(r.finetunedAccuracy, 'percent')}; peak ${fmt(r.peakRssMB, 'mb')} MB`
      );
  }
}

/** Case 3 on prune-run's side, phase by phase: median seconds (timed runs) and peak MB (memory runs). */
function phaseBreakdown(timed: readonly Result[], memory: readonly Result[]): string {
  const first = timed[0] ?? memory[0];
  if (first === undefined) return '';
  const passes = first.passes as Result[];
  const parts: string[] = [];
  for (let i = 0; i < passes.length; i++) {
    const text = Object.keys(passes[i]!.phases as object).map((name) => {
      const s = median(timed.map((r) => Number(r.passes[i].phases[name].seconds)));
      const m = median(memory.map((r) => Number(r.passes[i].phases[name].peakExtraMB)));
      return `${name} ${fmt(s, 'seconds')} s/${fmt(m, 'mb')} MB`;
    });
    parts.push(`pass ${i + 1} (${String(passes[i]!.amount)}): ${text.join(', ')}`);
  }
  return parts.join('; ');
}

function packageVersion(root: string): string {
  try {
    return String((JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version?: unknown }).version);
  } catch {
    return 'unknown';
  }
}

/** The commit and whether the tree had changes (read-only git calls). */
function gitState(root: string): { commit: string | null; dirty: boolean | null } {
  const git = (...args: string[]) => spawnSync('git', ['-C', root, ...args], { encoding: 'utf8' });
  const head = git('rev-parse', 'HEAD');
  if (head.status !== 0) return { commit: null, dirty: null };
  const status = git('status', '--porcelain');
  return { commit: head.stdout.trim(), dirty: status.status === 0 ? status.stdout.trim().length > 0 : null };
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : String(error));
  process.exitCode = 1;
});
