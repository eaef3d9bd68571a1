/**
 * How a run ends, one definition for the run folder, its manifest, the --json summary, compare and
 * the CLI: a run that stopped is `failed` or `interrupted` and keeps its `.partial` folder.
 */
export type RunStatus = 'succeeded' | 'failed' | 'interrupted';
export const RUN_STATUSES: readonly RunStatus[] = ['succeeded', 'failed', 'interrupted'];

/**
 * manifest.json's status: how the run ended, or `running` while it goes — which is also what a
 * process killed outright leaves behind (resume tells the two apart by the writer's pid).
 */
export type ManifestStatus = RunStatus | 'running';
