/**
 * `prune-run sweep --github-workflow`: a GitHub Actions workflow that runs a sweep as a matrix of
 * shard jobs and merges them. Each shard job restores the stage cache with actions/cache, runs its
 * slice of the points (PRUNE_RUN_SHARD from its matrix value and the job total), saves the cache,
 * and uploads its run folders as an artifact; the merge job downloads every shard's folders and
 * writes the sweep report, uploaded as an artifact too. The cache is keyed by the content of what
 * decides its entries' keys — the sweep file, the recipe, the lockfile (prune-run and TF.js
 * versions) — and each shard saves under its own key, restoring from any earlier one: entries are
 * found by their own content keys inside, so a restored entry that no longer matches is simply not used.
 */
import { stringify } from 'yaml';

export interface WorkflowOptions {
  /** The sweep's name (the workflow's and the artifacts' names). */
  readonly name: string;
  /** The sweep file and its recipe, relative to the repository root, with forward slashes. */
  readonly sweepFile: string;
  readonly recipeFile: string;
  readonly shards: number;
  /** The stage cache folder, relative to the repository root. */
  readonly cacheDir: string;
  /** The Node.js major version to set up. */
  readonly nodeVersion: number;
}

const RUNS_DIR = 'sweep-runs';
const REPORT_DIR = 'sweep-report';

export function githubWorkflow(o: WorkflowOptions): string {
  const setup = [
    { uses: 'actions/checkout@v4' },
    { uses: 'actions/setup-node@v4', with: { 'node-version': o.nodeVersion, cache: 'npm' } },
    { run: 'npm ci' },
  ];
  const contentKey = `prune-run-stages-\${{ runner.os }}-\${{ hashFiles('${o.sweepFile}', '${o.recipeFile}', 'package-lock.json') }}`;
  const workflow = {
    name: `prune-run sweep ${o.name}`,
    on: { workflow_dispatch: {} },
    jobs: {
      shard: {
        name: `shard \${{ matrix.shard }} of ${o.shards}`,
        'runs-on': 'ubuntu-latest',
        strategy: { 'fail-fast': false, matrix: { shard: Array.from({ length: o.shards }, (_, i) => i + 1) } },
        steps: [
          ...setup,
          {
            name: 'Stage cache (shared training and pruning steps)',
            uses: 'actions/cache@v4',
            with: {
              path: o.cacheDir,
              key: `${contentKey}-shard-\${{ matrix.shard }}`,
              'restore-keys': `${contentKey}-\nprune-run-stages-\${{ runner.os }}-\n`,
            },
          },
          {
            name: 'Run this shard of the sweep',
            run: `npx prune-run sweep ${o.sweepFile} --runs-dir ${RUNS_DIR}`,
            env: { PRUNE_RUN_SHARD: `\${{ matrix.shard }}/\${{ strategy.job-total }}` },
          },
          {
            name: 'Upload the run folders',
            if: '${{ always() }}',
            uses: 'actions/upload-artifact@v4',
            with: { name: `${o.name}-runs-\${{ matrix.shard }}`, path: `${RUNS_DIR}/`, 'if-no-files-found': 'error' },
          },
        ],
      },
      merge: {
        needs: 'shard',
        'runs-on': 'ubuntu-latest',
        steps: [
          ...setup,
          {
            name: 'Download every shard\'s run folders',
            uses: 'actions/download-artifact@v4',
            with: { pattern: `${o.name}-runs-*`, path: RUNS_DIR, 'merge-multiple': true },
          },
          { name: 'Merge into the sweep report', run: `npx prune-run sweep merge --name ${o.name} --out ${REPORT_DIR} ${RUNS_DIR}/*/` },
          {
            name: 'Upload the sweep report',
            uses: 'actions/upload-artifact@v4',
            with: { name: `${o.name}-report`, path: `${REPORT_DIR}/` },
          },
        ],
      },
    },
  };
  const header = [
    `# Written by prune-run sweep --github-workflow for ${o.sweepFile} (${o.shards} shards).`,
    '# Each shard runs its slice of the points; the merge job writes sweep.html, sweep.json and',
    `# TensorBoard's HParams experiment into ${REPORT_DIR}/ (artifact ${o.name}-report).`,
  ];
  return `${header.join('\n')}\n${stringify(workflow, { lineWidth: 0 })}`;
}
