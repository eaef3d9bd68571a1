/**
 * The export task's files: masks.safetensors (and masks.torch.safetensors when the model has a
 * torch counterpart), the plain TF.js model (model/), and when the recipe asks for them the compact
 * (model-compact/), sparse (model-sparse/) and ONNX (model.onnx, model-compact.onnx) models. The
 * final model's figures and sizes go into the record as the files are written.
 */
import path from 'node:path';
import type { ExportTask } from '../plan/types.js';
import { denseSize, exportCompact } from '../export/compactExport.js';
import { loadModel, saveModel as saveLayersModel, serializeModel } from '../engine/modelFiles.js';
import { saveOnnx, type OnnxExportOptions } from '../export/onnx/index.js';
import { saveSparseModel } from '../export/sparse/index.js';
import { torchMasksFile } from '../export/torchMasks.js';
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
export async function writeRunExports(task: ExportTask, run: RunContext, records: RunRecordBuilder): Promise<string> {
  const { saveModel, compact, sparse, onnx } = task;
  const { session, dir } = run;
  const masks = session.masks;
  const tensors = masks.names().map((name) => {
    const state = masks.get(name)!;
    return { name, dtype: 'U8' as const, shape: [...state.shape], data: state.mask };
  });
  await dir.writeBytes('masks.safetensors', encodeSafetensors(tensors, { format: 'prune-run-masks', layout: 'tfjs' }));
  const forTorch = torchMasksFile(tensors.map(({ name, shape, data }) => ({ name, shape, mask: data })), run.prepared.model);
  if (forTorch !== null) await dir.writeBytes('masks.torch.safetensors', forTorch.bytes);
  const model = records.addFinalModel(run.prepared.model, session);
  // The plain TF.js files, written or (save_model: false) only measured: every report gives the size.
  const dense = saveModel ? await saveLayersModel(session.model, dir.path('model')) : await serializeModel(session.model);
  const size = denseSize(dense);
  records.addSize(model, size, macsOf(run.prepared.model, session.masks));
  const written = ['masks.safetensors'];
  if (forTorch !== null) written.push(torchMasksNote(forTorch.written.length, Object.keys(forTorch.skipped)));
  if (saveModel) written.push('model/');
  if (compact) {
    const c = await exportCompact(session.model, session.loadedData, dir.path('model-compact'), dense, task);
    records.addCompact(c);
    written.push(`model-compact/ (${c.parametersAfter} of ${c.parametersBefore} parameters${c.folded === undefined ? '' : `, ${c.folded.length} layers folded`})`);
  }
  if (sparse) {
    const { bytes } = await saveSparseModel(session.model, dir.path('model-sparse'));
    records.addSparse({ bytes, denseBytes: size.denseBytes });
    written.push(`model-sparse/ (${(bytes / 1024).toFixed(1)} KiB)`);
  }
  if (onnx) {
    const options = { torch: run.prepared.model.torch };
    const bytes = await saveOnnx(session.model, dir.path('model.onnx'), options);
    written.push(`model.onnx (${(bytes / 1024).toFixed(1)} KiB)`);
    // The compact model as compaction wrote it (model-compact/): the same layer names, fewer channels.
    const compactBytes = compact ? await compactOnnx(dir.path('model-compact'), dir.path('model-compact.onnx'), options) : null;
    if (compactBytes !== null) written.push(`model-compact.onnx (${(compactBytes / 1024).toFixed(1)} KiB)`);
    records.addOnnx({ bytes, compactBytes });
  }
  return written.join(', ');
}

/** Writes the ONNX form of the compact model saved in `dir`; returns its bytes. */
async function compactOnnx(dir: string, file: string, options: OnnxExportOptions): Promise<number> {
  const model = await loadModel({ path: path.join(dir, 'model.json') });
  try {
    return await saveOnnx(model, file, options);
  } finally {
    model.dispose();
  }
}

/** masks.torch.safetensors in the progress line, naming the masks it could not give torch names. */
function torchMasksNote(written: number, skipped: readonly string[]): string {
  if (skipped.length === 0) return 'masks.torch.safetensors';
  return `masks.torch.safetensors (${String(written)} masks; left out, no torch name or layout: ${skipped.join(', ')})`;
}
