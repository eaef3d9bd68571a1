#!/usr/bin/env node
// Thin launcher: the CLI is compiled to dist/ by `npm install` (the `prepare` script). A dist/ that
// is missing or broken is said in one line (exit 3), not with Node's stack dump; --debug or
// PRUNE_RUN_DEBUG=1 show the error in full.
let cli;
try {
  cli = await import('../dist/cli/main.js');
} catch (error) {
  const debug = process.argv.includes('--debug') || !['', '0', undefined].includes(process.env.PRUNE_RUN_DEBUG);
  const reason = error instanceof Error ? error.message.split('\n')[0] : String(error);
  process.stderr.write(`prune-run failed: cannot load its compiled code (dist/cli/main.js): ${reason}; run npm run build\n`);
  if (debug && error instanceof Error) process.stderr.write(`${error.stack}\n`);
  process.exit(3);
}
await cli.runProcess(process.argv.slice(2));
