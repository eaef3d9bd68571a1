/** Linear scales and "nice" axis ticks (steps of 1, 2 or 5 times a power of ten). */

export interface LinearScale {
  readonly domain: readonly [number, number];
  readonly range: readonly [number, number];
  (value: number): number;
}

/** Maps domain[0] → range[0] and domain[1] → range[1]; a zero-width domain maps to the range's middle. */
export function linearScale(domain: readonly [number, number], range: readonly [number, number]): LinearScale {
  const [d0, d1] = domain;
  const [r0, r1] = range;
  const span = d1 - d0;
  const scale = (value: number): number => (span === 0 ? (r0 + r1) / 2 : r0 + ((value - d0) / span) * (r1 - r0));
  return Object.assign(scale, { domain, range });
}

/** The step of 1, 2 or 5 × 10^k that gives about `count` intervals over `span`. */
function niceStep(span: number, count: number): number {
  const rough = span / Math.max(1, count);
  const power = 10 ** Math.floor(Math.log10(rough));
  const fraction = rough / power;
  const nice = fraction <= 1 ? 1 : fraction <= 2 ? 2 : fraction <= 5 ? 5 : 10;
  return nice * power;
}

/**
 * A domain that starts and ends on ticks and contains [min, max], with those ticks. A single
 * value (min = max) gets a domain from zero to twice it, so a flat line still has an axis.
 */
export function niceDomain(min: number, max: number, count = 5): { domain: [number, number]; ticks: number[] } {
  if (!Number.isFinite(min) || !Number.isFinite(max) || min > max) throw new Error(`chart domain [${min}, ${max}] is not a range`);
  if (min === max) {
    // From zero to twice the value: a flat line of losses or fractions sits mid-chart on an axis from 0.
    if (min === 0) max = 1;
    else if (min > 0) [min, max] = [0, 2 * min];
    else [min, max] = [2 * min, 0];
  }
  const step = niceStep(max - min, count);
  const start = Math.floor(min / step + 1e-9) * step;
  const end = Math.ceil(max / step - 1e-9) * step;
  return { domain: [start, end], ticks: ticksBetween(start, end, step) };
}

/** A formatter that writes every tick with the decimals its step needs (0.0, 0.5, 1.0 — not 0, 0.5, 1). */
export function tickFormat(ticks: readonly number[]): (v: number) => string {
  const step = ticks.length > 1 ? Math.abs(ticks[1]! - ticks[0]!) : 1;
  const decimals = step >= 1 || step === 0 ? 0 : Math.ceil(-Math.log10(step) - 1e-9);
  return (v: number) => v.toFixed(decimals);
}

/** Ticks at multiples of `step` from start to end, free of floating-point fuzz (0.30000000000000004). */
export function ticksBetween(start: number, end: number, step: number): number[] {
  const decimals = Math.max(0, -Math.floor(Math.log10(step)) + 1);
  const ticks: number[] = [];
  const n = Math.round((end - start) / step);
  for (let i = 0; i <= n; i++) ticks.push(Number((start + i * step).toFixed(decimals)));
  return ticks;
}

/** Integer ticks (epochs, steps) over [1, max] or [0, max]: about `count` of them, never fractional. */
export function integerTicks(min: number, max: number, count = 12): number[] {
  const step = Math.max(1, niceStep(Math.max(1, max - min), count));
  const ticks: number[] = [];
  const first = Math.ceil(min / step) * step;
  // The first value (epoch 1) gets a tick of its own when a whole step separates it from the next.
  if (first > min && first - min >= step) ticks.push(min);
  for (let t = first; t <= max; t += step) ticks.push(t);
  return ticks;
}
