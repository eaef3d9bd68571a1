/**
 * Case 3, prune-run's side, on the pruning core alone (no TF.js is loaded in this process): six
 * 2048×2048 kernels as Float32Arrays read from the prepared file play the model's weights.
 * Each pass does what applyPruneTask does for a global group, minus TF.js:
 *   track   MaskSet.track of each kernel (borrows the weights, as the engine's states borrow the
 *           values read from the variables: no copy of the weights is kept)
 *   select  pruneGlobal(states, l1Unstructured(amount)): selection over the states' own arrays,
 *           masks written in place (no concatenation)
 *   write   the effective weights (values × mask) written back into the "model" arrays, in place
 * Pass 1 prunes 90%, pass 2 50% of what is left (95% in all). Time and peak RSS above the RSS
 * at the start of the pass are measured per phase and per pass.
 */
import { l1Unstructured, MaskSet, pruneGlobal, type ParameterState } from '../../src/prune/index.js';
import { FILES, MB, PeakMeter, readF32, writeArray, type BenchParams } from '../common.js';

interface Phase {
  seconds: number;
  peakExtraMB: number;
}

/**
 * Collects garbage and waits until RSS settles: V8 frees ArrayBuffer backing stores on a
 * background thread after a GC, so memory released late would otherwise offset the next pass's
 * allocations and hide part of its peak.
 */
async function settle(): Promise<void> {
  const gc = (globalThis as { gc?: () => void }).gc;
  let last = Number.POSITIVE_INFINITY;
  for (let i = 0; i < 40; i++) {
    gc?.();
    await new Promise((resolve) => setTimeout(resolve, 25));
    const rss = process.memoryUsage.rss();
    if (Math.abs(last - rss) < MB) return;
    last = rss;
  }
}

export async function runGlobalPrune(p: BenchParams): Promise<Record<string, unknown>> {
  const meter = PeakMeter.create();
  const all = readF32(p.dir, FILES.bigWeights);
  const size = p.bigSide * p.bigSide;
  if (all.length !== p.bigCount * size) throw new Error(`${FILES.bigWeights}: expected ${p.bigCount * size} floats, got ${all.length}`);
  const weights = Array.from({ length: p.bigCount }, (_, i) => all.subarray(i * size, (i + 1) * size));
  const names = weights.map((_, i) => `dense${i + 1}/kernel`);
  const masks = new MaskSet();
  const shape = [p.bigSide, p.bigSide];

  const passes: Record<string, unknown>[] = [];
  for (const [index, amount] of p.bigAmounts.entries()) {
    await settle();
    const phases: Record<string, Phase> = {};
    const passBase = meter.start();
    let passPeak = passBase;
    const phase = <T>(label: string, work: () => T): T => {
      const base = meter.start();
      const t = performance.now();
      const out = work();
      const seconds = (performance.now() - t) / 1000;
      const peak = meter.peak();
      passPeak = Math.max(passPeak, peak);
      phases[label] = { seconds, peakExtraMB: (peak - base) / MB };
      return out;
    };
    const started = performance.now();
    const states: ParameterState[] = phase('track', () => names.map((name, i) => masks.track(name, shape, weights[i]!)));
    phase('select', () => pruneGlobal(states, l1Unstructured({ amount })));
    phase('write', () => {
      for (const [i, name] of names.entries()) masks.effective(name, weights[i]);
    });
    const seconds = (performance.now() - started) / 1000;
    const sparsity = masks.globalSparsity();
    passes.push({
      amount,
      seconds,
      peakExtraMB: (passPeak - passBase) / MB,
      phases,
      zeros: sparsity.zeros,
      sparsity: sparsity.sparsity,
    });
    if (p.dumpMasks) {
      const out = new Uint8Array(p.bigCount * size);
      for (const [i, name] of names.entries()) out.set(masks.get(name)!.mask, i * size);
      writeArray(p.dir, FILES.masks('node', (index + 1) as 1 | 2), out);
    }
  }
  return {
    parameters: p.bigCount * size,
    weightsMB: (p.bigCount * size * 4) / MB,
    memoryMethod: meter.method,
    passes,
  };
}
