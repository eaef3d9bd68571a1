/**
 * The gradient at each node's output during the direct pass's backward sweep. A node read by
 * several layers gets the sum of their gradients; an add hands the same gradient to each of its
 * inputs. So a gradient is either exclusive (its buffer is this node's alone: the node's backward
 * may overwrite it, a ReLU gradient applied in place, say) or shared (another node holds the same
 * buffer: a node that needs to change it gets a copy).
 */
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { allocate, view, type Info } from './heap.js';

interface Entry {
  info: Info;
  exclusive: boolean;
}

export class NodeGradients {
  private readonly entries: (Entry | undefined)[];

  constructor(
    private readonly backend: BackendWasm,
    nodes: number,
    /** Buffers to release at the end of the pass (every one this object makes goes there). */
    private readonly owned: Info[],
  ) {
    this.entries = new Array<Entry | undefined>(nodes);
  }

  /** Adds `info` to node's gradient; `exclusive`: nobody else holds `info`. */
  give(node: number, info: Info, exclusive: boolean): void {
    const entry = this.entries[node];
    if (entry === undefined) {
      this.entries[node] = { info, exclusive };
      return;
    }
    if (entry.exclusive) {
      addInto(view(this.backend, entry.info), view(this.backend, info));
    } else if (exclusive) {
      addInto(view(this.backend, info), view(this.backend, entry.info));
      this.entries[node] = { info, exclusive: true };
    } else {
      const sum = allocate(this.backend, entry.info.shape, this.owned);
      const to = view(this.backend, sum);
      to.set(view(this.backend, entry.info));
      addInto(to, view(this.backend, info));
      this.entries[node] = { info: sum, exclusive: true };
    }
  }

  /** The node's gradient (undefined when nothing reached it), exclusive (copied if need be) when `mutable`. */
  take(node: number, mutable: boolean): { info: Info; exclusive: boolean } | undefined {
    const entry = this.entries[node];
    this.entries[node] = undefined;
    if (entry === undefined || !mutable || entry.exclusive) return entry;
    const copy = allocate(this.backend, entry.info.shape, this.owned);
    view(this.backend, copy).set(view(this.backend, entry.info));
    return { info: copy, exclusive: true };
  }
}

function addInto(to: Float32Array, from: Float32Array): void {
  for (let i = 0; i < to.length; i++) to[i] = to[i]! + from[i]!;
}
