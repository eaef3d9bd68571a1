/**
 * Resolves recipe selectors against a model description. A selector that matches nothing is the
 * most reported recipe bug in other tools (a typo silently prunes nothing); here it is an error
 * that points at the selector and lists what the model does have.
 */
import type { RecipeProblem } from '../errors.js';
import { matchGlob } from '../recipe/glob.js';
import type { Selector } from '../recipe/types.js';
import { allParameters, type ModelDescription, type ParameterDescription } from '../models/description.js';

export function selectorMatches(selector: Selector, parameter: ParameterDescription): boolean {
  if (selector.layerType !== null && !selector.layerType.includes(parameter.layerType)) return false;
  if (selector.layer !== null && !matchGlob(selector.layer, parameter.layer)) return false;
  if (selector.param !== null && !matchGlob(selector.param, parameter.param)) return false;
  return true;
}

export function describeSelector(selector: Selector): string {
  const parts: string[] = [];
  if (selector.layerType !== null) parts.push(`layer_type: ${selector.layerType.join(' | ')}`);
  if (selector.layer !== null) parts.push(`layer: "${selector.layer}"`);
  if (selector.param !== null) parts.push(`param: "${selector.param}"`);
  return `{${parts.join(', ')}}`;
}

function modelInventory(model: ModelDescription): string {
  return model.layers
    .filter((layer) => layer.params.length > 0)
    .map((layer) => `${layer.name} (${layer.type}: ${layer.params.map((p) => p.param).join(', ')})`)
    .join(', ');
}

/**
 * The parameters the selectors pick, in model order, without duplicates; or the problems, one per
 * selector that matched nothing.
 */
export function resolveSelectors(
  selectors: readonly Selector[],
  model: ModelDescription,
): { parameters: ParameterDescription[]; problems: RecipeProblem[] } {
  const candidates = allParameters(model);
  const problems: RecipeProblem[] = [];
  const picked = new Set<string>();
  for (const selector of selectors) {
    const matches = candidates.filter((p) => selectorMatches(selector, p));
    if (matches.length === 0) {
      problems.push({
        at: selector.at,
        message:
          `selector ${describeSelector(selector)} matches no parameter of ${model.source}; ` +
          `its parameters are: ${modelInventory(model) || '(none)'}`,
      });
    }
    for (const match of matches) picked.add(match.name);
  }
  return { parameters: candidates.filter((p) => picked.has(p.name)), problems };
}
