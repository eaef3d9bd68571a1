/**
 * A plugin's computeMask calls, answered by its thread (host.ts) for the synchronous pruning core.
 * The core (the container, prune.* on layers) calls a method synchronously and applies a group all
 * or nothing; a plugin's answer comes asynchronously from another thread. So the engine applies a
 * group with a plugin in rounds: in each, the view's computeMask returns the answers already
 * computed, call by call in order, and at the first call it has no answer for throws
 * PendingPluginCall, which undoes the round (all or nothing); the engine has the thread answer that
 * call and applies the group again. Each round replays the same calls on the same state, so the
 * final round makes exactly the calls an in-process plugin would get, and applies their answers.
 */
import { PruneRunError } from '../errors.js';
import type { PruningPlugin } from '../prune/plugin.js';
import type { PluginHost } from './host.js';
import type { PluginCallRequest } from './protocol.js';

/** Thrown by a view's computeMask for a call not answered yet (and passed through the core unchanged). */
export class PendingPluginCall extends PruneRunError {
  constructor(
    readonly host: PluginHost,
    readonly index: number,
    readonly request: PluginCallRequest,
  ) {
    super('PLUGIN_PENDING', `plugin "${host.name}": call ${String(index + 1)} on '${request.paramName}' is not answered yet`);
  }
}

interface Answer {
  /** What the call was, to be sure a round replays the same calls. */
  readonly call: string;
  readonly mask: Uint8Array;
}

const describeCall = (request: Pick<PluginCallRequest, 'paramName' | 'shape' | 'axis'>) =>
  `${request.paramName} [${request.shape.join(', ')}] axis ${String(request.axis)}`;

export class PluginCalls {
  private readonly answers: Answer[] = [];
  private cursor = 0;

  /**
   * The plugin as the core sees it for one round: each computeMask returns the next answer (a
   * copy: the core may write into it), or throws PendingPluginCall. `axis` is the structured
   * plugin's TF.js axis (null for the other kinds), as the core method hands it over.
   */
  view(host: PluginHost): PruningPlugin {
    this.cursor = 0;
    return {
      name: host.name,
      kind: host.kind,
      computeMask: (importance, defaultMask, options, tensor) => {
        const index = this.cursor++;
        const request: PluginCallRequest = { importance, defaultMask, shape: tensor.shape, paramName: tensor.parameter, options, axis: tensor.axis };
        const answer = this.answers[index];
        if (answer === undefined) throw new PendingPluginCall(host, index, request);
        if (answer.call !== describeCall(request)) {
          throw new Error(`internal: a round of plugin calls did not replay the last one (call ${String(index + 1)}: ${describeCall(request)}, was ${answer.call})`);
        }
        return answer.mask.slice();
      },
    };
  }

  /** Has the thread answer the pending call; rejects as the host's computeMask does. */
  async answer(pending: PendingPluginCall, signal?: AbortSignal): Promise<void> {
    const call = describeCall(pending.request);
    this.answers[pending.index] = { call, mask: await pending.host.computeMask(pending.request, signal) };
  }
}
