/**
 * Channel groups: the sets of channels that must be removed together, from the model's graph and
 * the layer kinds' channel flows. This is Torch-Pruning's DepGraph (dependency.py) on TF.js
 * layouts: every output channel of every layer is a node; a layer that carries channels (batch
 * norm, activations, pooling, dropout, flatten, depthwise convs) joins each input channel to the
 * output channels it becomes, an add joins the same index of every input and the output, and a
 * concatenation joins each input's channel to its offset in the output (flow.ts says which). The
 * joined sets (union-find) are the coupled channels; the ones made by the same producing layers
 * form one group, and its members are every parameter slice those channels own: the producers'
 * and carriers' output slices and the input slices of every conv or dense that reads them
 * (through flatten, one kernel row per spatial position, as TF.js flattens (h, w, c)).
 */
import { outputsOf, type ChannelFlow } from '../layers/index.js';
import { isTrainableParam, type ModelDescription } from './description.js';
import { layerGraph, paramNamed, type GraphLayer, type LayerGraph } from './layerGraph.js';

/** One parameter slice of a group: the indices along its channel axes that each group channel owns. */
export interface ChannelGroupMember {
  readonly layer: string;
  /** Part name: 'kernel', 'bias', 'gamma', 'moving_mean' (batch-norm statistics are members too). */
  readonly param: string;
  /** 'out': the layer's output channels in this param; 'in': the input channels a conv or dense reads. */
  readonly side: 'out' | 'in';
  /** The param's axes the indices run along, read together row-major (a depthwise kernel's [2, 3]). */
  readonly axes: readonly number[];
  /** indices[k]: the indices channel k of the group owns, ascending. */
  readonly indices: readonly (readonly number[])[];
}

export interface ChannelGroup {
  /** The first producing layer (conv, dense) in model order whose output channels the group holds. */
  readonly root: string;
  /** Every producing layer whose output channels are joined in the group (several across an add). */
  readonly producers: readonly string[];
  /** How many channels the group has; channel k is the root's k-th joined output channel. */
  readonly channels: number;
  /** Every layer the channels pass through or are read by, in model order. */
  readonly layers: readonly string[];
  /** The parameter slices, in model order (layer, then the kind's param order, out before in). */
  readonly members: readonly ChannelGroupMember[];
  /** Why the group's channels cannot be removed (they are the model's output, or reach a layer whose channels prune-run cannot follow); null when they can. */
  readonly fixed: string | null;
}

/** Sets of node numbers that union into one (path halving, union by first-come). */
class UnionFind {
  private readonly parent: number[];
  constructor(size: number) {
    this.parent = Array.from({ length: size }, (_, i) => i);
  }
  find(node: number): number {
    let at = node;
    while (this.parent[at] !== at) {
      this.parent[at] = this.parent[this.parent[at]!]!;
      at = this.parent[at]!;
    }
    return at;
  }
  union(a: number, b: number): void {
    const [ra, rb] = [this.find(a), this.find(b)];
    if (ra !== rb) this.parent[Math.max(ra, rb)] = Math.min(ra, rb);
  }
}

const CARRIES: ReadonlySet<ChannelFlow> = new Set(['one_to_one', 'depthwise', 'flatten', 'shared_index', 'concatenate']);
/** Carriers a flattened output may pass through without its features changing places. */
const KEEPS_FEATURES: ReadonlySet<ChannelFlow> = new Set(['one_to_one', 'shared_index']);

/** Every layer output channel as one node number, and what joins them. */
interface ChannelNodes {
  readonly base: ReadonlyMap<string, number>;
  readonly layerOf: readonly string[];
  readonly sets: UnionFind;
  /** The first reason found that a node's channel cannot be removed. */
  readonly fixed: Map<number, string>;
  /** Layers whose output is flattened features (p·C + c) rather than channels. */
  readonly flattened: ReadonlySet<string>;
}

