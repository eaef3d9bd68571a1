/** Plugin modules (custom pruning methods): loading with permission, and the engine's lookup. */
export { loadPlugins, type LoadedPlugins, type PluginPermission } from './load.js';
export { loadedPlugin } from './loaded.js';
export { pluginUses } from './uses.js';
export { PLUGIN_EXTENSIONS } from './place.js';
export { PendingPluginCall, PluginCalls } from './calls.js';
export { type PluginHost, PLUGIN_TIMEOUT_ENV } from './host.js';
