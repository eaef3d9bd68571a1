/**
 * TF.js layer names for ONNX nodes, from the torch module names the export keeps. torch 1.13 names
 * a node by its module scope and op (`/layer1/layer1.0/conv1/Conv`: a child of a Sequential is
 * `<parent>.<index>` under its parent) and an unfolded parameter by its state-dict name
 * (`layer1.0.conv1.weight`). TF.js weight names are `<layer>/<param>`, so a layer name holds no
 * `/` and no `.`: `layer1.0.conv1` becomes `layer1_0_conv1`.
 */
import type { OnnxNode } from './graph.js';

/** The torch module path of a node's scope: `/layer1/layer1.0/conv1/Conv` → `layer1.0.conv1`; '' at the top. */
export function modulePathOf(nodeName: string): string {
  if (!nodeName.startsWith('/')) return '';
  const scopes = nodeName.split('/').slice(1, -1);
  const path: string[] = [];
  let previous = '';
  for (const scope of scopes) {
    // `layer1.0` under `layer1` is child 0 of layer1, not a module named `layer1.0`.
    path.push(previous !== '' && scope.startsWith(`${previous}.`) ? scope.slice(previous.length + 1) : scope);
    previous = scope;
  }
  return path.join('.');
}

/** The state-dict module of a parameter name (`layer1.0.conv1.weight` → `layer1.0.conv1`), or null for a renamed one (`onnx::Conv_20`). */
export function moduleOfParameter(name: string): string | null {
  if (name.includes('::') || !name.includes('.')) return null;
  return name.slice(0, name.lastIndexOf('.'));
}

export function sanitizeLayerName(name: string): string {
  const cleaned = name.replace(/[^A-Za-z0-9_]/g, '_').replace(/^_+|_+$/g, '');
  return /^[A-Za-z]/.test(cleaned) ? cleaned : `layer_${cleaned}`;
}

/** ReduceMean → reduce_mean; the op part of a node name (`Relu_1`) keeps its suffix. */
function snakeOp(op: string): string {
  return op.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toLowerCase();
}

/** Hands out unique TF.js layer names in the graph's order. */
export class LayerNamer {
  private readonly taken = new Set<string>();
  /** Scopes that hold more than one node, or other scopes: containers, whose ops get the op in their name. */
  private readonly containers = new Set<string>();

  constructor(nodes: readonly OnnxNode[]) {
    const counts = new Map<string, number>();
    for (const node of nodes) {
      if (node.opType === 'Constant') continue;
      const path = modulePathOf(node.name);
      counts.set(path, (counts.get(path) ?? 0) + 1);
      const parts = path.split('.');
      for (let i = 1; i < parts.length; i++) this.containers.add(parts.slice(0, i).join('.'));
    }
    for (const [path, count] of counts) if (count > 1) this.containers.add(path);
  }

  /** Reserves a fixed name (the input's). */
  reserve(name: string): string {
    return this.unique(sanitizeLayerName(name));
  }

  /**
   * The layer name of a node: the module of its weight when the export kept it, else its scope's
   * module, with the op added (`layer1_0_add`) where the scope holds other layers too.
   */
  nameOf(node: OnnxNode, weightModule: string | null, suffix?: string): string {
    const path = modulePathOf(node.name);
    const op = snakeOp(node.name.split('/').pop() ?? node.opType);
    const base = weightModule ?? (path === '' ? op : this.containers.has(path) ? `${path}.${op}` : path);
    return this.unique(sanitizeLayerName(suffix === undefined ? base : `${base}.${suffix}`));
  }

  private unique(base: string): string {
    let name = base;
    for (let i = 2; this.taken.has(name); i++) name = `${base}_${String(i)}`;
    this.taken.add(name);
    return name;
  }
}
