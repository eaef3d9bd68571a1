/**
 * Chooses the TensorFlow.js backend a run trains on, and says why.
 *
 * Policy: 'auto' takes tfjs-node ('tensorflow') when it loads, else wasm with prune-run's
 * training kernels. It never falls back to the cpu backend on its own: cpu trains LeNet at
 * ~25 images/s, so a run that silently landed there would look hung. cpu is used only when asked
 * for by name. Every backend that is passed over leaves a note saying why.
 */
import { createRequire } from 'node:module';
import path from 'node:path';

import * as tf from '@tensorflow/tfjs';
import { getThreadsCount, setWasmPaths, version_wasm } from '@tensorflow/tfjs-backend-wasm';

import { EngineError } from '../../errors.js';
import type { BackendName } from '../../recipe/types.js';
import { BACKEND_REQUESTS, type BackendRequest } from './request.js';
import { registerWasmTrainingKernels, WASM_KERNEL_OVERRIDES, WASM_TRAINING_KERNELS } from './wasmKernels/index.js';


export interface BackendInfo {
  name: BackendName;
  /** Version of @tensorflow/tfjs-core, which every backend shares. */
  tfjsVersion: string;
  backendPackage: string;
  backendVersion: string;
  /** Whether wasm runs its SIMD build; null for backends where the question does not apply. */
  simd: boolean | null;
  /** Why this backend, and why not the ones passed over. */
  notes: string[];
}

const TFJS_NODE = '@tensorflow/tfjs-node';
const WASM_PACKAGE = '@tensorflow/tfjs-backend-wasm';
const CPU_SPEED = 'trains LeNet at ~25 images/s';
const HOW_TO_GET_TFJS_NODE =
  `install it on a connected machine with \`npm install ${TFJS_NODE}\` (its postinstall downloads ` +
  'libtensorflow; behind a proxy point it at a mirror with TFJS_NODE_CDN_STORAGE or TFJS_NODE_BASE_URI)';

const requireHere = createRequire(import.meta.url);

/** Selections made in this process, by request; failed ones are forgotten so they can be retried. */
const selections = new Map<BackendRequest, Promise<BackendInfo>>();

/**
 * Makes the requested backend the active TF.js backend and describes it. Calling again with the
 * same request returns the same info object without initialising anything again (if another
 * backend was activated in between, it is switched back, which TF.js does without re-initialising).
 */
export async function selectBackend(request: BackendRequest): Promise<BackendInfo> {
  if (!BACKEND_REQUESTS.includes(request)) {
    throw new EngineError('BACKEND_UNKNOWN', `unknown backend '${String(request)}'; expected one of ${BACKEND_REQUESTS.join(', ')}`);
  }
  const known = selections.get(request);
  if (known === undefined) return remember(request, initialise(request));
  const info = await known;
  if (tf.getBackend() === info.name || (await activate(info.name)) === null) return info;
  // The backend chosen earlier is gone (removed or disposed since): choose afresh, once.
  return remember(request, initialise(request));
}

/** Caches a selection in progress, so concurrent calls share it; a failure is forgotten. */
function remember(request: BackendRequest, selection: Promise<BackendInfo>): Promise<BackendInfo> {
  selections.set(request, selection);
  selection.catch(() => {
    if (selections.get(request) === selection) selections.delete(request);
  });
  return selection;
}

async function initialise(request: BackendRequest): Promise<BackendInfo> {
  switch (request) {
    case 'cpu':
      return useCpu();
    case 'wasm': {
      const wasm = await tryWasm([]);
      if ('info' in wasm) return wasm.info;
      throw new EngineError('WASM_UNAVAILABLE', `the wasm backend failed to start: ${wasm.reason}`);
    }
    case 'tensorflow': {
      const node = await tryTfjsNode();
      if ('info' in node) return node.info;
      throw new EngineError('TFJS_NODE_UNAVAILABLE', `backend 'tensorflow' is unavailable: ${node.reason}. To get it, ${HOW_TO_GET_TFJS_NODE}; or use --backend wasm.`);
    }
    case 'auto': {
      const notes: string[] = [];
      const node = await tryTfjsNode();
      if ('info' in node) return node.info;
      notes.push(`not using backend 'tensorflow': ${node.reason}`);
      const wasm = await tryWasm(notes);
      if ('info' in wasm) return wasm.info;
      throw new EngineError(
        'CPU_BACKEND_REFUSED',
        `no fast backend is available. tensorflow: ${node.reason}. wasm: ${wasm.reason}. ` +
          `prune-run does not fall back to the cpu backend on its own: \`--backend cpu\` exists but ${CPU_SPEED}. ` +
          `For the tensorflow backend, ${HOW_TO_GET_TFJS_NODE}.`,
      );
    }
  }
}

type Attempt = { info: BackendInfo } | { reason: string };

