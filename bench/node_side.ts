/**
 * A benchmark child process, prune-run's side: `node node_side.js <case> <params JSON>`.
 * Runs one case once and prints its result as one RESULT_PREFIX line. Each case is imported only
 * when asked for, so case 3 runs without TF.js in the process.
 */
import { emit, type BenchParams } from './common.js';

async function main(): Promise<void> {
  const [which, json] = process.argv.slice(2);
  if (which === undefined || json === undefined) throw new Error('usage: node_side.js <lenet|finetune|global|model> <params JSON>');
  const params = JSON.parse(json) as BenchParams;
  switch (which) {
    case 'lenet':
      emit(await (await import('./cases/lenet.js')).runLenet(params));
      break;
    case 'finetune':
      emit(await (await import('./cases/finetune.js')).runFinetune(params));
      break;
    case 'global':
      emit(await (await import('./cases/globalPrune.js')).runGlobalPrune(params));
      break;
    case 'model':
      emit(await (await import('./cases/models.js')).runModel(params));
      break;
    default:
      throw new Error(`unknown case '${which}'`);
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? (error.stack ?? error.message) : String(error));
  process.exitCode = 1;
});
