/** Where a resolved recipe names plugin modules, and the same recipe with the loaded plugins bound. */
import type { SourceLocation } from '../errors.js';
import type { CustomMethodSpec } from '../methods/index.js';
import type { PluginReference } from '../prune/spec.js';
import type { LocalTarget, ResolvedRecipe, Stage } from '../recipe/types.js';

export interface PluginUse {
  readonly spec: CustomMethodSpec;
  /** Where `module` is written. */
  readonly at: SourceLocation;
}

/** Every `method: custom` target, in recipe order. */
export function pluginUses(recipe: ResolvedRecipe): PluginUse[] {
  const uses: PluginUse[] = [];
  for (const stage of recipe.stages) {
    if (stage.prune.scope !== 'local') continue;
    for (const target of stage.prune.targets) {
      if (target.method.method === 'custom') uses.push({ spec: target.method, at: target.optionsAt.module ?? target.at });
    }
  }
  return uses;
}

/**
 * The recipe with each custom spec's plugin set from `references` (by module as written); frozen
 * like the recipe it copies. Stages without plugins are kept as they are.
 */
export function bindPlugins(recipe: ResolvedRecipe, references: ReadonlyMap<string, PluginReference>): ResolvedRecipe {
  const bindTarget = (target: LocalTarget): LocalTarget => {
    const spec = target.method;
    if (spec.method !== 'custom') return target;
    const plugin = references.get(spec.module);
    if (plugin === undefined) throw new Error(`bindPlugins: no plugin loaded for ${spec.module}`);
    return Object.freeze({ ...target, method: Object.freeze({ ...spec, plugin: Object.freeze({ ...plugin }) }) });
  };
  const bindStage = (stage: Stage): Stage => {
    const step = stage.prune;
    if (step.scope !== 'local' || !step.targets.some((t) => t.method.method === 'custom')) return stage;
    return Object.freeze({ ...stage, prune: Object.freeze({ ...step, targets: Object.freeze(step.targets.map(bindTarget)) }) });
  };
  return Object.freeze({ ...recipe, stages: Object.freeze(recipe.stages.map(bindStage)) });
}