function joinChannels(graph: LayerGraph): ChannelNodes {
  const base = new Map<string, number>();
  const layerOf: string[] = [];
  for (const layer of graph.ordered) {
    const channels = graph.channelsOf(layer.description.name);
    if (channels === null) continue;
    base.set(layer.description.name, layerOf.length);
    for (let c = 0; c < channels; c++) layerOf.push(layer.description.name);
  }
  const sets = new UnionFind(layerOf.length);
  const fixed = new Map<number, string>();
  const fix = (name: string, reason: string) => {
    const start = base.get(name);
    const count = graph.channelsOf(name) ?? 0;
    for (let c = 0; start !== undefined && c < count; c++) if (!fixed.has(start + c)) fixed.set(start + c, reason);
  };
  const flattened = new Set<string>();
  for (const layer of graph.ordered) {
    const name = layer.description.name;
    const flow = layer.kind?.flow;
    const shapes = { inputs: layer.inbound.map((input) => [graph.channelsOf(input) ?? 0]), depthMultiplier: depthMultiplierOf(layer) };
    layer.inbound.forEach((input, index) => {
      const from = base.get(input);
      if (flow === undefined || flow === 'mixes') {
        fix(input, `reaches ${name} (${layer.description.className}), whose channels prune-run cannot follow`);
      } else if (!CARRIES.has(flow)) {
        return; // produces: its readers' slices are members (membersOf); source reads nothing
      } else if (from === undefined) {
        fix(name, `${input} (${graph.layers.get(input)?.description.className ?? 'the model input'}) feeds them, and its channels cannot be removed`);
      } else if (flattened.has(input) && !KEEPS_FEATURES.has(flow)) {
        fix(input, `flattened features reach ${name} (${layer.description.className})`);
      } else if (base.has(name)) {
        for (let c = 0; c < (graph.channelsOf(input) ?? 0); c++) {
          const outputs = flow === 'flatten' ? [c] : outputsOf(flow, shapes, { input: index, channel: c });
          for (const output of outputs) sets.union(from + c, base.get(name)! + output);
        }
      }
    });
    if (flow === 'flatten' || (flow !== undefined && KEEPS_FEATURES.has(flow) && layer.inbound.some((i) => flattened.has(i)))) flattened.add(name);
    if (graph.outputs.has(name)) fix(name, "they are the model's output");
  }
  return { base, layerOf, sets, fixed, flattened };
}

function depthMultiplierOf(layer: GraphLayer): number {
  if (layer.kind?.flow !== 'depthwise') return 1;
  return paramNamed(layer.description, layer.kind.outputKernel ?? '')?.shape[3] ?? 1;
}

/** A param the layer has: in its description, or a batch-norm statistic (descriptions leave those out). */
function hasParam(layer: GraphLayer, param: string): boolean {
  return paramNamed(layer.description, param) !== undefined || !isTrainableParam(param);
}

interface MemberSlot {
  readonly member: Omit<ChannelGroupMember, 'indices'>;
  /** Sort key: layer order, then the kind's param order, out before in. */
  readonly rank: number;
  readonly indices: number[];
}

