/**
 * masks.torch.safetensors: a run's masks as a torch user applies them. Each mask is named by its
 * parameter's torch state-dict name (`fc1.weight`) and laid out as torch holds that parameter
 * ([out, in, kh, kw], depthwise [in·mult, 1, kh, kw], a dense kernel after a flatten with its
 * columns in torch's (c, h, w) order), so `prune.custom_from_mask(module, 'weight', mask)` on the
 * user's torch model prunes exactly the entries prune-run pruned.
 *
 * A mask whose parameter has no torch name, or whose layout prune-run does not know, is left out
 * rather than guessed: a mask on the wrong module, or in the wrong order, would prune other weights
 * silently, while a missing one is plain to see. The metadata's `skipped` lists those parameters
 * (TF.js names) with the reason; masks.safetensors still holds every mask in TF.js layout.
 */
import { encodeSafetensors, type NamedTensorInput } from '../formats/safetensors.js';
import type { ModelDescription } from '../models/description.js';
import { allParameters } from '../models/description.js';
import { torchLayoutInfoOf, torchLayoutKindOf } from '../models/torchLayoutOf.js';
import { toTorchLayout } from '../prune/torchLayout.js';

/** One mask in TF.js layout, as the session's mask set holds it. */
export interface TfjsMask {
  readonly name: string;
  readonly shape: readonly number[];
  readonly mask: Uint8Array;
}

export interface TorchMasksFile {
  readonly bytes: Uint8Array;
  /** TF.js names of the masks written. */
  readonly written: readonly string[];
  /** TF.js name → why its mask was left out. */
  readonly skipped: Readonly<Record<string, string>>;
}

/** The file's metadata: what it is, and (only when some were left out) which masks are not in it. */
export const TORCH_MASKS_METADATA = { format: 'prune-run-torch-masks', layout: 'torch' } as const;

/** Encodes the masks for torch, or null when the model has no torch counterpart to name them by. */
export function torchMasksFile(masks: readonly TfjsMask[], model: ModelDescription): TorchMasksFile | null {
  const torch = model.torch;
  if (torch === undefined) return null;
  const parameters = new Map(allParameters(model).map((p) => [p.name, p]));
  const tensors: NamedTensorInput[] = [];
  const written: string[] = [];
  const skipped: Record<string, string> = {};
  for (const { name, shape, mask } of masks) {
    const counterpart = torch[name];
    const parameter = parameters.get(name);
    const kind = parameter === undefined ? null : torchLayoutKindOf(parameter);
    if (counterpart === undefined) {
      skipped[name] = 'no torch name';
      continue;
    }
    if (parameter === undefined || kind === null) {
      skipped[name] = 'torch layout unknown';
      continue;
    }
    const laid = toTorchLayout(kind, mask, shape, torchLayoutInfoOf(parameter, counterpart, kind));
    tensors.push({ name: counterpart.name, dtype: 'U8', shape: laid.shape, data: laid.values });
    written.push(name);
  }
  const reasons = Object.entries(skipped).map(([name, reason]) => `${name} (${reason})`);
  const metadata = reasons.length === 0 ? TORCH_MASKS_METADATA : { ...TORCH_MASKS_METADATA, skipped: reasons.join(', ') };
  return { bytes: encodeSafetensors(tensors, metadata), written, skipped };
}
