/**
 * The export task's files: masks.safetensors, the plain TF.js model (model/), and when the recipe
 * asks for them the compact (model-compact/) and sparse (model-sparse/) models. The final model's
 * figures and sizes go into the record as the files are written.
 */
import type { ExportTask } from '../plan/types.js';
import { denseSize, exportCompact } from '../export/compactExport.js';
import { saveModel as saveLayersModel, serializeModel } from '../engine/modelFiles.js';
import { saveSparseModel } from '../export/sparse/index.js';
import { encodeSafetensors } from '../formats/safetensors.js';
import { maskedMacs, modelMacs } from '../models/macs.js';
import type { ModelDescription } from '../models/description.js';
import type { MaskSet } from '../prune/index.js';
import type { MacsEntry } from '../runs/record.js';
import type { RunContext } from './runContext.js';
import type { RunRecordBuilder } from './runRecordBuilder.js';

/** The model's multiply-adds per image, dense and with its pruned channels gone; null when they cannot be told. */
function macsOf(model: ModelDescription, masks: MaskSet): MacsEntry | null {
  const macs = modelMacs(model);
  const pruned = maskedMacs(macs, new Map(masks.names().map((name) => [name, masks.get(name)!.mask])));
  return macs.total === null || pruned === null ? null : { dense: macs.total, pruned };
}

/** Writes the export task's files into the run folder; returns what it wrote, for progress output. */
export async function writeRunExports({ saveModel, compact, sparse }: ExportTask, run: RunContext, records: RunRecordBuilder): Promise<string> {
  const { session, dir } = run;
  const masks = session.masks;
  const tensors = masks.names().map((name) => {
    const state = masks.get(name)!;
    return { name, dtype: 'U8' as const, shape: [...state.shape], data: state.mask };
  });
  await dir.writeBytes('masks.safetensors', encodeSafetensors(tensors, { format: 'prune-run-masks', layout: 'tfjs' }));
  const model = records.addFinalModel(run.prepared.model, session);
  // The plain TF.js files, written or (save_model: false) only measured: every report gives the size.
  const dense = saveModel ? await saveLayersModel(session.model, dir.path('model')) : await serializeModel(session.model);
  const size = denseSize(dense);
  records.addSize(model, size, macsOf(run.prepared.model, session.masks));
  const written = saveModel ? ['masks.safetensors', 'model/'] : ['masks.safetensors'];
  if (compact) {
    const c = await exportCompact(session.model, session.loadedData, dir.path('model-compact'), dense);
    records.addCompact(c);
    written.push(`model-compact/ (${c.parametersAfter} of ${c.parametersBefore} parameters)`);
  }
  if (sparse) {
    const { bytes } = await saveSparseModel(session.model, dir.path('model-sparse'));
    records.addSparse({ bytes, denseBytes: size.denseBytes });
    written.push(`model-sparse/ (${(bytes / 1024).toFixed(1)} KiB)`);
  }
  return written.join(', ');
}
