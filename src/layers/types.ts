/**
 * What prune-run knows about one TF.js layer class, as plain data: its parameters and which of
 * their axes hold channels, how channels flow from its inputs to its output, and how compact
 * export rewrites it. Torch-Pruning keeps the same knowledge as one pruner per op type
 * (prune_out_channels / prune_in_channels) and index mappings between ops (flatten, concat); here
 * it is data that the planner (which never loads TF.js), filter pruning and compaction all read,
 * and that channel groups (structured pruning through merges) can be built from.
 */
import type { WeightLayout } from '../prune/layout.js';

/** One weight of the layer, by its part name (`conv1/kernel` → 'kernel'), in TF.js layout. */
export interface ParamKind {
  readonly name: string;
  /**
   * The axes that index the layer's output channels, read together row-major: [3] for a conv
   * kernel [kh, kw, in, out]; [2, 3] for a depthwise kernel [kh, kw, in, mult], whose output
   * channel is in·mult + m. Empty when no axis of this weight is an output channel.
   */
  readonly out: readonly number[];
  /** The axis that indexes the layer's input channels (conv kernel: 2, dense kernel: 0), or null. */
  readonly in: number | null;
  /** The torch ↔ TF.js layout that structured methods and torch masks use, when prune-run knows it. */
  readonly layout: WeightLayout | null;
}

/**
 * How an input channel reaches the output (index mappings in flow.ts):
 * - source: channels start here (InputLayer).
 * - produces: every output channel is new, a mix of all input channels through the weights' `in`
 *   axis (conv, dense); no input channel passes.
 * - one_to_one: output channel c is input channel c (pooling, activations, dropout, batch norm).
 * - depthwise: output channel c·mult + m comes from input channel c alone.
 * - flatten: channel c becomes features p·C + c, one per spatial position p (TF.js flattens (h, w, c)).
 * - shared_index: every input and the output share channel c (add and other element-wise merges).
 * - concatenate: input i owns the output channels [offset_i, offset_i + C_i), along the channel axis.
 * - mixes: no correspondence between channels (dot).
 */
export type ChannelFlow = 'source' | 'produces' | 'one_to_one' | 'depthwise' | 'flatten' | 'shared_index' | 'concatenate' | 'mixes';

/** What a constant channel becomes through a channel-wise layer. */
export type ConstantRule = 'same' | 'activation' | 'relu' | 'batch_norm';

/** How compact export treats the layer. */
export type CompactionRule =
  /**
   * Drops its own dead output channels (every param's `out` axis is sliced to the kept ones and
   * config `sizeField` becomes their count) and absorbs a producer's removed channels (their
   * constants fold into its bias, the kernel's `in` axis is sliced). `windowed`: it reads windows
   * that may cover padding, so it must be channelsLast and ungrouped, and with 'same' padding it
   * can absorb only zero constants.
   */
  | { readonly role: 'producer'; readonly sizeField: string; readonly windowed: boolean }
  /**
   * Sits between a producer and its consumer and acts on each channel alone: a removed channel's
   * constant goes through by `constant`, its index by the flow, and every param's `in` axis is sliced.
   */
  | { readonly role: 'channel_wise'; readonly constant: ConstantRule; readonly channelsLastOnly: boolean }
  /** Its channels are its input's (depthwise): compaction refuses removed inputs or dead outputs here. */
  | { readonly role: 'tied' }
  /** Compaction has no rule: a removed channel reaching it is refused (merges earlier, by the chain check). */
  | { readonly role: 'none' };

export interface LayerKind {
  /** TF.js class name (getClassName, model.json class_name): 'Conv2D'. */
  readonly className: string;
  /** Snake case of the class name, as recipes and the planner say it: 'conv2d'. */
  readonly type: string;
  readonly params: readonly ParamKind[];
  /** The param whose all-zero output slices make an output channel dead, or null. */
  readonly outputKernel: string | null;
  readonly flow: ChannelFlow;
  readonly compaction: CompactionRule;
  /** For a layer that joins branches, what it does in words ('a residual add'); null otherwise. */
  readonly merge: string | null;
}
