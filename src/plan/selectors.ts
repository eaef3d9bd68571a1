/**
 * Resolves recipe selectors against a model description. A selector that matches nothing is the
 * most reported recipe bug in other tools (a typo silently prunes nothing); here it is an error
 * that points at the selector and lists what the model does have.
 *
 * A model imported from torch (its description's `torch` names) is also selected by torch's
 * names: `layer` matches the TF.js layer (`layer1_0_conv1`) or the torch module (`layer1.0.conv1`),
 * and `param` the TF.js part (`kernel`) or torch's (`weight`). A `param` with a dot is a whole
 * torch name (`conv1.weight`, `layer1.*.weight`), one with a slash a whole TF.js name
 * (`conv1/kernel`), which any model takes.
 */
import type { RecipeProblem } from '../errors.js';
import { globProblem, isGlob, matchGlob } from '../recipe/glob.js';
import { didYouMean } from '../recipe/naming.js';
import type { Selector } from '../recipe/types.js';
import { allParameters, type ModelDescription, type ParameterDescription } from '../models/description.js';
import { splitTorchName, type TorchParameter } from '../models/torchNames.js';

function paramMatches(pattern: string, parameter: ParameterDescription, torch: TorchParameter | undefined): boolean {
  if (pattern.includes('/')) return matchGlob(pattern, parameter.name);
  if (pattern.includes('.')) return torch !== undefined && matchGlob(pattern, torch.name);
  return matchGlob(pattern, parameter.param) || (torch !== undefined && matchGlob(pattern, splitTorchName(torch.name)[1]));
}

/** Whether the selector picks the parameter; `torch` is the parameter's torch counterpart, if the model has one. */
export function selectorMatches(selector: Selector, parameter: ParameterDescription, torch?: TorchParameter): boolean {
  if (selector.layerType !== null && !selector.layerType.includes(parameter.layerType)) return false;
  if (selector.layer !== null && !matchGlob(selector.layer, parameter.layer) && !(torch !== undefined && matchGlob(selector.layer, splitTorchName(torch.name)[0]))) return false;
  if (selector.param !== null && !paramMatches(selector.param, parameter, torch)) return false;
  return true;
}

export function describeSelector(selector: Selector): string {
  const parts: string[] = [];
  if (selector.layerType !== null) parts.push(`layer_type: ${selector.layerType.join(' | ')}`);
  if (selector.layer !== null) parts.push(`layer: "${selector.layer}"`);
  if (selector.param !== null) parts.push(`param: "${selector.param}"`);
  return `{${parts.join(', ')}}`;
}

/** Whether the selector names torch modules or parameters (`layer1.0.conv1`, `conv1.weight`). */
function writtenInTorchNames(selector: Selector): boolean {
  return (selector.layer ?? '').includes('.') || (selector.param ?? '').includes('.');
}

/** ` = conv1.weight` for a parameter with a torch name, else ''. */
function torchAlias(model: ModelDescription, parameter: ParameterDescription): string {
  const torch = model.torch?.[parameter.name];
  return torch === undefined ? '' : ` = ${torch.name}`;
}

/** The model's layers and parameters; with torch's names beside them when the selector was written in them. */
function modelInventory(model: ModelDescription, withTorch: boolean): string {
  return model.layers
    .filter((layer) => layer.params.length > 0)
    .map((layer) => `${layer.name} (${layer.type}: ${layer.params.map((p) => p.param + (withTorch ? torchAlias(model, p) : '')).join(', ')})`)
    .join(', ');
}

/** A selector's globs that cannot be matched (too many alternatives), located at the selector. */
function globProblems(selector: Selector): RecipeProblem[] {
  return (['layer', 'param'] as const).flatMap((key) => {
    const pattern = selector[key];
    const problem = pattern === null ? null : globProblem(pattern);
    return problem === null ? [] : [{ at: selector.at, message: `selector ${key}: "${pattern}": ${problem}` }];
  });
}

/**
 * For a selector that matches nothing: the name nearest to what it says where one part finds
 * nothing at all — `: no layer is "conv9" (did you mean "conv1"?)` — else ''. Torch names count
 * as names too on a model that has them.
 */
function nearMiss(selector: Selector, model: ModelDescription): string {
  const parameters = allParameters(model);
  const torchOf = (p: ParameterDescription): TorchParameter | undefined => model.torch?.[p.name];
  const { layer, param } = selector;
  // A torch name's module and parameter parts (`layer1.0.conv1`, `weight`), and the whole name.
  const torchParts = (p: ParameterDescription): [string, string, string] | [] => {
    const torch = torchOf(p);
    return torch === undefined ? [] : [...splitTorchName(torch.name), torch.name];
  };
  if (layer !== null && !parameters.some((p) => selectorMatches({ ...selector, layerType: null, param: null }, p, torchOf(p)))) {
    const names = new Set(parameters.flatMap((p) => [p.layer, ...torchParts(p).slice(0, 1)]));
    return `: no layer is ${isGlob(layer) ? 'matched by' : 'called'} "${layer}"${didYouMean(layer, [...names])}`;
  }
  if (param !== null) {
    const inLayers = parameters.filter((p) => selectorMatches({ ...selector, param: null }, p, torchOf(p)));
    if (inLayers.length > 0 && !inLayers.some((p) => paramMatches(param, p, torchOf(p)))) {
      const names = new Set(inLayers.flatMap((p) => [p.param, p.name, ...torchParts(p).slice(1)]));
      const where = selector.layer === null && selector.layerType === null ? '' : ' in the layers it selects';
      return `: no parameter${where} is ${isGlob(param) ? 'matched by' : 'called'} "${param}"${didYouMean(param, [...names])}`;
    }
  }
  return '';
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
    const badGlob = globProblems(selector);
    if (badGlob.length > 0) {
      problems.push(...badGlob);
      continue;
    }
    const matches = candidates.filter((p) => selectorMatches(selector, p, model.torch?.[p.name]));
    if (matches.length === 0) {
      problems.push({
        at: selector.at,
        message:
          `selector ${describeSelector(selector)} matches no parameter of ${model.source}${nearMiss(selector, model)}; ` +
          `its parameters are: ${modelInventory(model, writtenInTorchNames(selector)) || '(none)'}` +
          (writtenInTorchNames(selector) && model.torch === undefined ? ' (torch names such as conv1.weight need a model with torch names: an ONNX import or builtin lenet)' : ''),
      });
    }
    for (const match of matches) picked.add(match.name);
  }
  return { parameters: candidates.filter((p) => picked.has(p.name)), problems };
}