/** The parameter slices one joined channel set owns, and the layers it touches. */
function membersOf(graph: LayerGraph, nodes: ChannelNodes, set: readonly number[]): { slots: Map<string, MemberSlot>; layers: Set<string>; problem: string | null } {
  const slots = new Map<string, MemberSlot>();
  const layers = new Set<string>();
  let problem: string | null = null;
  const add = (layer: GraphLayer, paramIndex: number, side: 'out' | 'in', axes: readonly number[], indices: readonly number[]) => {
    const param = layer.kind!.params[paramIndex]!.name;
    const key = `${layer.description.name}/${param}/${side}`;
    const slot = slots.get(key) ?? { member: { layer: layer.description.name, param, side, axes }, rank: (layer.order * 64 + paramIndex) * 2 + (side === 'in' ? 1 : 0), indices: [] };
    slot.indices.push(...indices);
    slots.set(key, slot);
  };
  for (const node of set) {
    const name = nodes.layerOf[node]!;
    const layer = graph.layers.get(name)!;
    const channel = node - nodes.base.get(name)!;
    layers.add(name);
    layer.kind?.params.forEach((p, i) => {
      if (p.out.length > 0 && hasParam(layer, p.name)) add(layer, i, 'out', p.out, [channel]);
    });
    for (const { layer: readerName } of layer.readers) {
      const reader = graph.layers.get(readerName)!;
      if (reader.kind?.flow !== 'produces') continue;
      layers.add(readerName);
      const makesOutputs = reader.kind.params.find((p) => p.name === reader.kind!.outputKernel);
      if (makesOutputs?.in === null) {
        // SeparableConv2D: its input channels reach the output kernel through an internal depthwise
        // step whose slices no descriptor axis names, so the group cannot say them all.
        problem ??= `${readerName} (${reader.description.className}) reads them through an inner step prune-run cannot slice`;
      }
      reader.kind.params.forEach((p, i) => {
        if (p.in === null || !hasParam(reader, p.name)) return;
        if (!nodes.flattened.has(name)) return add(reader, i, 'in', [p.in], [channel]);
        const channels = graph.channelsOf(name)!;
        const rows = paramNamed(reader.description, p.name)?.shape[p.in];
        if (rows === undefined || rows % channels !== 0) {
          problem ??= `${readerName}/${p.name} does not read whole flattened channels`;
          return;
        }
        add(reader, i, 'in', [p.in], Array.from({ length: rows / channels }, (_, position) => position * channels + channel));
      });
    }
  }
  return { slots, layers, problem };
}

/** The channel groups of a model, ordered by their root's place in the model. */
export function channelGroups(model: ModelDescription): ChannelGroup[] {
  const graph = layerGraph(model);
  const nodes = joinChannels(graph);
  const sets = new Map<number, number[]>();
  nodes.layerOf.forEach((_, node) => {
    const root = nodes.sets.find(node);
    const set = sets.get(root) ?? [];
    set.push(node);
    sets.set(root, set);
  });
  const byProducers = new Map<string, { producers: string[]; sets: number[][] }>();
  for (const set of sets.values()) {
    const producers = [...new Set(set.map((node) => nodes.layerOf[node]!))].filter((name) => graph.layers.get(name)?.kind?.flow === 'produces');
    if (producers.length === 0) continue; // the model input's channels, or channels no layer here makes
    const key = producers.join('\u0000');
    const entry = byProducers.get(key) ?? { producers, sets: [] };
    entry.sets.push(set);
    byProducers.set(key, entry);
  }
  const groups = [...byProducers.values()].map(({ producers, sets: joined }) => assemble(graph, nodes, producers, joined));
  return groups.sort((a, b) => graph.layers.get(a.root)!.order - graph.layers.get(b.root)!.order);
}

function assemble(graph: LayerGraph, nodes: ChannelNodes, producers: string[], joined: number[][]): ChannelGroup {
  const root = producers[0]!;
  // Node numbers ascend with the channel within a layer, so a set's first root node is its root channel.
  const rootChannel = (set: readonly number[]) => set.find((node) => nodes.layerOf[node] === root)!;
  const ordered = [...joined].sort((a, b) => rootChannel(a) - rootChannel(b));
  const perSet = ordered.map((set) => membersOf(graph, nodes, set));
  const slots = new Map<string, MemberSlot>();
  perSet.forEach(({ slots: own }) => own.forEach((slot, key) => slots.set(key, slots.get(key) ?? slot)));
  const members = [...slots.entries()]
    .sort(([, a], [, b]) => a.rank - b.rank)
    .map(([key, { member }]) => ({ ...member, indices: perSet.map(({ slots: own }) => own.get(key)?.indices ?? []) }));
  const layers = new Set(perSet.flatMap(({ layers: touched }) => [...touched]));
  const fixed = ordered.flatMap((set) => set.flatMap((node) => nodes.fixed.get(node) ?? [])).at(0) ?? perSet.find((s) => s.problem !== null)?.problem ?? null;
  return {
    root,
    producers,
    channels: ordered.length,
    layers: [...layers].sort((a, b) => graph.layers.get(a)!.order - graph.layers.get(b)!.order),
    members,
    fixed,
  };
}
