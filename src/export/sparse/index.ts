/** Public surface of sparse weight files: small files for unstructured-pruned models (format.ts). */
export { encodeSparseModel } from './encode.js';
export { sparseModelFromDir, sparseModelHandler } from './handler.js';
export { saveSparseModel } from './save.js';
export {
  SPARSE_MODEL_JSON,
  SPARSE_WEIGHTS_BIN,
  SPARSE_WEIGHTS_FORMAT,
  SPARSE_WEIGHTS_VERSION,
  type SparseDType,
  type SparseEncoding,
  type SparseModelFiles,
  type SparseTensorEntry,
  type SparseWeightsManifest,
} from './format.js';
