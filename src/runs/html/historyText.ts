/**
 * A parameter's history entry (a method's describe(), see src/prune/method.ts) in a few words
 * instead of its JSON: `l1_unstructured 20%`, `global l1_unstructured 30% over 5 parameters, at
 * most 97% each`, `ln_structured 50% (n 2, axis 0)`. The JSON stays in record.json.
 */

/** 0.2 → "20%", 0.125 → "12.5%". */
const percent = (fraction: number): string => `${Number((fraction * 100).toFixed(2))}%`;

function shortValue(value: unknown): string {
  if (Array.isArray(value)) return `${value.length} item${value.length === 1 ? '' : 's'}`;
  if (typeof value === 'object' && value !== null) return JSON.stringify(value);
  return String(value);
}

export function historyText(entry: Readonly<Record<string, unknown>>): string {
  const { method, inner, amount, count, parameters, max_sparsity_per_layer: cap, ...rest } = entry;
  const name = method === 'global_unstructured' ? `global ${typeof inner === 'string' ? inner : 'unstructured'}` : typeof method === 'string' ? method : 'a method';
  const size = typeof amount === 'number' ? ` ${percent(amount)}` : typeof count === 'number' ? ` ${count} entr${count === 1 ? 'y' : 'ies'}` : '';
  const scope = Array.isArray(parameters) ? ` over ${parameters.length} parameter${parameters.length === 1 ? '' : 's'}` : '';
  const capped = typeof cap === 'number' ? `, at most ${percent(cap)} each` : '';
  const details = Object.entries(rest)
    .filter(([, value]) => value !== undefined && value !== null)
    .map(([key, value]) => `${key.replace(/_/g, ' ')} ${shortValue(value)}`);
  return `${name}${size}${scope}${capped}${details.length === 0 ? '' : ` (${details.join(', ')})`}`;
}
