/**
 * Global pruning (torch's global_unstructured): one selection over all the given parameters at
 * once, as if their scores and masks were concatenated into one vector and the container's path
 * ran once over it.
 *
 * For a method that can select in place (PruningMethod.inPlace: l1, random) nothing is
 * concatenated: the selection runs over the parameters' own arrays and the masks are written in
 * place, so a 25M-parameter model is pruned with a few MB of working memory (see
 * magnitudeSelect.ts). Any other unstructured method gets the literal concatenation, the
 * container path, and the split.
 */
import { PruneError } from '../errors.js';
import { composeMask } from './container.js';
import { countCandidates } from './magnitudeSelect.js';
import type { PruningMethod } from './method.js';
import { cappedCapacity, pruneSmallestCapped } from './capped.js';
import { checkImportance, valuesOf, type ParameterState } from './parameter.js';

function checkStates(states: readonly ParameterState[], importance: ReadonlyMap<string, Float32Array> | undefined): void {
  if (states.length === 0) {
    throw new PruneError('PRUNE_GLOBAL_INVALID', 'global pruning needs at least one parameter');
  }
  const seen = new Set<string>();
  for (const s of states) {
    if (seen.has(s.name)) throw new PruneError('PRUNE_GLOBAL_INVALID', `global pruning lists '${s.name}' twice`);
    seen.add(s.name);
  }
  // torch ignores scores for parameters not in the group; a name matching nothing is more likely
  // a mistake, so say so.
  for (const name of importance?.keys() ?? []) {
    if (!seen.has(name)) {
      throw new PruneError(
        'PRUNE_UNKNOWN_PARAMETER',
        `global pruning: importance given for '${name}', which is not among [${[...seen].join(', ')}]`,
      );
    }
  }
}

/**
 * torch's global_unstructured: one threshold over the concatenation of all the states' importance
 * (only still-unpruned entries count, and a fraction is of those), split back, and recorded in
 * each history as {method:'global_unstructured', inner:<method name>, ...its amount, parameters}.
 *
 * Default importance per parameter: its effective weights (torch reads module.weight). The method
 * must be of kind 'unstructured'. No state changes unless the whole step succeeds. For l1Unstructured
 * and randomUnstructured the masks are updated in place (each state keeps its Uint8Array);
 * other methods get new mask arrays.
 */
export interface GlobalOptions {
  /**
   * The layer-collapse guard: no parameter ends the step with more than this fraction of its
   * entries pruned (counting its earlier pruning); the count a capped parameter cannot take goes to
   * the others. l1 only. null or absent: none, as torch. The recipe's max_sparsity_per_layer is
   * this declaration (recipe/types.ts, the plan and the API reuse it), so it has one name throughout.
   */
  readonly maxSparsityPerLayer?: number | null;
}

export function pruneGlobal(
  states: readonly ParameterState[],
  method: PruningMethod,
  importance?: ReadonlyMap<string, Float32Array>,
  options: GlobalOptions = {},
): void {
  if (method.kind !== 'unstructured') {
    throw new PruneError(
      'PRUNE_METHOD_KIND',
      `global pruning needs an unstructured method; ${method.name} is ${method.kind}`,
    );
  }
  checkStates(states, importance);
  const names = states.map((s) => s.name);
  const groupName = `global(${names.join(', ')})`;

  const selection = method.inPlace;
  const cap = options.maxSparsityPerLayer ?? undefined;
  const byMagnitude = selection?.byMagnitude === true;
  if (cap !== undefined && (!byMagnitude || !(cap >= 0 && cap <= 1))) {
    throw new PruneError(
      'PRUNE_GLOBAL_INVALID',
      !byMagnitude
        ? `${groupName}: a maximum sparsity per parameter needs l1_unstructured, got ${method.name}`
        : `${groupName}: the maximum sparsity per parameter must be in [0, 1], got ${String(cap)}`,
    );
  }
  if (selection !== undefined) {
    const segments = states.map((s) => {
      const given = importance?.get(s.name);
      if (given !== undefined) checkImportance(s, given);
      // Default scores: the effective weights; only unpruned entries are candidates, where they
      // equal the values.
      return { scores: given ?? valuesOf(s), mask: s.mask };
    });
    const candidates = countCandidates(segments);
    const k = selection.count(candidates, groupName);
    if (cap === undefined) selection.prune(segments, candidates, k);
    else {
      // Entries each parameter may still lose: floor(cap · n) in all, minus what it already lost.
      const allowed = states.map((s, i) => Math.max(0, Math.floor(cap * s.mask.length) - (s.mask.length - countCandidates([segments[i]!]))));
      const capacity = cappedCapacity(segments, allowed);
      if (k > capacity) {
        throw new PruneError(
          'PRUNE_AMOUNT_TOO_LARGE',
          `${groupName}: pruning ${String(k)} entries needs more than a maximum sparsity of ${String(cap)} per parameter allows ` +
            `(${String(capacity)} at most); raise the maximum or lower the amount`,
        );
      }
      pruneSmallestCapped(segments, k, allowed);
    }
    record(states, method, names, cap);
    return;
  }

  let total = 0;
  for (const s of states) total += s.mask.length;
  const scores = new Float32Array(total);
  const mask = new Uint8Array(total);
  let offset = 0;
  for (const s of states) {
    const given = importance?.get(s.name);
    if (given !== undefined) {
      checkImportance(s, given);
      scores.set(given, offset);
    } else {
      const values = valuesOf(s);
      for (let i = 0; i < values.length; i++) scores[offset + i] = s.mask[i]! !== 0 ? values[i]! : 0;
    }
    mask.set(s.mask, offset);
    offset += s.mask.length;
  }

  const next = composeMask(method, scores, mask, [total], groupName);

  offset = 0;
  for (const s of states) {
    // Like torch's custom_from_mask(slice): the slice is already ANDed with the old mask.
    s.mask = next.slice(offset, offset + s.mask.length);
    offset += s.mask.length;
  }
  record(states, method, names);
}

function record(states: readonly ParameterState[], method: PruningMethod, names: readonly string[], cap?: number): void {
  const { method: _inner, ...innerArgs } = method.describe();
  const entry = { method: 'global_unstructured', inner: method.name, ...innerArgs, ...(cap === undefined ? {} : { max_sparsity_per_layer: cap }) };
  for (const s of states) s.history.push({ ...entry, parameters: [...names] });
}
