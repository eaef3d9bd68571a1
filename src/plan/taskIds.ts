/**
 * What a task id says. The planner names tasks `<kind>:<stage>[#<cycle>]` and evaluations
 * `evaluate:<stage>[#<cycle>]:<point>`, so the stage of any entry a task records — with its cycle,
 * for a repeated stage — can be read back from its id.
 */

/** 'prune:imp#2' → 'imp#2', 'finetune:s' → 's', 'evaluate:imp#2:pruned' → 'imp#2'. */
export function stageLabel(taskId: string): string {
  const rest = taskId.slice(taskId.indexOf(':') + 1);
  return taskId.startsWith('evaluate:') ? rest.slice(0, rest.lastIndexOf(':')) : rest;
}
