/**
 * The command line the speed scripts share (direct-pass-speed, step-profile,
 * batch-norm-eval-speed): positive whole-number options, and the builtin models they time, named
 * as positional arguments, at the 28×28×1 Fashion-MNIST shape.
 */
import { buildArchitecture } from '../../dist/engine/builtinModels.js';
import { buildLenet } from '../../dist/engine/lenet.js';
import { mobilenetArchitecture } from '../../dist/models/mobilenet.js';
import { resnetArchitecture } from '../../dist/models/resnet.js';

const args = process.argv.slice(2);
const shape = { inputShape: [28, 28, 1], classes: 10 };

/** Model builders by name, each taking the initialisation seed. */
export const SPEED_MODELS = {
  resnet: (seed) => buildArchitecture(resnetArchitecture({ ...shape, depth: 8, width: 1 }), seed),
  mobilenet: (seed) => buildArchitecture(mobilenetArchitecture({ ...shape, width: 1 }), seed),
  lenet: (seed) => buildLenet(seed),
};

/** Whether `--name` is on the command line. */
export const hasOption = (name) => args.includes(`--${name}`);

/** `--name N` as a positive whole number, or the fallback; anything else ends the script (exit 2). */
export function positiveOption(name, fallback) {
  const at = args.indexOf(`--${name}`);
  const value = at < 0 ? fallback : Number(args[at + 1]);
  if (!Number.isInteger(value) || value <= 0) {
    console.error(`--${name} takes a positive whole number`);
    process.exit(2);
  }
  return value;
}

/**
 * The models named on the command line (arguments that are no option and no option's value), each
 * one of `known`; none named gives `fallback`. An unknown name ends the script (exit 2).
 */
export function wantedModels(known, fallback) {
  const wanted = args.filter((a, i) => !a.startsWith('--') && !args[i - 1]?.startsWith('--'));
  for (const name of wanted) {
    if (!known.includes(name)) {
      console.error(`unknown model ${name}; known: ${known.join(', ')}`);
      process.exit(2);
    }
  }
  return wanted.length === 0 ? fallback : wanted;
}
