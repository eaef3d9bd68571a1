/**
 * The backends a run can ask for, apart from select.ts, which loads TF.js: the CLI checks a
 * --backend flag with this list without paying for TF.js (cli/main.ts loads the engine lazily).
 */
import { BACKEND_NAMES, type BackendName } from '../../recipe/types.js';

export type BackendRequest = 'auto' | BackendName;
export const BACKEND_REQUESTS: readonly BackendRequest[] = ['auto', ...BACKEND_NAMES];
