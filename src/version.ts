/** prune-run's own version, read from its package.json (two levels above src/ and dist/ files). */
import { readFileSync } from 'node:fs';

const packageJson = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
  version: string;
};

export const PRUNE_RUN_VERSION: string = packageJson.version;