async function tryTfjsNode(): Promise<Attempt> {
  try {
    // A variable specifier: the package is optional, so neither tsc nor bundlers may require it.
    const specifier: string = TFJS_NODE;
    await import(specifier);
  } catch (error) {
    return {
      reason: isResolvable(TFJS_NODE)
        ? `${TFJS_NODE} is installed but failed to load (${messageOf(error)})`
        : `${TFJS_NODE} is not installed (${messageOf(error)})`,
    };
  }
  if (tf.findBackendFactory('tensorflow') == null) {
    return {
      reason:
        `${TFJS_NODE} loaded but registered no 'tensorflow' backend with this copy of ` +
        `@tensorflow/tfjs-core ${tf.version_core} (two different TF.js versions installed?)`,
    };
  }
  const failure = await activate('tensorflow');
  if (failure !== null) return { reason: failure };
  return {
    info: {
      name: 'tensorflow',
      tfjsVersion: tf.version_core,
      backendPackage: TFJS_NODE,
      backendVersion: packageVersion(TFJS_NODE),
      simd: null,
      notes: [`using ${TFJS_NODE} (native TensorFlow)`],
    },
  };
}

async function tryWasm(notes: string[]): Promise<Attempt> {
  let distDir: string;
  try {
    distDir = path.join(path.dirname(requireHere.resolve(`${WASM_PACKAGE}/package.json`)), 'dist') + path.sep;
    // Node has no page URL to find the .wasm binaries from; point at the installed package.
    setWasmPaths(distDir);
  } catch (error) {
    return { reason: messageOf(error) };
  }
  const registered = registerWasmTrainingKernels();
  const failure = await activate('wasm');
  if (failure !== null) return { reason: `${failure} (binaries looked up in ${distDir})` };

  const simd = (await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT')) === true;
  const threads = getThreadsCount();
  return {
    info: {
      name: 'wasm',
      tfjsVersion: tf.version_core,
      backendPackage: WASM_PACKAGE,
      backendVersion: version_wasm,
      simd,
      notes: [
        ...notes,
        `wasm ${simd ? 'SIMD' : 'non-SIMD (slower)'} build, ${threads} thread${threads === 1 ? '' : 's'}` +
          (threads === 1 && tf.env().getBool('IS_NODE') ? ' (TF.js does not run wasm multithreaded under Node)' : ''),
        `training kernels added by prune-run: ${WASM_TRAINING_KERNELS.join(', ')}` +
          (registered.length < WASM_TRAINING_KERNELS.length ? ' (some were already registered)' : ''),
        `faster paths put by prune-run in front of the backend's own: ${WASM_KERNEL_OVERRIDES.join(', ')}`,
      ],
    },
  };
}

async function useCpu(): Promise<BackendInfo> {
  const failure = await activate('cpu');
  if (failure !== null) throw new EngineError('BACKEND_UNAVAILABLE', `the cpu backend failed to start: ${failure}`);
  return {
    name: 'cpu',
    tfjsVersion: tf.version_core,
    backendPackage: '@tensorflow/tfjs-backend-cpu',
    backendVersion: tf.version_cpu,
    simd: null,
    notes: [`cpu backend asked for by name; it is the slowest: it ${CPU_SPEED}`],
  };
}

/**
 * Switches TF.js to `name`; returns null on success, else why not. TF.js reports a failed backend
 * initialisation only through console.warn and a `false`, so the warnings are captured (and still
 * printed) to give the reason in our error instead of "see above".
 */
async function activate(name: BackendName): Promise<string | null> {
  const warnings: string[] = [];
  const warn = console.warn;
  console.warn = (...args: unknown[]) => {
    warnings.push(args.map(String).join(' '));
    warn(...args);
  };
  try {
    const ok = await tf.setBackend(name);
    if (!ok) {
      // No tf.ready() here: after a failed setBackend it initialises the best remaining backend,
      // which is exactly the silent fallback to cpu this module exists to prevent.
      const cause = [...new Set(warnings.map(firstLine).filter((w) => w.length > 0))].slice(0, 3).join('; ');
      return `TF.js could not initialise backend '${name}'${cause ? `: ${cause}` : ''}`;
    }
    await tf.ready();
  } catch (error) {
    return `TF.js could not initialise backend '${name}': ${messageOf(error)}`;
  } finally {
    console.warn = warn;
  }
  const active = tf.getBackend();
  return active === name ? null : `TF.js is running backend '${String(active)}' instead of '${name}'`;
}

function isResolvable(specifier: string): boolean {
  try {
    requireHere.resolve(specifier);
    return true;
  } catch {
    return false;
  }
}

function packageVersion(name: string): string {
  try {
    const pkg = requireHere(`${name}/package.json`) as { version?: unknown };
    return typeof pkg.version === 'string' ? pkg.version : 'unknown';
  } catch {
    return 'unknown';
  }
}

function messageOf(error: unknown): string {
  return firstLine(error instanceof Error ? error.message : String(error));
}

function firstLine(text: string): string {
  return text.split('\n', 1)[0]!.trim();
}
