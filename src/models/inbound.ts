/**
 * The graph of a functional model.json: which layers each layer reads (its `inbound_nodes`) and
 * which layers the model returns (`output_layers`). Keras 2 and TF.js write a node as a list of
 * [layer, node, tensor, kwargs] entries; Keras 3 writes {args, kwargs} with `keras_history`
 * inside each tensor. A Sequential has neither: its layers read each other in order.
 */

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The layer names a Keras 3 node's args reference, in order, at any depth (Add takes a list). */
function kerasHistoryNames(value: unknown, into: string[]): void {
  if (Array.isArray(value)) {
    for (const item of value) kerasHistoryNames(item, into);
    return;
  }
  if (!isRecord(value)) return;
  const history = isRecord(value.config) ? value.config.keras_history : undefined;
  if (Array.isArray(history) && typeof history[0] === 'string') {
    into.push(history[0]);
    return;
  }
  for (const inner of Object.values(value)) kerasHistoryNames(inner, into);
}

/**
 * The layers one layer reads, from its first call; undefined when the layer carries no
 * `inbound_nodes` (a Sequential's layers). A layer called more than once (shared) keeps the
 * inputs of its first call only.
 */
export function inboundOf(layerJson: Record<string, unknown>): string[] | undefined {
  const nodes = layerJson.inbound_nodes;
  if (!Array.isArray(nodes)) return undefined;
  const first: unknown = nodes[0];
  if (first === undefined) return [];
  const names: string[] = [];
  if (Array.isArray(first)) {
    for (const entry of first) if (Array.isArray(entry) && typeof entry[0] === 'string') names.push(entry[0]);
  } else {
    kerasHistoryNames(isRecord(first) ? first.args : undefined, names);
  }
  return names;
}

/** The layers a functional model returns (`output_layers`), or undefined when it does not say. */
export function outputLayersOf(modelConfig: Record<string, unknown>): string[] | undefined {
  const config = modelConfig.config;
  const outputs = isRecord(config) ? config.output_layers : undefined;
  if (!Array.isArray(outputs)) return undefined;
  // Keras 3 writes a single output as one [name, node, tensor] triple, not a list of them.
  if (typeof outputs[0] === 'string') return [outputs[0]];
  return outputs.flatMap((entry) => (Array.isArray(entry) && typeof entry[0] === 'string' ? [entry[0]] : []));
}
