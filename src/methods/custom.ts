/**
 * custom: a pruning method from the user's own module (a plugin: {name, kind, computeMask}), as
 * torch's documented way of extending prune with a BasePruningMethod subclass. The recipe names the
 * module; prepareRun's loader (src/plugins/) binds the loaded plugin into the spec, with permission.
 */
import { PruneError } from '../errors.js';
import { checkedPlugin } from '../prune/checked.js';
import type { PluginOptions } from '../prune/plugin.js';
import { formatAxisSpec } from '../prune/axis.js';
import type { AxisSpec, PluginReference } from '../prune/spec.js';
import { planAxis } from './checks.js';
import { placeAxis } from './place.js';
import { onTop } from './text.js';
import type { MethodDescriptor, PlanContext } from './types.js';

/**
 * The module the recipe names, the plugin once loaded (null until prepareRun's loader binds it: a
 * recipe is data and names code without running it), the recipe's `options:` handed to
 * computeMask, and a structured plugin's channels.
 */
export interface CustomMethodSpec {
  readonly method: 'custom';
  /** The module as the recipe writes it, relative to the recipe's folder. */
  readonly module: string;
  readonly plugin: PluginReference | null;
  readonly options: PluginOptions;
  readonly axis?: AxisSpec;
}

/**
 * The plugin must be loaded, a structured plugin needs axis or dim on a kernel whose layout is
 * known, and only a structured plugin takes one. Returns the TF.js axis.
 */
function pluginAxis(spec: CustomMethodSpec, context: PlanContext): number | null {
  const moduleAt = context.at('module');
  const plugin = spec.plugin;
  if (plugin === null) {
    context.problems.push({ at: moduleAt, message: `the plugin module "${spec.module}" is not loaded; prepareRun loads it (with permission) before planning` });
    return null;
  }
  const what = `plugin "${plugin.name}" of ${spec.module} is ${plugin.kind}`;
  if (plugin.kind !== 'structured') {
    if (spec.axis !== undefined) {
      context.problems.push({ at: context.at('axis'), message: `${formatAxisSpec(spec.axis)} is for structured plugins only; ${what}` });
    }
    return null;
  }
  if (spec.axis === undefined) {
    context.problems.push({ at: moduleAt, message: `${what}: say which channels it prunes with axis: out or in (or torch's dim)` });
    return null;
  }
  return planAxis(spec.axis, context, context.at('axis'));
}

export const custom = {
  name: 'custom',
  summary: 'runs a pruning method from your own module (module: plugins/m.ts; loading it needs --allow-plugins)',
  traits: { amount: null, axis: 'optional', seeded: false, importance: true },
  fields: [
    { key: 'module', required: true, locate: [], purpose: 'the plugin module', hint: 'custom runs the method a module of yours exports: module: plugins/my-method.ts, relative to the recipe' },
    { key: 'options', required: false, locate: [], purpose: 'handed to the plugin' },
  ],
  global: null,
  globalRefusal: 'a plugin in a global step is not supported yet; prune each parameter on its own with targets: [{select, method: custom, module}]',
  // The plugin is bound by prepareRun's loader, which alone may run the module's code.
  resolve: (fields, { axis }) => ({
    method: 'custom',
    module: String(fields['module'] ?? ''),
    plugin: null,
    options: (fields['options'] as PluginOptions | undefined) ?? {},
    ...(axis === null ? {} : { axis }),
  }),
  describe: (spec) => {
    const plugin = spec.plugin === null ? 'not loaded' : `"${spec.plugin.name}", ${spec.plugin.kind}`;
    return `custom ${spec.module} (${plugin}${spec.axis === undefined ? '' : `, ${formatAxisSpec(spec.axis)}`})`;
  },
  plan: (spec, context) => ({ layout: context.layout, axis: pluginAxis(spec, context), composes: context.composes }),
  outcome: (spec, { planned }) => {
    const plugin = spec.plugin;
    if (plugin === null) return 'plugin not loaded';
    const slice: Record<typeof plugin.kind, string> = {
      unstructured: 'its still-unpruned entries as one vector',
      structured: `its channels along TF.js axis ${String(planned.axis)} not yet fully pruned`,
      global: 'the whole tensor and its mask',
    };
    return `plugin "${plugin.name}" (${plugin.file}, sha256 ${plugin.sha256.slice(0, 12)}) chooses from ${slice[plugin.kind]}${onTop(planned.composes)}`;
  },
  create: (spec, context) => {
    const reference = spec.plugin;
    const name = context.paramName ?? 'tensor';
    if (reference === null || context.plugin === undefined) {
      throw new PruneError('PRUNE_PLUGIN_INVALID', `'${name}': the custom method of ${spec.module} needs its plugin loaded first (prepareRun loads it)`);
    }
    if (context.plugin.kind !== reference.kind || context.plugin.name !== reference.name) {
      throw new PruneError(
        'PRUNE_PLUGIN_INVALID',
        `'${name}': the plugin given is "${context.plugin.name}" (${context.plugin.kind}), the plan names "${reference.name}" (${reference.kind}) of ${reference.file}`,
      );
    }
    const placed = reference.kind === 'structured' && spec.axis !== undefined ? placeAxis(spec.axis, context) : null;
    // The module as the recipe names it; its real path and sha256 are in the plan and the manifest.
    const history = {
      method: 'custom',
      plugin: reference.name,
      kind: reference.kind,
      module: spec.module,
      ...(Object.keys(spec.options).length > 0 ? { options: spec.options } : {}),
      ...(placed?.record ?? {}),
    };
    return checkedPlugin(context.plugin, { file: reference.file }, spec.options, placed?.axis ?? null, () => history);
  },
  api: null,
  pluginOf: (spec) => spec.plugin,
} satisfies MethodDescriptor<CustomMethodSpec, string, never>;
