/**
 * Backend selection on this machine, where @tensorflow/tfjs-node is not installable: 'auto' must
 * land on wasm and say why, cpu only when asked by name, and never a silent fall back to cpu.
 * Tests run in order and share one process; the last one removes the wasm backend for good.
 */
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';

import { EngineError } from '../../src/errors.js';
import { selectBackend } from '../../src/engine/backend/select.js';
import type { BackendRequest } from '../../src/engine/backend/request.js';

async function engineErrorOf(request: BackendRequest): Promise<EngineError> {
  const error: unknown = await selectBackend(request).then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(EngineError);
  return error as EngineError;
}

describe('selectBackend', () => {
  it("'auto' chooses wasm here and notes why tfjs-node is not used", async () => {
    const info = await selectBackend('auto');
    expect(info).toMatchObject({
      name: 'wasm',
      tfjsVersion: tf.version_core,
      backendPackage: '@tensorflow/tfjs-backend-wasm',
      backendVersion: '4.22.0',
    });
    expect(typeof info.simd).toBe('boolean');
    expect(info.notes.join('\n')).toMatch(/@tensorflow\/tfjs-node is not installed \(.+\)/);
    expect(info.notes.join('\n')).toMatch(/Conv2DBackpropFilter/);
    expect(tf.getBackend()).toBe('wasm');
  });

  it('returns the same info again without re-initialising, even after a switch', async () => {
    const first = await selectBackend('auto');
    const backend = tf.backend();
    expect(await selectBackend('auto')).toBe(first);
    await tf.setBackend('cpu');
    expect(await selectBackend('auto')).toBe(first);
    expect(tf.getBackend()).toBe('wasm');
    expect(tf.backend()).toBe(backend);
  });

  it("uses cpu when asked for it by name, and says it is slow", async () => {
    const info = await selectBackend('cpu');
    expect(info).toMatchObject({ name: 'cpu', backendPackage: '@tensorflow/tfjs-backend-cpu', simd: null });
    expect(info.notes.join('\n')).toMatch(/by name.*25 images\/s/);
    expect(tf.getBackend()).toBe('cpu');
    await selectBackend('wasm');
    expect(tf.getBackend()).toBe('wasm');
  });

  it("refuses 'tensorflow' when tfjs-node is missing, and says how to get it", async () => {
    const error = await engineErrorOf('tensorflow');
    expect(error.code).toBe('TFJS_NODE_UNAVAILABLE');
    expect(error.message).toMatch(/not installed/);
    expect(error.message).toMatch(/npm install @tensorflow\/tfjs-node/);
    expect(error.message).toMatch(/TFJS_NODE_CDN_STORAGE/);
    expect(error.message).toMatch(/TFJS_NODE_BASE_URI/);
  });

  it('refuses a name it does not know, listing the valid ones', async () => {
    const error = await engineErrorOf('gpu' as BackendRequest);
    expect(error.code).toBe('BACKEND_UNKNOWN');
    expect(error.message).toMatch(/auto, tensorflow, wasm, cpu/);
  });

  it("refuses to fall back to cpu when 'auto' finds neither tensorflow nor wasm", async () => {
    await selectBackend('auto');
    // Simulates a broken wasm install: from here on TF.js has no wasm backend in this process.
    tf.removeBackend('wasm');
    const error = await engineErrorOf('auto');
    expect(error.code).toBe('CPU_BACKEND_REFUSED');
    expect(error.message).toMatch(/tfjs-node is not installed/);
    expect(error.message).toMatch(/wasm/);
    expect(error.message).toMatch(/--backend cpu. exists but trains LeNet at ~25 images\/s/);
    expect(tf.getBackend()).not.toBe('cpu');
    expect((await engineErrorOf('wasm')).code).toBe('WASM_UNAVAILABLE');
  });
});
